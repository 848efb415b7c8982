// One member's whole life on the platform, as one durable workflow `member-<memberId>`: the
// account track (invitation, reminders, expiry, resend) and the card track (PIN, QR, door, admin,
// reminders, overdue) side by side; activation when both are done; offboarding from any state.
//
// Deadlines are absolute times in the state, so a continued-as-new run (or a resumed worker)
// picks up exactly where the previous one stood. Every step that touches the outside world runs
// under one lock (lock.ts), so a removal never interleaves with an enrollment or an activation.
// This file wires the messages to the lifecycle's operations (member-lifecycle.ts) and runs the
// main loop over its timed steps (tracks.ts); the decisions are plain functions (decisions.ts).
import { allHandlersFinished, condition, continueAsNew, deprecatePatch, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  changeRoleUpdate,
  changeScheduleUpdate,
  cardLostUpdate,
  changeSiteUpdate,
  confirmCardUpdate,
  decideSignUpUpdate,
  enrollAtDoorUpdate,
  passwordSetSignal,
  registerCardUpdate,
  removeUpdate,
  replaceCardUpdate,
  resendInvitationUpdate,
  scanQrUpdate,
  stateQuery,
  wizardClosedSignal,
  type MemberLifecycleInput,
  type OffboardingReport,
} from '../../contract/workflows.ts';
import { joinedState, nextDeadline, view } from './decisions.ts';
import { MemberLifecycle } from './member-lifecycle.ts';
import { preempted, reject } from './reject.ts';
import { DeadlineTimer } from './timers.ts';
import { advance, begin, offboard } from './tracks.ts';

const cardNumberRequired = (cardNumber: unknown) => {
  if (typeof cardNumber !== 'string' || !cardNumber.trim()) reject('InvalidRequest', 'cardNumber is required');
};

