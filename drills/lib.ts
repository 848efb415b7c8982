// What every fault drill shares: members driven through their lifecycle over HTTP by a client that
// retries what a real one retries (5xx, dropped connections), and the accounting that compares
// what happened (database, SMTP sink, Temporal) with what should have.
import { randomUUID } from 'node:crypto';
import type { ProcessStack } from '../scripts/lib/process-stack.ts';
import { inPool } from '../scripts/lib/pool.ts';
import { uniqueEmail, type Reply, type Tenant } from '../scripts/lib/tenant.ts';
import { waitFor } from '../scripts/lib/wait.ts';

export interface DrillOutcome {
  name: string;
  lifecycles: number;
  lost: number;
  duplicated: number;
  /** What went wrong beyond losses and duplicates (a 500, a step that never answered): fails the drill too. */
  failed: string[];
  /** What else the drill measured, printed after the verdict. */
  notes: string[];
}

export const drillPassed = (o: DrillOutcome) => o.lost === 0 && o.duplicated === 0 && o.failed.length === 0;

export const drillLine = (o: DrillOutcome) =>
  `drill ${o.name}: ${o.lifecycles} lifecycles, lost ${o.lost}, duplicated ${o.duplicated}${o.notes.length ? ` (${o.notes.join('; ')})` : ''}${o.failed.length ? `\n  failed: ${o.failed.slice(0, 5).join('\n  failed: ')}` : ''}`;

/** A call retried, with the same Idempotency-Key, until it answers below 500 (or `deadlineMs` passes). */
export async function persist(call: (idempotencyKey: string) => Promise<Reply>, deadlineMs = 180_000): Promise<Reply> {
  const key = randomUUID();
  const deadline = Date.now() + deadlineMs;
  for (let pause = 100; ; pause = Math.min(pause * 2, 2000)) {
    let reply: Reply | undefined;
    try {
      reply = await call(key);
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (reply && reply.status < 500) return reply;
    if (Date.now() > deadline) return reply!;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

export interface WaveMember {
  email: string;
  memberId?: string;
}

/**
 * One member's whole life: invited by the HR system, password created from the e-mailed link, a
 * card registered by the office manager, access granted, removed, offboarded.
 */
export async function wholeLife(stack: ProcessStack, tenant: Tenant, member: WaveMember, card: string, timeoutMs: number): Promise<void> {
  const invited = await persist((key) => tenant.call('POST', '/v1/members', { body: { email: member.email, name: member.email.split('@')[0], locale: 'en' }, headers: { 'Idempotency-Key': key } }));
  if (invited.status !== 201) throw new Error(`invite ${member.email}: ${invited.status} ${JSON.stringify(invited.body)}`);
  member.memberId = invited.body.id;
  const token = await tenant.invitationToken(member.email, timeoutMs);
  const accepted = await persist(() => tenant.call('POST', `/v1/invitations/${encodeURIComponent(token)}/accept`, { body: { password: 'correct horse battery staple' }, anonymous: true }));
  if (accepted.status !== 201) throw new Error(`accept ${member.email}: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  const registered = await persist(() => tenant.call('POST', `/v1/members/${member.memberId}/cards`, { body: { cardNumber: card } }));
  if (registered.status !== 200 && registered.status !== 201) throw new Error(`card for ${member.email}: ${registered.status} ${JSON.stringify(registered.body)}`);
  await waitFor(`${member.email} to be active`, async () => (await tenant.call('GET', `/v1/members/${member.memberId}`)).body?.status === 'active', { timeoutMs, intervalMs: 200 });
  const removed = await persist(() => tenant.call('DELETE', `/v1/members/${member.memberId}`));
  if (removed.status !== 200 && removed.status !== 202) throw new Error(`remove ${member.email}: ${removed.status} ${JSON.stringify(removed.body)}`);
}

/** E-mails each address should have received, by subject, against what the sink holds. */
export function emailAccounting(stack: ProcessStack, expected: Map<string, RegExp[]>): { missing: number; duplicated: number; redelivered: number; extra: string[] } {
  const extra: string[] = [];
  let missing = 0;
  let duplicated = 0;
  let redelivered = 0;
  for (const [address, subjects] of expected) {
    const deliveries = stack.smtp.to(address);
    const ids = new Set(deliveries.map((d) => d.messageId));
    redelivered += deliveries.length - ids.size;
    const distinct = [...ids].map((id) => deliveries.find((d) => d.messageId === id)!);
    for (const subject of new Set(subjects)) {
      const wanted = subjects.filter((s) => s === subject).length;
      const got = distinct.filter((d) => subject.test(d.subject)).length;
      if (got < wanted) missing += wanted - got;
      // A distinct message beyond the expected count is a second e-mail for the same thing.
      if (got > wanted) {
        duplicated += got - wanted;
        extra.push(`${address} received ${got} e-mails matching ${subject}, not ${wanted}`);
      }
    }
  }
  return { missing, duplicated, redelivered, extra };
}

/** The accounting once nothing is missing any more, or as it stands at the deadline. */
export async function waitForMail(stack: ProcessStack, expected: Map<string, RegExp[]>, timeoutMs: number) {
  try {
    return await waitFor('every expected e-mail', () => {
      const mail = emailAccounting(stack, expected);
      return mail.missing === 0 ? mail : undefined;
    }, { timeoutMs, intervalMs: 100 });
  } catch {
    return emailAccounting(stack, expected);
  }
}

/** These members' lifecycles not closed (offboarded) by `timeoutMs`, with what each was doing. */
export async function unfinishedLifecycles(stack: ProcessStack, memberIds: string[], timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  const left = await inPool(memberIds, 16, async (id): Promise<string | undefined> => {
    const handle = stack.client.workflow.getHandle(`member-${id}`);
    for (;;) {
      const { status, raw } = await handle.describe();
      if (status.name === 'COMPLETED') return undefined;
      if (status.name !== 'RUNNING' || Date.now() > deadline) {
        const view = status.name === 'RUNNING' ? await handle.query<{ status: string }>('state').catch(() => undefined) : undefined;
        return `member-${id}: ${status.name}${view ? ` as ${view.status}` : ''}, ${raw.pendingActivities?.length ?? 0} activities pending${raw.pendingWorkflowTask ? ', a workflow task pending' : ''}`;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  });
  return left.filter((x): x is string => x !== undefined);
}

export const waveEmails = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => uniqueEmail(prefix, i));

// The members are invited in English; the organisation's first admin reads French.
export const SUBJECTS = {
  invitation: /invites you to create your account/,
  accessActive: /^Your access is active$/,
  removal: /^Your access to .* was removed$/,
  offboardingReport: /^Départ de .* : rapport$/,
};
