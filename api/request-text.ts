// Every string a request brings (query, JSON or form body, CSV text) passes the platform's text
// rules before anything reads it: the API's routes and the pages call this first.
import type { Context } from 'koa';
import { checkInputTree, checkText } from '../domain/input-text.ts';

export function checkRequestText(ctx: Context): void {
  checkInputTree(ctx.query, '');
  const body: unknown = ctx.request.body;
  if (typeof body === 'string') ctx.request.body = checkText(body, 'body', { multiline: true });
  else checkInputTree(body, '');
}
