// Reads one uploaded file (and the small fields beside it) from a multipart/form-data form, with
// a size cap: the bulk invitation's CSV.
import busboy from 'busboy';
import type { Context } from 'koa';
import { checkInputTree } from '../domain/input-text.ts';

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
