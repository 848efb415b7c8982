// The lifecycle's pure decisions (workflows/member-lifecycle/decisions.ts), without Temporal.
import test from 'ava';
import type { LifecycleState, MemberLifecycleInput } from '../contract/workflows.ts';
import { approvedState, cardLostState, cardReminderTimes, deriveStatus, initialState, invitationReminderTimes, joinedState, nextDeadline, view } from '../workflows/member-lifecycle/decisions.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2027, 0, 4, 9);
const input = (extra: Partial<MemberLifecycleInput> = {}): MemberLifecycleInput => ({
  memberId: 'm1',
  companyId: 'c1',
  invitedBy: 'api-key:k1',
  durations: { invitationRemindersMs: [2 * DAY, 5 * DAY, 9 * DAY], invitationExpiresAfterMs: 7 * DAY, cardRemindersMs: [3 * DAY], cardOverdueAfterMs: 14 * DAY },
  ...extra,
});
const ids = { lifecycleId: 'run-1', tokenId: 'token-1' };
const fresh = (extra?: Partial<MemberLifecycleInput>): LifecycleState => initialState(input(extra), ids, NOW);
const enrolledWithPassword = (s: LifecycleState): LifecycleState => ({
  ...s,
  account: { ...s.account, stage: 'password_set', passwordSetAt: NOW },
  card: { ...s.card, stage: 'enrolled', cardId: 'card-1', cardNumber: '0042', method: 'qr', enrolledAt: NOW },
});

test('a new lifecycle is invited now, its link and card deadlines counted from now', (t) => {
  const s = fresh();
  t.is(s.status, 'invited');
  t.is(s.account.tokenId, 'token-1');
  t.is(s.lifecycleId, 'run-1');
  t.is(s.account.expiresAt, NOW + 7 * DAY);
  t.is(s.card.overdueAt, NOW + 14 * DAY);
  t.is(s.schedule, undefined);
});

test('a member known ahead waits for the invitation until start − lead (7 days when not said)', (t) => {
  const far = fresh({ schedule: { startsAt: NOW + 30 * DAY, endsAt: null } });
  t.is(far.status, 'scheduled');
  t.true(far.schedule?.invitationPending);
  const near = fresh({ schedule: { startsAt: NOW + 3 * DAY, endsAt: null } });
  t.is(near.status, 'invited', 'inside the lead: invited at once');
  t.false(near.schedule?.invitationPending);
  const lead = fresh({ schedule: { startsAt: NOW + 3 * DAY, endsAt: null }, durations: { ...input().durations, invitationLeadMs: DAY } });
  t.true(lead.schedule?.invitationPending, 'a one-day lead waits two more days');
});

test('the status follows the tracks: invited, expired, awaiting card, overdue, scheduled, active, removed', (t) => {
  const s = fresh();
  t.is(deriveStatus(s), 'invited');
  t.is(deriveStatus({ ...s, account: { ...s.account, stage: 'expired' } }), 'invitation_expired');
  const withPassword = { ...s, account: { ...s.account, stage: 'password_set' as const } };
  t.is(deriveStatus(withPassword), 'awaiting_card');
  t.is(deriveStatus({ ...withPassword, card: { ...withPassword.card, overdue: true } }), 'card_overdue');
  const enrolled = enrolledWithPassword(s);
  t.is(deriveStatus(enrolled), 'awaiting_card', 'enrolled, access not granted yet');
  t.is(deriveStatus({ ...enrolled, schedule: { startsAt: NOW + DAY, endsAt: null, invitationPending: false } }), 'scheduled', 'all done before the first day');
  t.is(deriveStatus({ ...enrolled, access: { card: true, wifi: true, grantedAt: NOW } }), 'active');
  t.is(deriveStatus({ ...enrolled, removal: { actor: 'x', requestedAt: NOW, statusBefore: 'active', email: 'a@b.test', name: 'A' } }), 'removed');
});

