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

/** A form the browser did not finish sending, or that is not multipart at all: the sender's fault (400). */
export class MalformedUpload extends Error {
  readonly status = 400;
  readonly expose = true;
  constructor(why: string) {
    super(`the form could not be read: ${why}`);
    this.name = 'MalformedUpload';
  }
}

export async function readUpload(ctx: Context, options: { field: string; maxBytes: number }): Promise<{ file?: { name: string; text: string }; fields: Record<string, string> }> {
  if (!ctx.is('multipart/form-data')) return { fields: {} };
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: ctx.req.headers, limits: { files: 1, fileSize: options.maxBytes, fields: 20, fieldSize: 10_000 } });
  } catch (error) {
    // "Multipart: Boundary not found": thrown by the constructor itself.
    throw new MalformedUpload((error as Error).message);
  }
  const fields: Record<string, string> = {};
  let file: { name: string; text: string } | undefined;
  let tooLarge = false;
  await new Promise<void>((resolve, reject) => {
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      // A body cut before its closing boundary errors the file's stream as well as the parser:
      // an 'error' nobody listens to is thrown by Node and ends the process.
      stream.on('error', (error: Error) => reject(new MalformedUpload(error.message)));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => {
        tooLarge = true;
      });
      stream.on('end', () => {
        if (name === options.field && !tooLarge) file = { name: info.filename ?? '', text: Buffer.concat(chunks).toString('utf8') };
      });
    });
    parser.on('close', resolve);
    parser.on('error', (error: Error) => reject(new MalformedUpload(error.message)));
    ctx.req.on('error', (error: Error) => reject(new MalformedUpload(error.message)));
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
    if (error instanceof MalformedUpload) return { ok: false, message: render.t(ctx, 'errors.upload_malformed'), status: 400 };
    throw error;
  }
  if (!upload.file || !upload.file.text.trim()) return { ok: false, message: render.t(ctx, 'errors.file_required'), status: 400 };
  return { ok: true, text: upload.file.text, fields: upload.fields };
}
