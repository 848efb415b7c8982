// What every fault drill shares: members driven through their lifecycle over HTTP by a client that
// retries what a real one retries (5xx, dropped connections), and the accounting that compares
// what happened (database, SMTP sink, Temporal) with what should have.
import { randomUUID } from 'node:crypto';
import type { ProcessStack } from '../scripts/lib/process-stack.ts';
import { inPool } from '../lib/pool.ts';
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
    // As a careful client does: a request "still being answered" (409, Retry-After) is asked again.
    const inProgress = reply?.status === 409 && String((reply.body as { type?: string } | undefined)?.type ?? '').endsWith('/idempotency-request-in-progress');
    if (reply && reply.status < 500 && !inProgress) return reply;
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
export interface CallObserver {
  reply(reply: Reply): void;
  /** A call that got no answer at all (the connection dropped, or it timed out): it is retried. */
  dropped(error: Error, step: string): void;
}

export async function wholeLife(stack: ProcessStack, tenant: Tenant, member: WaveMember, card: string, timeoutMs: number, observer?: CallObserver): Promise<void> {
  /**
   * One step, retried until it answers below 500. A call whose answer was lost (its API died after
   * doing the work) finds, when retried, its work done: that answer (`doneCode`) then counts as
   * the step's success, as it would for a real client — but only after a lost answer.
   */
  const step = async (what: string, send: (idempotencyKey: string) => Promise<Reply>, ok: number[], doneCode?: string) => {
    let lost = 0;
    const reply = await persist((key) =>
      send(key).then(
        (r) => {
          observer?.reply(r);
          return r;
        },
        (error: Error) => {
          lost++;
          observer?.dropped(error, what);
          throw error;
        },
      ),
    );
    const done = lost > 0 && doneCode !== undefined && (reply.body as { code?: string } | undefined)?.code === doneCode;
    if (!ok.includes(reply.status) && !done) throw new Error(`${what} ${member.email}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply;
  };
  const invited = await step('invite', (key) => tenant.call('POST', '/v1/members', { body: { email: member.email, name: member.email.split('@')[0], locale: 'en' }, headers: { 'Idempotency-Key': key } }), [201]);
  member.memberId = invited.body.id;
  const token = await tenant.invitationToken(member.email, timeoutMs);
  await step('accept', () => tenant.call('POST', `/v1/invitations/${encodeURIComponent(token)}/accept`, { body: { password: 'correct horse battery staple' }, anonymous: true }), [201], 'invitation_used');
  await step('card for', () => tenant.call('POST', `/v1/members/${member.memberId}/cards`, { body: { cardNumber: card } }), [200, 201], 'card_already_registered');
  await waitFor(`${member.email} to be active`, async () => (await tenant.call('GET', `/v1/members/${member.memberId}`)).body?.status === 'active', { timeoutMs, intervalMs: 200 });
  await step('remove', () => tenant.call('DELETE', `/v1/members/${member.memberId}`), [200, 202], 'member_removed');
}

/** What a fault does mid-wave: its notes, and what to do once the wave is through (a restart). */
export interface Fault {
  notes: string[];
  afterWave?: () => Promise<string[]>;
}

/**
 * A wave of members through their whole life with a fault injected once a third of them have
 * their invitation: every lifecycle must finish, every e-mail arrive once, and no answer be a 5xx
 * other than 503 problem+json (the retry-later the clients act on).
 */
export async function faultedWave(stack: ProcessStack, tenant: Tenant, options: { name: string; prefix: string; members: number; timeoutMs: number }, fault: () => Promise<Fault>): Promise<DrillOutcome> {
  const members: WaveMember[] = waveEmails(options.prefix, options.members).map((email) => ({ email }));
  const cards = await tenant.addCards(members.length);
  const failures: string[] = [];
  const unexpected: string[] = [];
  let unavailable = 0;
  const dropped: string[] = [];
  const observer: CallObserver = {
    reply(reply) {
      if (reply.status === 503 && reply.headers.get('content-type')?.includes('application/problem+json')) unavailable++;
      else if (reply.status >= 500) unexpected.push(`answered ${reply.status}: ${JSON.stringify(reply.body).slice(0, 200)}`);
    },
    dropped: (error, step) => void dropped.push(`${step} (${error.name === 'TimeoutError' ? 'no answer in 90 s' : (error.cause as Error | undefined)?.message ?? error.message})`),
  };
  const wave = inPool(members, 8, (member, i) => wholeLife(stack, tenant, member, cards[i]!, options.timeoutMs, observer).catch((error: Error) => void failures.push(error.message)));

  await waitFor('a third of the invitations', () => members.filter((m) => stack.smtp.to(m.email).length).length >= members.length / 3, { timeoutMs: options.timeoutMs, intervalMs: 20 });
  const faultAt = performance.now();
  const injected = await fault();
  await wave;
  const waveSeconds = Math.round((performance.now() - faultAt) / 1000);
  const after = (await injected.afterWave?.()) ?? [];

  const ids = members.flatMap((m) => (m.memberId ? [m.memberId] : []));
  const unfinished = await unfinishedLifecycles(stack, ids, options.timeoutMs);
  const expected = new Map(members.map((m) => [m.email, [SUBJECTS.invitation, SUBJECTS.accessActive, SUBJECTS.removal]]));
  expected.set(tenant.adminEmail, members.map(() => SUBJECTS.offboardingReport));
  const mail = await waitForMail(stack, expected, options.timeoutMs);
  return {
    name: options.name,
    lifecycles: members.length,
    lost: unfinished.length + (members.length - ids.length) + mail.missing,
    duplicated: mail.duplicated,
    notes: [
      ...injected.notes,
      `wave done ${waveSeconds} s after the fault`,
      ...after,
      `${unavailable} answers 503 problem+json and ${dropped.length} calls without an answer${dropped.length ? ` (${[...new Set(dropped)].join(', ')})` : ''}, retried`,
      `${mail.redelivered} SMTP re-deliveries with the same Message-ID`,
    ],
    failed: [...failures, ...unexpected.slice(0, 5), ...mail.extra, ...unfinished.slice(0, 3).map((u) => `unfinished ${u}`)],
  };
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

// The members are invited in English; the company's first admin reads French.
export const SUBJECTS = {
  invitation: /invites you to create your account/,
  accessActive: /^Your access is active$/,
  removal: /^Your access to .* was removed$/,
  offboardingReport: /^Départ de .* : rapport$/,
};
