// Reads one uploaded file (and the small fields beside it) from a multipart/form-data form, with
// a size cap: the bulk invitation's CSV, the card stock's.
import busboy from 'busboy';
import type { Context } from 'koa';
import { checkInputTree } from '../domain/input-text.ts';
import type { Renderer } from './page.ts';

export class UploadTooLarge extends Error {
  constructor(limit: number) {
    super(`the file is larger than ${limit} bytes`);
    this.name = 'UploadTooLarge';
  }
}

export async function readUpload(ctx: Context, options: { field: string; maxBytes: number }): Promise<{ file?: { name: string; text: string }; fields: Record<string, string> }> {
  if (!ctx.is('multipart/form-data')) return { fields: {} };
  const parser = busboy({ headers: ctx.req.headers, limits: { files: 1, fileSize: options.maxBytes, fields: 20, fieldSize: 10_000 } });
  const fields: Record<string, string> = {};
  let file: { name: string; text: string } | undefined;
  let tooLarge = false;
  await new Promise<void>((resolve, reject) => {
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => {
        tooLarge = true;
      });
      stream.on('end', () => {
        if (name === options.field && !tooLarge) file = { name: info.filename ?? '', text: Buffer.concat(chunks).toString('utf8') };
      });
    });
    parser.on('close', resolve);
    parser.on('error', reject);
    ctx.req.pipe(parser);
  });
  if (tooLarge) throw new UploadTooLarge(options.maxBytes);
  // The file's cells are checked where the CSV is read; the fields beside it here.
  checkInputTree(fields, '');
  return { file, fields };
}

/**
 * A form's one file, required and non-empty, or the reader's words for why not (too large: 413).
 * Other fields come beside it.
 */
export async function readFormFile(ctx: Context, render: Renderer, maxBytes: number): Promise<{ ok: true; text: string; fields: Record<string, string> } | { ok: false; message: string; status: number }> {
  let upload: Awaited<ReturnType<typeof readUpload>>;
  try {
    upload = await readUpload(ctx, { field: 'file', maxBytes });
  } catch (error) {
    if (error instanceof UploadTooLarge) return { ok: false, message: render.t(ctx, 'problems.upload_too_large'), status: 413 };
    throw error;
  }
  if (!upload.file || !upload.file.text.trim()) return { ok: false, message: render.t(ctx, 'errors.file_required'), status: 400 };
  return { ok: true, text: upload.file.text, fields: upload.fields };
}