export async function memberLifecycle(input: MemberLifecycleInput): Promise<OffboardingReport> {
  const { workflowId, firstExecutionRunId } = workflowInfo();
  const lc = new MemberLifecycle(input, workflowId, firstExecutionRunId);
  const { state } = lc;
  // Runs from before the lock was a mutex, and from before start and end dates, can no longer
  // exist (docs/development.md, "Workflow versions"); their markers stay in the histories.
  deprecatePatch('lifecycle-mutex');
  deprecatePatch('member-schedule');
  // Invited without a registration code: no card track. Only new runs can ask for it, so the
  // marker stands in their histories alone.
  if (!lc.input.carried && lc.input.cardNeeded === false && patched('no-card-track')) state.cardTrack = false;
  // Joined by themself ("S'inscrire", single sign-on): likewise new runs only.
  if (!lc.input.carried && lc.input.joined && patched('self-sign-up')) joinedState(state, lc.input.joined, Date.now());

  // ---- messages: registered before the first await, so none is lost ----------------------------

  setHandler(stateQuery, () => view(state, lc.input));
  setHandler(passwordSetSignal, () => lc.passwordSet());
  setHandler(wizardClosedSignal, ({ step, closeId }) => lc.wizardClosed(step, closeId));

  setHandler(confirmCardUpdate, ({ actor }) => lc.confirmCard(actor), { validator: (_request) => lc.stillRegistering() });

  setHandler(scanQrUpdate, ({ payload, actor }) => lc.enroll('qr', { qrPayload: payload }, actor), {
    validator: ({ payload }) => {
      if (typeof payload !== 'string' || !payload.trim() || payload.length > 2048) reject('InvalidRequest', 'payload must be the text of the card’s QR code');
      lc.stillRegistering();
    },
  });

  setHandler(
    enrollAtDoorUpdate,
    ({ pin, cardNumber, doorControllerId }) =>
      lc.enroll('door', { cardNumber }, `door-controller:${doorControllerId}`, () => {
        if (state.card.pin !== pin) reject('WrongPin');
      }),
    {
      validator: ({ pin, cardNumber }) => {
        cardNumberRequired(cardNumber);
        lc.stillRegistering();
        if (!state.card.pin) reject('PinNotRevealed');
        if (state.card.pin !== pin) reject('WrongPin');
      },
    },
  );

  setHandler(registerCardUpdate, ({ cardNumber, actor }) => lc.enroll('admin', { cardNumber }, actor), {
    validator: ({ cardNumber }) => {
      cardNumberRequired(cardNumber);
      lc.stillRegistering();
    },
  });

  setHandler(replaceCardUpdate, ({ cardNumber, actor }) => lc.replaceCard(cardNumber, actor), {
    validator: ({ cardNumber }) => {
      cardNumberRequired(cardNumber);
      if (state.removal) reject('MemberRemoved');
      if (state.card.stage !== 'enrolled') reject('NoCardRegistered');
    },
  });

  setHandler(cardLostUpdate, ({ reason, actor }) => lc.cardLost(reason, actor), {
    validator: ({ reason, actor }) => {
      if ((reason !== 'lost' && reason !== 'damaged') || typeof actor !== 'string' || !actor) reject('InvalidRequest', 'reason (lost or damaged) and actor are required');
      if (state.removal) reject('MemberRemoved');
      if (state.card.stage !== 'enrolled') reject('NoCardRegistered');
    },
  });

  setHandler(decideSignUpUpdate, ({ approve, actor }) => lc.decideSignUp(approve, actor), {
    validator: ({ approve, actor }) => {
      if (typeof approve !== 'boolean' || typeof actor !== 'string' || !actor) reject('InvalidRequest', 'approve (true or false) and actor are required');
      if (state.removal) reject('MemberRemoved');
      if (!state.joined?.awaitingApproval) reject('NotAwaitingApproval');
    },
  });

  setHandler(changeRoleUpdate, ({ role, actor }) => lc.changeRole(role, actor), {
    validator: ({ role }) => {
      if (role !== 'admin' && role !== 'user') reject('InvalidRequest', 'role must be admin or user');
      if (state.removal) reject('MemberRemoved');
    },
  });

  setHandler(changeSiteUpdate, ({ siteId, actor }) => lc.changeSite(siteId, actor), {
    validator: ({ siteId }) => {
      if (typeof siteId !== 'string' || !siteId) reject('InvalidRequest', 'siteId is required');
      if (state.removal) reject('MemberRemoved');
      if (state.card.stage === 'enrolled') reject('CardAlreadyRegistered', 'the member’s card belongs to their current site');
    },
  });

  setHandler(resendInvitationUpdate, ({ actor }) => lc.resendInvitation(actor), {
    validator: (_request) => {
      if (state.removal) reject('MemberRemoved');
      if (state.account.stage === 'password_set') reject('PasswordAlreadySet');
    },
  });

  setHandler(changeScheduleUpdate, ({ schedule, dates, actor }) => lc.changeSchedule(schedule, dates, actor), {
    validator: ({ schedule, actor }) => {
      if (typeof actor !== 'string' || !actor || !schedule) reject('InvalidRequest', 'schedule and actor are required');
      if (state.removal) reject('MemberRemoved');
    },
  });

  setHandler(removeUpdate, ({ actor, reason, companyOffboarding }) => lc.remove(actor, reason, companyOffboarding), {
    validator: ({ actor }) => {
      if (typeof actor !== 'string' || !actor) reject('InvalidRequest', 'actor is required');
      if (state.removal) reject('MemberRemoved', 'the member is already being removed');
    },
  });

  // ---- main loop -------------------------------------------------------------------------------

  const continueAsNewDue = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || (lc.input.continueAsNewAfterEvents !== undefined && info.historyLength >= lc.input.continueAsNewAfterEvents);
  };
  const timer = new DeadlineTimer();

  let begun = Boolean(lc.input.carried);
  while (!begun && !state.removal) {
    try {
      await lc.lock.exclusive(() => begin(lc));
      begun = true;
    } catch (error) {
      if (!preempted(error)) throw error;
    }
  }

  for (;;) {
    // Cleared before the step, so a message arriving during it still wakes the wait below.
    lc.wake = false;
    try {
      await lc.lock.exclusive(() => advance(lc));
    } catch (error) {
      if (!preempted(error)) throw error;
    }
    if (state.removal) break;
    if (continueAsNewDue()) {
      // Handlers in flight finish in this run; their effects are then part of the carried state.
      await condition(allHandlersFinished);
      if (!state.removal) await continueAsNew<typeof memberLifecycle>({ ...lc.input, carried: state });
      continue;
    }
    const deadline = nextDeadline(state, lc.input);
    const woken = condition(() => lc.wake || state.removal !== undefined || continueAsNewDue());
    if (deadline) await Promise.race([timer.until(deadline), woken]);
    else {
      timer.cancel();
      await woken;
    }
  }

  timer.cancel();
  const report = await lc.lock.exclusive(() => offboard(lc));
  await condition(allHandlersFinished);
  return report;
}
