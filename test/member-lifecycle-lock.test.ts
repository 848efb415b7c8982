// The lifecycle's lock, on the real dev server with a real worker: steps that touch the outside
// world run one at a time, and a removal never waits behind a step that cannot finish.
import test from 'ava';
import { Context } from '@temporalio/activity';
import { WorkflowUpdateStage } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInboundCallsInterceptor } from '@temporalio/worker';
import { changeRoleUpdate, confirmCardUpdate, registerCardUpdate, removeUpdate, resendInvitationUpdate } from '../contract/workflows.ts';
import { migratedOrm, query } from './helpers/database.ts';
import { createFixture, recordHistory, type Fixture } from './helpers/lifecycle.ts';
import { fileScope } from './helpers/scope.ts';
import { startWorker, temporalClient, uniqueTaskQueue } from './helpers/temporal.ts';
import { waitFor } from './helpers/wait.ts';

/** What the worker's activities did, per workflow: how many ran at once at most, which were held or failed. */
const activity = {
  running: new Map<string, number>(),
  mostAtOnce: new Map<string, number>(),
  started: [] as { workflowId: string; type: string }[],
  /** `changeRole` of this workflow waits for `release()`. */
  hold: undefined as { workflowId: string; release: () => void; released: Promise<void> } | undefined,
  /** `changeRole` of this workflow fails (retryably) on every attempt: a step stuck retrying. */
  poisoned: new Set<string>(),
};

function holdChangeRole(workflowId: string) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  activity.hold = { workflowId, release, released };
  return release;
}

const observe = (): ActivityInboundCallsInterceptor => ({
  async execute(input, next) {
    const { activityType, workflowExecution } = Context.current().info;
    const workflowId = workflowExecution?.workflowId ?? "";
    activity.started.push({ workflowId, type: activityType });
    const now = (activity.running.get(workflowId) ?? 0) + 1;
    activity.running.set(workflowId, now);
    activity.mostAtOnce.set(workflowId, Math.max(now, activity.mostAtOnce.get(workflowId) ?? 0));
    try {
      if (activityType === 'changeRole' && activity.poisoned.has(workflowId)) throw ApplicationFailure.retryable('this step can never succeed', 'Poisoned');
      if (activityType === 'changeRole' && activity.hold?.workflowId === workflowId) await activity.hold.released;
      return await next(input);
    } finally {
      activity.running.set(workflowId, activity.running.get(workflowId)! - 1);
    }
  },
});

const scope = fileScope();
let shared: Promise<Fixture> | undefined;
const fixture = () =>
  (shared ??= (async () => {
    const { orm, url } = await migratedOrm(scope);
    const taskQueue = uniqueTaskQueue();
    await startWorker(scope, { orm, taskQueue, interceptors: { activity: [() => ({ inbound: observe() })] } });
    return createFixture(scope, { orm, url, client: await temporalClient(scope), taskQueue });
  })());

test('three updates waiting behind a held step enter one at a time, in arrival order', async (t) => {
  const f = await fixture();
  const card = await f.addCard();
  const member = await f.invite();
  await f.waitForIdle(member.memberId);
  const workflowId = member.handle.workflowId;

  const release = holdChangeRole(workflowId);
  const held = member.handle.startUpdate(changeRoleUpdate, { args: [{ role: 'admin', actor: 'test' }], waitForStage: WorkflowUpdateStage.ACCEPTED });
  await waitFor('the held step to be in its activity', () => activity.started.some((a) => a.workflowId === workflowId && a.type === 'changeRole'));
  activity.mostAtOnce.set(workflowId, 1);

  const accepted = { waitForStage: WorkflowUpdateStage.ACCEPTED } as const;
  // Accepted one after the other, so their arrival order is known; all three wait for the lock.
  const waiting = [
    await member.handle.startUpdate(confirmCardUpdate, { args: [{ actor: 'test' }], ...accepted }),
    await member.handle.startUpdate(registerCardUpdate, { args: [{ cardNumber: card.cardNumber, actor: 'test' }], ...accepted }),
    await member.handle.startUpdate(resendInvitationUpdate, { args: [{ actor: 'test' }], ...accepted }),
  ];
  const before = activity.started.filter((a) => a.workflowId === workflowId).length;
  release();

  await (await held).result();
  const [pin, enrollment, resent] = await Promise.all(waiting.map((u) => u.result()));
  t.regex((pin as { pin: string }).pin, /^\*\d{4}$/);
  t.like(enrollment, { decision: 'enrolled', cardNumber: card.cardNumber });
  t.truthy((resent as { invitationExpiresAt: string }).invitationExpiresAt);
  await f.waitForIdle(member.memberId);

  t.true(activity.started.filter((a) => a.workflowId === workflowId).length - before >= 3, 'each waiting step ran its activities');
  t.is(activity.mostAtOnce.get(workflowId), 1, 'never two of the lifecycle\'s activities at once');
  const order = activity.started.filter((a) => a.workflowId === workflowId).slice(before).map((a) => a.type);
  t.true(order.indexOf('reserveEnrollmentPin') < order.indexOf('enrollCard') && order.indexOf('enrollCard') < order.indexOf('issueInvitation'), order.join(' → '));
  await recordHistory(f.client, 'updates-queued-behind-a-held-step', workflowId);
});

test('a step stuck retrying does not block the removal: card off the access list and Wi-Fi revoked within seconds', async (t) => {
  const f = await fixture();
  const card = await f.addCard();
  const member = await f.invite();
  await f.acceptInvitation(member.email);
  await member.handle.executeUpdate(registerCardUpdate, { args: [{ cardNumber: card.cardNumber, actor: `member:${f.admin.memberId}` }] });
  await f.waitForState(member.memberId, 'active', (v) => v.status === 'active');
  t.true((await f.accessList()).includes(card.cardNumber));
  const workflowId = member.handle.workflowId;

  activity.poisoned.add(workflowId);
  const stuck = await member.handle.startUpdate(changeRoleUpdate, { args: [{ role: 'admin', actor: 'test' }], waitForStage: WorkflowUpdateStage.ACCEPTED });
  await waitFor('the poisoned step to have failed twice', () => activity.started.filter((a) => a.workflowId === workflowId && a.type === 'changeRole').length >= 2);

  await member.handle.executeUpdate(removeUpdate, { args: [{ actor: 'api-key:hr', reason: 'left the company' }] });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, fail) => (timer = setTimeout(() => fail(new Error('no offboarding report within 30 s')), 30_000)));
  const report = await Promise.race([member.handle.result(), deadline]).finally(() => clearTimeout(timer));
  t.like(report, { statusBefore: 'active', card: { number: card.cardNumber, revoked: true }, wifi: { revoked: true } });

  const refusal = await t.throwsAsync(stuck.result());
  t.regex(String((refusal as { cause?: { message?: string } }).cause?.message), /being removed/);
  t.false((await f.accessList()).includes(card.cardNumber), 'the card no longer opens the door');
  const { rows: wifi } = await query(f.url, 'select 1 from wifi_credential where member_id = $1 and revoked_at is null', [member.memberId]);
  t.is(wifi.length, 0, 'Wi-Fi revoked');
  t.is((await f.memberRow(member.memberId)).role, 'user', 'the interrupted step changed nothing');
  await recordHistory(f.client, 'removal-interrupts-a-stuck-step', workflowId);
});
