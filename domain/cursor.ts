// A page's cursor: where the last page stopped (its sort key, then an id), as opaque base64url
// JSON. One that this API did not give out is refused as such, never half-read.
import { DomainError } from './errors.ts';

export const encodeCursor = (parts: (string | number)[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');

export function decodeCursor<T extends unknown[]>(cursor: string, check: (v: unknown[]) => boolean): T {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && check(value)) return value as T;
  } catch {
    // falls through to the problem below
  }
  throw new DomainError('cursor_invalid', 'invalid', 'this cursor is not one this API gave out: start again without it');
}
