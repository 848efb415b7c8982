// The request log never holds a secret that a path carries: invitation tokens, card QR codes,
// e-mail change links.
import { Writable } from 'node:stream';
import test from 'ava';
import Koa from 'koa';
import pino from 'pino';
import { requestLog } from '../api/request-context.ts';

test('tokens and codes in paths are redacted from the request log; other paths are logged as they are', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _encoding, done) { lines.push(String(chunk)); done(); } });
  const app = new Koa();
  app.use(requestLog(pino({ level: 'info' }, sink)));
  app.use((ctx) => { ctx.body = 'ok'; });
  const server = app.listen(0, '127.0.0.1');
  t.teardown(() => server.close());
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const secrets = ['0b9e1c4e-5f7a-4f43-9d2a-3c1f2b6e8a10.c2lnbmF0dXJlLXNlY3JldA', 'qr-print-secret-1234567890'];
  for (const path of [`/v1/invitations/${secrets[0]}`, `/v1/invitations/${secrets[0]}/accept`, `/invitations/${secrets[0]}`, `/q/${secrets[1]}`, `/email-changes/${secrets[0]}`, '/v1/members/abc']) {
    await fetch(base + path);
  }
  const logged = lines.map((l) => JSON.parse(l).path as string);
  t.deepEqual(logged, ['/v1/invitations/[redacted]', '/v1/invitations/[redacted]/accept', '/invitations/[redacted]', '/q/[redacted]', '/email-changes/[redacted]', '/v1/members/abc']);
  for (const secret of secrets) t.false(lines.join('').includes(secret));
});
