// Every string a request brings (query, JSON or form body) passes the platform's text rules before
// anything reads it: the API's routes and the pages call this first. A CSV text body is left to
// the CSV reader, which checks each cell and names its row and column.
import type { Context } from 'koa';
import { checkInputTree } from '../domain/input-text.ts';

export function checkRequestText(ctx: Context): void {
  checkInputTree(ctx.query, '');
  const body: unknown = ctx.request.body;
  if (typeof body !== 'string') checkInputTree(body, '');
}
