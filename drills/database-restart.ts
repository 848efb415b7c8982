// PostgreSQL restarts while the HR system keeps inviting and the office manager keeps reading the
// member list: the API answers 503 problem+json (never 500) while it is down, recovers on its own,
// and each invitation ends as exactly one member with one lifecycle and one invitation e-mail.
import type { ProcessStack } from '../scripts/lib/process-stack.ts';
import { inPool } from '../lib/pool.ts';
import type { Reply, Tenant } from '../scripts/lib/tenant.ts';
import { waitFor } from '../scripts/lib/wait.ts';
import { persist, SUBJECTS, waitForMail, waveEmails, type DrillOutcome } from './lib.ts';

export async function databaseRestartDrill(stack: ProcessStack, tenant: Tenant, options: { members: number; downMs: number; timeoutMs: number }): Promise<DrillOutcome> {
  if (!stack.database) throw new Error('the database drill restarts PostgreSQL: run it on the embedded server (without DATABASE_URL)');
  const emails = waveEmails('pg', options.members);
  const answers: Reply[] = [];
  let refused = 0;
  const seen = (reply: Reply) => {
    answers.push(reply);
    return reply;
  };
  let reading = true;
  // The office manager's screen, polling the list throughout.
  const reader = (async () => {
    while (reading) {
      await tenant.call('GET', '/v1/members?limit=20').then(seen, () => refused++);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  // The HR system inviting, one person after another, retrying what fails.
  const invites = inPool(emails, 4, async (email, i) => {
    await new Promise((resolve) => setTimeout(resolve, (i * options.downMs) / emails.length));
    return persist((key) => tenant.call('POST', '/v1/members', { body: { email, locale: 'en' }, headers: { 'Idempotency-Key': key } }).then(seen), options.timeoutMs);
  });

  await new Promise((resolve) => setTimeout(resolve, Math.min(1000, options.downMs / 4)));
  const stoppedAt = performance.now();
  await stack.database.stop();
  await new Promise((resolve) => setTimeout(resolve, options.downMs));
  await stack.database.start();
  const startedAt = performance.now();
  await waitFor('the API to answer again', async () => (await tenant.call('GET', '/v1/members?limit=1')).status === 200, { timeoutMs: options.timeoutMs, intervalMs: 100 });
  const recoveryMs = performance.now() - startedAt;
  const invited = await invites;
  reading = false;
  await reader;

  const unexpected = answers.filter((r) => r.status >= 500 && !(r.status === 503 && r.headers.get('content-type')?.includes('application/problem+json')));
  const unavailable = answers.filter((r) => r.status === 503).length;
  const notInvited = invited.filter((r) => r.status !== 201).length;
  const mail = await waitForMail(stack, new Map(emails.map((e) => [e, [SUBJECTS.invitation]])), options.timeoutMs);
  const rows = await stack.orm.em.fork().execute<{ email: string; n: string; workflow_run_id: string | null }[]>(
    `select email, count(*) over (partition by email) as n, workflow_run_id from member where organization_id = ? and email like 'pg-%'`,
    [tenant.companyId],
  );
  const withoutLifecycle = rows.filter((r) => !r.workflow_run_id).length;
  const missingRows = emails.length - new Set(rows.map((r) => r.email)).size;
  // What each loss was, so a failed run says where to look.
  const losses = [
    ...invited.filter((r) => r.status !== 201).map((r) => `an invitation answered ${r.status} ${String((r.body as { code?: string } | undefined)?.code ?? '')}`),
    ...(missingRows ? [`${missingRows} invited without a member row`] : []),
    ...(withoutLifecycle ? [`${withoutLifecycle} members without a lifecycle`] : []),
    ...(mail.missing ? [`${mail.missing} invitation e-mails missing after ${options.timeoutMs / 1000} s`] : []),
  ];
  return {
    name: 'postgres-restarted',
    lifecycles: emails.length,
    lost: notInvited + missingRows + withoutLifecycle + mail.missing,
    duplicated: rows.filter((r) => Number(r.n) > 1).length + mail.duplicated,
    notes: [
      `PostgreSQL down ${Math.round((startedAt - stoppedAt) / 1000)} s: ${unavailable} answers 503 problem+json, ${refused} refused connections; the API answered again ${Math.round(recoveryMs)} ms after the restart`,
      ...losses,
    ],
    failed: unexpected.map((r) => `answered ${r.status} ${String(r.headers.get('content-type'))} while the database was down: ${JSON.stringify(r.body).slice(0, 200)}`),
  };
}
