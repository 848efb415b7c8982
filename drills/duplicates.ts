// The same thing arriving twice: a door controller replaying a signed event and re-sending it, a
// member double-clicking the password form, the HR system posting the same file twice and the same
// invitation twice at once. Each must have exactly one effect.
import { signDoorRequest } from '../domain/door/signatures.ts';
import type { ProcessStack } from '../scripts/lib/process-stack.ts';
import { inPool } from '../lib/pool.ts';
import type { Tenant } from '../scripts/lib/tenant.ts';
import { waitFor } from '../scripts/lib/wait.ts';
import { SUBJECTS, waitForMail, waveEmails, type DrillOutcome } from './lib.ts';

async function auditCounts(stack: ProcessStack, tenant: Tenant, type: string): Promise<Map<string, number>> {
  const rows = await stack.orm.em.fork().execute<{ member_id: string; n: string }[]>(
    'select member_id, count(*) as n from audit_event where organization_id = ? and type = ? group by member_id',
    [tenant.companyId, type],
  );
  return new Map(rows.map((r) => [r.member_id, Number(r.n)]));
}

/** The invitation form as a browser posts it: the CSRF cookie and token from the page, then the form. */
async function passwordForm(stack: ProcessStack, token: string): Promise<() => Promise<number>> {
  const url = `${stack.apiUrl}/invitations/${encodeURIComponent(token)}`;
  const page = await fetch(url);
  const cookie = (page.headers.getSetCookie() ?? []).map((c) => c.split(';')[0]).join('; ');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!csrf) throw new Error('no CSRF token on the invitation page');
  const body = new URLSearchParams({ _csrf: csrf, password: 'correct horse battery staple', passwordConfirm: 'correct horse battery staple' });
  return async () => (await fetch(url, { method: 'POST', body, headers: { cookie, 'Content-Type': 'application/x-www-form-urlencoded' }, redirect: 'manual' })).status;
}

export async function duplicatesDrill(stack: ProcessStack, tenant: Tenant, options: { members: number; timeoutMs: number }): Promise<DrillOutcome> {
  const n = options.members;
  const failed: string[] = [];
  let duplicated = 0;
  let lost = 0;

  // The same CSV posted twice (a retried upload): one invitation per person.
  const fileEmails = waveEmails('file', n);
  const csv = `email,name,locale\n${fileEmails.map((e) => `${e},${e.split('@')[0]},en`).join('\n')}\n`;
  const imports: string[] = [];
  for (let i = 0; i < 2; i++) {
    const posted = await tenant.call('POST', '/v1/members/bulk', { raw: csv, headers: { 'Content-Type': 'text/csv' } });
    if (posted.status !== 202) failed.push(`bulk file: ${posted.status} ${JSON.stringify(posted.body)}`);
    else imports.push(posted.body.importId);
  }
  const progress = await Promise.all(imports.map((id) => waitFor(`import ${id}`, async () => {
    const reply = await tenant.call('GET', `/v1/imports/${id}`);
    return reply.body?.status === 'finished' ? reply.body : undefined;
  }, { timeoutMs: options.timeoutMs })));
  const created = progress.reduce((sum, p) => sum + Number(p.created), 0);
  if (created !== n) failed.push(`the file posted twice created ${created} members, not ${n}`);

  // The same invitation posted twice at once, without an Idempotency-Key.
  const twiceEmails = waveEmails('twice', n);
  await inPool(twiceEmails, 4, async (email) => {
    const replies = await Promise.all([0, 1].map(() => tenant.call('POST', '/v1/members', { body: { email, locale: 'en' } })));
    const statuses = replies.map((r) => r.status).sort();
    if (statuses.join() !== '201,409') failed.push(`the same invitation twice at once answered ${statuses.join(' and ')}`);
  });

  // Every one of those got one invitation e-mail.
  const invitations = await waitForMail(stack, new Map([...fileEmails, ...twiceEmails].map((e) => [e, [SUBJECTS.invitation]])), options.timeoutMs);
  lost += invitations.missing;
  duplicated += invitations.duplicated;

  // The password form double-clicked by the "twice" members: one password each.
  await inPool(twiceEmails, 4, async (email) => {
    const post = await passwordForm(stack, await tenant.invitationToken(email));
    const statuses = await Promise.all([post(), post()]);
    if (!statuses.includes(303) || statuses.some((s) => s >= 500)) failed.push(`double-clicked password form answered ${statuses.join(' and ')}`);
  });
  const passwords = await auditCounts(stack, tenant, 'account.password_created');

  // The "file" members go to the door: each PIN + card event replayed as is, then re-signed and sent again.
  const controller = await tenant.doorController();
  const cards = await tenant.addCards(n);
  const replayRefusals: number[] = [];
  await inPool(fileEmails, 4, async (email, i) => {
    const { token } = await tenant.accept(email);
    const confirmed = await tenant.call('POST', '/v1/me/card-enrollment/confirm', { token });
    const event = { type: 'pin_entered', pin: confirmed.body.pin, cardNumber: cards[i] };
    const raw = JSON.stringify({ ...event, occurredAt: new Date().toISOString() });
    const send = (body: string, signature: string) =>
      tenant.call('POST', '/v1/door-events', { raw: body, anonymous: true, headers: { 'Content-Type': 'application/json', 'X-Door-Controller': controller.id, 'X-Signature': signature } });
    const signature = signDoorRequest(controller.secret, raw);
    const [first, replayed] = await Promise.all([send(raw, signature), send(raw, signature)]);
    replayRefusals.push([first, replayed].filter((r) => r.status === 401).length);
    // The controller did not hear back and sends the event again, signed anew.
    const again = JSON.stringify({ ...event, occurredAt: new Date(Date.now() + 1).toISOString() });
    const resent = await send(again, signDoorRequest(controller.secret, again));
    if (resent.status !== 200 || resent.body.decision !== 'enrolled') failed.push(`a re-sent door event answered ${resent.status} ${JSON.stringify(resent.body)}`);
  });
  if (replayRefusals.some((r) => r !== 1)) failed.push(`a replayed door event was not refused exactly once: ${replayRefusals.join(',')}`);
  const enrollments = await auditCounts(stack, tenant, 'card.registered');
  const access = await waitForMail(stack, new Map(fileEmails.map((e) => [e, [SUBJECTS.invitation, SUBJECTS.accessActive]])), options.timeoutMs);
  lost += access.missing;
  duplicated += access.duplicated;

  const members = await stack.orm.em.fork().execute<{ id: string; email: string }[]>('select id, email from member where organization_id = ? and role = ?', [tenant.companyId, 'user']);
  const ofWave = (prefix: string) => members.filter((m) => m.email.startsWith(`${prefix}-`));
  if (members.length !== 2 * n) duplicated += Math.max(0, members.length - 2 * n);
  for (const m of ofWave('twice')) {
    const count = passwords.get(m.id) ?? 0;
    if (count === 0) lost++;
    duplicated += Math.max(0, count - 1);
  }
  for (const m of ofWave('file')) {
    const count = enrollments.get(m.id) ?? 0;
    if (count === 0) lost++;
    duplicated += Math.max(0, count - 1);
  }
  return {
    name: 'duplicates',
    lifecycles: 2 * n,
    lost,
    duplicated,
    failed,
    notes: [`file posted twice, invitations posted twice at once, password form double-clicked, door events replayed and re-sent; ${invitations.redelivered + access.redelivered} SMTP re-deliveries`],
  };
}