test('the next deadline is the earliest due: first reminder, then the link, then the card', (t) => {
  const s = fresh();
  t.deepEqual(nextDeadline(s, input()), { at: NOW + 2 * DAY, summary: 'invitation reminder 1 of 2' });
  const twoSent = { ...s, account: { ...s.account, remindersSent: 2 } };
  t.deepEqual(nextDeadline(twoSent, input()), { at: NOW + 3 * DAY, summary: 'card reminder 1 of 1' });
  const cardDone = { ...twoSent, card: { ...twoSent.card, remindersDue: 1 } };
  t.deepEqual(nextDeadline(cardDone, input()), { at: NOW + 7 * DAY, summary: 'invitation link expires' });
  const active = { ...enrolledWithPassword(s), access: { card: true, wifi: true, grantedAt: NOW } };
  t.is(nextDeadline(active, input()), undefined, 'an active member without an end date has no timer');
});

test('a reminder that would fall after the link expires is never planned', (t) => {
  t.deepEqual(invitationReminderTimes(fresh(), input()), [NOW + 2 * DAY, NOW + 5 * DAY]);
});

test('a pending invitation waits only for its own time and the end date', (t) => {
  const start = NOW + 30 * DAY;
  const s = fresh({ schedule: { startsAt: start, endsAt: start + 3 * DAY } });
  t.deepEqual(nextDeadline(s, input({ schedule: s.schedule! })), { at: start - 7 * DAY, summary: 'invitation goes out (start date − lead)' });
  const enrolled = { ...enrolledWithPassword(fresh()), schedule: { startsAt: NOW + DAY, endsAt: null, invitationPending: false } };
  t.deepEqual(nextDeadline(enrolled, input()), { at: NOW + DAY, summary: 'start date: card and Wi-Fi access open' });
});

test('the view shows the PIN only while revealed, and no deadline before a pending invitation', (t) => {
  const s = fresh();
  t.is(view(s, input()).card.pin, null);
  t.is(view({ ...s, card: { ...s.card, stage: 'pin_revealed', pin: '123456' } }, input()).card.pin, '123456');
  t.is(view({ ...s, card: { ...s.card, stage: 'not_started', pin: '123456' } }, input()).card.pin, null, 'a PIN drawn but not shown stays hidden');
  const waiting = fresh({ schedule: { startsAt: NOW + 30 * DAY, endsAt: null } });
  const v = view(waiting, input({ schedule: waiting.schedule! }));
  t.is(v.account.invitationExpiresAt, null);
  t.is(v.card.overdueAt, null);
  t.is(v.schedule?.invitationAt, new Date(NOW + 23 * DAY).toISOString());
  t.is(view(s, input()).account.invitationExpiresAt, new Date(NOW + 7 * DAY).toISOString());
});

test('someone who joined by themself starts with an account; with approval they wait 14 days, with no card clock, until approved', (t) => {
  const automatic = fresh();
  joinedState(automatic, { via: 'sign_up', approval: false }, NOW);
  t.is(automatic.status, 'awaiting_card');
  t.is(deriveStatus(automatic), 'awaiting_card');
  t.is(automatic.account.stage, 'password_set');

  const waiting = fresh();
  joinedState(waiting, { via: 'sso', approval: true }, NOW);
  t.is(deriveStatus(waiting), 'awaiting_approval');
  t.deepEqual(nextDeadline(waiting, input()), { at: NOW + 14 * DAY, summary: 'sign-up expires unless an admin approves it' });
  t.like(view(waiting, input()), { approval: { expiresAt: new Date(NOW + 14 * DAY).toISOString() }, card: { overdueAt: null, nextReminderAt: null } });

  approvedState(waiting, input(), NOW + 5 * DAY);
  t.is(deriveStatus(waiting), 'awaiting_card');
  t.is(waiting.card.overdueAt, NOW + 5 * DAY + 14 * DAY, 'the card clocks start at the approval');
  t.like(view(waiting, input()), { approval: null });
});

test('a lost card restarts the card track from that moment: reminders and overdue counted from it', (t) => {
  const active = { ...enrolledWithPassword(fresh()), access: { card: true, wifi: true, grantedAt: NOW } };
  t.is(deriveStatus(active), 'active');
  const later = NOW + 40 * DAY;
  cardLostState(active, input(), later);
  t.is(deriveStatus(active), 'awaiting_card');
  t.like(active, { card: { stage: 'not_started', overdue: false, overdueAt: later + 14 * DAY, restartedAt: later }, access: { card: false, wifi: true } });
  t.deepEqual(cardReminderTimes(active, input()), [later + 3 * DAY]);
});
