// The worker dies (SIGKILL: no drain, no goodbye) while a wave of members goes through their whole
// life, and a new one starts: every lifecycle must finish, every e-mail arrive once.
import type { ProcessStack } from '../scripts/lib/process-stack.ts';
import { inPool } from '../scripts/lib/pool.ts';
import type { Tenant } from '../scripts/lib/tenant.ts';
import { waitFor } from '../scripts/lib/wait.ts';
import { SUBJECTS, unfinishedLifecycles, waitForMail, waveEmails, wholeLife, type DrillOutcome, type WaveMember } from './lib.ts';

export async function workerKillDrill(stack: ProcessStack, tenant: Tenant, options: { members: number; timeoutMs: number }): Promise<DrillOutcome> {
  const members: WaveMember[] = waveEmails('kill', options.members).map((email) => ({ email }));
  const cards = await tenant.addCards(members.length);
  const failures: string[] = [];
  const wave = inPool(members, 8, (member, i) => wholeLife(stack, tenant, member, cards[i]!, options.timeoutMs).catch((error: Error) => void failures.push(error.message)));

  // Mid-wave: once a third of the members have their invitation, the worker is killed.
  await waitFor('a third of the invitations', () => members.filter((m) => stack.smtp.to(m.email).length).length >= members.length / 3, { timeoutMs: options.timeoutMs, intervalMs: 20 });
  const killedAt = performance.now();
  await stack.worker.kill('SIGKILL');
  await stack.worker.start();
  const restartMs = performance.now() - killedAt;
  await wave;

  const ids = members.flatMap((m) => (m.memberId ? [m.memberId] : []));
  const unfinished = await unfinishedLifecycles(stack, ids, options.timeoutMs);
  const expected = new Map(members.map((m) => [m.email, [SUBJECTS.invitation, SUBJECTS.accessActive, SUBJECTS.removal]]));
  expected.set(tenant.adminEmail, members.map(() => SUBJECTS.offboardingReport));
  const mail = await waitForMail(stack, expected, options.timeoutMs);
  return {
    name: 'worker-killed',
    lifecycles: members.length,
    lost: unfinished.length + (members.length - ids.length) + mail.missing,
    duplicated: mail.duplicated,
    notes: [
      `worker restarted ${Math.round(restartMs)} ms after SIGKILL, wave done ${Math.round((performance.now() - killedAt) / 1000)} s after it`,
      `${mail.redelivered} SMTP re-deliveries with the same Message-ID`,
    ],
    failed: [...failures, ...mail.extra, ...unfinished.slice(0, 3).map((u) => `unfinished ${u}`)],
  };
}
