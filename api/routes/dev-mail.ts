// Development only: browse what the embedded SMTP catcher received. Not part of the API contract.
import Router from '@koa/router';
import type { MailCatcher } from '../../services/mail-catcher.ts';
import { AppError } from '../../http/errors.ts';
import { ROUTER_METHODS } from '../../http/methods.ts';

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>
  body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:960px;padding:1rem;color:#1f2933}
  table{border-collapse:collapse;width:100%} td,th{padding:.4rem .6rem;border-bottom:1px solid #e4e7eb;text-align:left}
  pre{white-space:pre-wrap;background:#f5f7fa;padding:1rem;border-radius:6px}
  iframe{width:100%;height:70vh;border:1px solid #e4e7eb;border-radius:6px}
  a{color:#0b69a3}
</style></head><body>${body}</body></html>`;

export function devMailRouter(catcher: MailCatcher): Router {
  const router = new Router({ methods: ROUTER_METHODS });

  router.get('/dev/mail.json', async (ctx) => {
    ctx.body = await catcher.list();
  });

  router.get('/dev/mail', async (ctx) => {
    const mails = await catcher.list();
    const rows = mails
      .map((m) => `<tr><td>${escape(m.receivedAt)}</td><td>${escape(m.to.join(', '))}</td><td><a href="/dev/mail/${m.id}">${escape(m.subject || '(no subject)')}</a></td></tr>`)
      .join('');
    ctx.type = 'html';
    ctx.body = page(
      'Mail catcher',
      `<h1>Mail catcher</h1><p>${mails.length} message(s) received on ${escape(catcher.smtpUrl)}. <a href="/dev/mail.json">JSON</a></p>
       <table><thead><tr><th>Received</th><th>To</th><th>Subject</th></tr></thead><tbody>${rows}</tbody></table>`,
    );
  });

  router.get('/dev/mail/:id', async (ctx) => {
    const mail = await catcher.get(ctx.params.id!);
    if (!mail) throw new AppError('not-found', 404, 'No such message');
    ctx.type = 'html';
    ctx.body = page(
      mail.subject,
      `<p><a href="/dev/mail">← all messages</a></p><h1>${escape(mail.subject)}</h1>
       <p>From ${escape(mail.from)} to ${escape(mail.to.join(', '))}, ${escape(mail.receivedAt)}</p>
       ${mail.html ? `<h2>HTML part</h2><iframe sandbox src="/dev/mail/${mail.id}/html" title="HTML part"></iframe>` : ''}
       <h2>Text part</h2><pre>${escape(mail.text)}</pre>`,
    );
  });

  router.get('/dev/mail/:id/html', async (ctx) => {
    const mail = await catcher.get(ctx.params.id!);
    if (!mail?.html) throw new AppError('not-found', 404, 'No such message');
    ctx.set('Content-Security-Policy', "default-src 'none'; img-src data: https:; style-src 'unsafe-inline'");
    ctx.type = 'html';
    ctx.body = mail.html;
  });

  return router;
}
