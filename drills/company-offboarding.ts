// A company leaves: its offboarding is scheduled a little ahead, and the worker dies (SIGKILL)
// while the members are being removed; a new one starts. Every member must be removed exactly
// once, each card off the access list, one report sent. A second company's offboarding is
// cancelled before its date: it must remove no one.
import type { ProcessStack } from '../scripts/lib/process-stack.ts';
import { inPool } from '../lib/pool.ts';
import type { Tenant } from '../scripts/lib/tenant.ts';
import { waitFor } from '../scripts/lib/wait.ts';
import { persist, unfinishedLifecycles, waveEmails, type DrillOutcome } from './lib.ts';

/** Invited, password created, card registered by the office manager: active, card on the access list. */
async function activeMember(tenant: Tenant, email: string, card: string, timeoutMs: number): Promise<string> {
  const invited = await persist((key) => tenant.call('POST', '/v1/members', { body: { email, name: email.split('@')[0], locale: 'en' }, headers: { 'Idempotency-Key': key } }));
  if (invited.status !== 201) throw new Error(`invite ${email}: ${invited.status} ${JSON.stringify(invited.body)}`);
  await tenant.accept(email, timeoutMs);
  const registered = await persist(() => tenant.call('POST', `/v1/members/${invited.body.id}/cards`, { body: { cardNumber: card } }));
  if (registered.status !== 200) throw new Error(`card for ${email}: ${registered.status} ${JSON.stringify(registered.body)}`);
  await waitFor(`${email} to be active`, async () => (await tenant.call('GET', `/v1/members/${invited.body.id}`)).body?.status === 'active', { timeoutMs, intervalMs: 200 });
  return invited.body.id as string;
}

const offboardingOf = (stack: ProcessStack, companyId: string) =>
  stack.orm.em.fork().execute<{ state: string; removed: number; total: number | null }[]>('select state, removed, total from company_offboarding where organization_id = ? order by created_at desc limit 1', [companyId]).then((r) => r[0]);

export async function companyOffboardingDrill(
  stack: ProcessStack,
  newTenant: () => Promise<Tenant>,
  options: { members: number; leadMs: number; timeoutMs: number },
): Promise<DrillOutcome> {
  const failures: string[] = [];
  const leaving = await newTenant();
  const staying = await newTenant();
  const emails = waveEmails('leaving', options.members);
  const cards = await leaving.addCards(emails.length);
  const memberIds = await inPool(emails, 8, (email, i) => activeMember(leaving, email, cards[i]!, options.timeoutMs));
  const stayingIds = await inPool(waveEmails('staying', 3), 3, async (email) => {
    const [card] = await staying.addCards(1);
    return activeMember(staying, email, card!, options.timeoutMs);
  });

  // The cancelled one first: scheduled a minute ahead, cancelled at once.
  const later = await staying.call('POST', `/v1/companies/${staying.companyId}/offboarding`, { token: staying.operatorKey, body: { effectiveAt: new Date(Date.now() + 60_000).toISOString() } });
  if (later.status !== 202) failures.push(`scheduling the offboarding to cancel: ${later.status}`);
  const cancelled = await staying.call('DELETE', `/v1/companies/${staying.companyId}/offboarding`, { token: staying.operatorKey });
  if (cancelled.status !== 200 || cancelled.body.state !== 'cancelled') failures.push(`cancelling: ${cancelled.status} ${JSON.stringify(cancelled.body)}`);

  const scheduledAt = performance.now();
  const scheduled = await leaving.call('POST', `/v1/companies/${leaving.companyId}/offboarding`, { token: leaving.operatorKey, body: { effectiveAt: new Date(Date.now() + options.leadMs).toISOString() } });
  if (scheduled.status !== 202) failures.push(`scheduling: ${scheduled.status} ${JSON.stringify(scheduled.body)}`);
  // In the middle: once some members are removed and before all are, the worker is killed.
  const removedBeforeKill = await waitFor('the first removals', async () => {
    const [row] = await stack.orm.em.fork().execute<{ n: number }[]>(`select count(*)::int as n from member where organization_id = ? and status = 'removed'`, [leaving.companyId]);
    return row!.n >= 1 ? row!.n : undefined;
  }, { timeoutMs: options.leadMs + options.timeoutMs, intervalMs: 20 });
  await stack.worker.kill('SIGKILL');
  await stack.worker.start();
  const done = await waitFor('the offboarding to complete', async () => ((await offboardingOf(stack, leaving.companyId))?.state === 'completed' ? true : undefined), { timeoutMs: options.timeoutMs, intervalMs: 250 })
    .catch((error: Error) => void failures.push(error.message));
  const tookS = Math.round((performance.now() - scheduledAt) / 1000);

  const em = stack.orm.em.fork();
  const removals = await em.execute<{ member_id: string; n: number }[]>(
    `select member_id, count(*)::int as n from audit_event where organization_id = ? and type = 'member.removal_requested' group by member_id`,
    [leaving.companyId],
  );
  const everyone = await em.execute<{ id: string; status: string }[]>('select id, status from member where organization_id = ?', [leaving.companyId]);
  const notRemoved = everyone.filter((m) => m.status !== 'removed');
  const twice = removals.filter((r) => r.n > 1);
  const unfinished = await unfinishedLifecycles(stack, memberIds, options.timeoutMs);
  const stillOpen = await em.execute<{ number: string }[]>(
    `select number from card where site_id = ? and access_granted_at is not null and number in (${cards.map(() => '?').join(', ')})`,
    [leaving.siteId, ...cards],
  );
  const reports = stack.smtp.to(leaving.adminEmail).length;
  const stayingRemoved = (await em.execute<{ n: number }[]>(`select count(*)::int as n from member where organization_id = ? and status = 'removed'`, [staying.companyId]))[0]!.n;
  if (stayingRemoved) failures.push(`${stayingRemoved} member(s) of the company whose offboarding was cancelled were removed`);
  if (stillOpen.length) failures.push(`${stillOpen.length} card(s) still open the door: ${stillOpen.slice(0, 3).map((c) => c.number).join(', ')}`);
  // The report goes out after the offboarding is marked completed: wait for it (with a deadline).
  const reportsTo = async (email: string) =>
    (await Promise.all(stack.smtp.to(email).map(async (d) => (await stack.smtp.parse(d)).subject ?? ''))).filter((s) => /est partie|has left/.test(s)).length;
  const companyReports = await waitFor('the company report', async () => ((await reportsTo(leaving.adminEmail)) > 0 ? reportsTo(leaving.adminEmail) : undefined), { timeoutMs: options.timeoutMs, intervalMs: 100 }).catch(() => 0);
  if (companyReports !== 1) failures.push(`${companyReports} company report(s) to the first admin, expected 1`);
  return {
    name: 'company-offboarding',
    lifecycles: everyone.length + stayingIds.length,
    lost: notRemoved.length + unfinished.length,
    duplicated: twice.length,
    notes: [
      `${everyone.length} members removed ${done ? `${tookS} s after scheduling (${Math.round(options.leadMs / 1000)} s ahead)` : 'not all'}, worker SIGKILLed after ${removedBeforeKill} removal(s)`,
      `${reports} e-mail(s) to the first admin`,
      `cancelled offboarding: ${stayingRemoved} of ${stayingIds.length} removed`,
    ],
    failed: [...failures, ...unfinished.slice(0, 3).map((u) => `unfinished ${u}`), ...notRemoved.slice(0, 3).map((m) => `not removed: ${m.id} (${m.status})`)],
  };
}
