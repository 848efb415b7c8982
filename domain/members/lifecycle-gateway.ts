// The caller's side of the platform's workflows, built once at start (API, worker, CLIs, tests)
// and passed in like the activities are: workflow ids, start options, search attributes, the
// updates and signals, and how their rejections read as DomainErrors. Nothing else talks to a
// member's lifecycle, a bulk import or a company offboarding.
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { sql } from 'kysely';
import type { EntityManager } from '../../db/orm.ts';
import type { LifecycleOverrides } from '../../db/entities/index.ts';
import {
  cancelOffboardingUpdate,
  changeRoleUpdate,
  changeScheduleUpdate,
  changeSiteUpdate,
  CompanyIdKey,
  companyOffboardingWorkflowId,
  confirmCardUpdate,
  DEFAULT_INVITATION_LEAD_MS,
  emailChangeWorkflowId,
  enrollAtDoorUpdate,
  memberImportWorkflowId,
  MemberStatusKey,
  memberWorkflowId,
  passwordResetWorkflowId,
  passwordSetSignal,
  registerCardUpdate,
  removeUpdate,
  replaceCardUpdate,
  resendInvitationUpdate,
  scanQrUpdate,
  stateQuery,
  wizardClosedSignal,
  type CompanyOffboardingWorkflow,
  type EmailChangeInput,
  type EmailChangeWorkflow,
  type EnrollmentResult,
  type LifecycleDurations,
  type LifecycleView,
  type MemberImportWorkflow,
  type MemberLifecycleWorkflow,
  type MemberRole,
  type MemberSchedule,
  type PasswordResetWorkflow,
  type JoinedBy,
  cardLostUpdate,
  decideSignUpUpdate,
  signUpWorkflowId,
  type SignUpWorkflow,
} from '../../contract/workflows.ts';
import { DomainError } from '../errors.ts';
import { onLifecycle, resolveDurations } from './lifecycle.ts';
import { planSchedule } from './schedule.ts';

export interface StartLifecycleOptions {
  memberId: string;
  companyId: string;
  invitedBy: string;
  /** The company's overrides of the deployment's durations. */
  overrides?: LifecycleOverrides | null;
  /** Tests and drills: durations of their own, and an earlier continue-as-new. */
  durations?: LifecycleDurations;
  continueAsNewAfterEvents?: number;
  /** Start and end dates (planSchedule). */
  schedule?: MemberSchedule;
  /** False: invited without a registration code. */
  cardNeeded?: boolean;
  /** Joined by themself: no invitation. */
  joined?: JoinedBy;
}

/** Whether a member with these dates waits for their invitation (status `scheduled`). */
export function invitationWaits(schedule: MemberSchedule | undefined, durations: LifecycleDurations, now = Date.now()): boolean {
  return Boolean(schedule && schedule.startsAt !== null && schedule.startsAt - (durations.invitationLeadMs ?? DEFAULT_INVITATION_LEAD_MS) > now);
}

export function createLifecycleGateway(deps: { client: Client; taskQueue: string; defaults: LifecycleDurations }) {
  const { client, taskQueue } = deps;
  const handle = (memberId: string) => client.workflow.getHandle<MemberLifecycleWorkflow>(memberWorkflowId(memberId));
  /** Tells the lifecycle its password exists; false when Temporal could not be reached (the sweep tells it later). */
  const passwordSet = (memberId: string, actor: string): Promise<boolean> => handle(memberId).signal(passwordSetSignal, { actor }).then(() => true, () => false);
  const update = <R>(memberId: string, call: (h: ReturnType<typeof handle>) => Promise<R>) => onLifecycle(memberId, () => call(handle(memberId)));

  /**
   * Starts `member-<id>`. A closed run of the same id (a removed member) may be followed by a new
   * one; an open run is returned as it is, so starting twice (API retry, start-up recovery) is safe.
   */
  const start = (o: StartLifecycleOptions): Promise<WorkflowHandleWithFirstExecutionRunId<MemberLifecycleWorkflow>> => {
    const durations = o.durations ?? resolveDurations(deps.defaults, o.overrides);
    return client.workflow.start<MemberLifecycleWorkflow>('memberLifecycle', {
      workflowId: memberWorkflowId(o.memberId),
      taskQueue,
      args: [
        {
          memberId: o.memberId,
          companyId: o.companyId,
          invitedBy: o.invitedBy,
          durations,
          ...(o.continueAsNewAfterEvents ? { continueAsNewAfterEvents: o.continueAsNewAfterEvents } : {}),
          ...(o.schedule ? { schedule: o.schedule } : {}),
          ...(o.cardNeeded === false ? { cardNeeded: false } : {}),
          ...(o.joined ? { joined: o.joined } : {}),
        },
      ],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      typedSearchAttributes: [
        { key: MemberStatusKey, value: o.joined ? (o.joined.approval ? 'awaiting_approval' : 'awaiting_card') : invitationWaits(o.schedule, durations) ? 'scheduled' : 'invited' },
        { key: CompanyIdKey, value: o.companyId },
      ],
      // The member's id, never their name: whoever reads Temporal reads ids (docs/privacy.md).
      staticSummary: `Lifecycle of member ${o.memberId}`,
    });
  };

  /** A company's offboarding: waits for its date, then removes every member; cancellable until then. Starting it again is a no-op. */
  const startCompanyOffboarding = (input: { companyId: string; offboardingId: string; effectiveAt: string; companyName: string }) =>
    client.workflow
      .start<CompanyOffboardingWorkflow>('companyOffboarding', {
        workflowId: companyOffboardingWorkflowId(input.companyId, input.offboardingId),
        taskQueue,
        args: [{ companyId: input.companyId, offboardingId: input.offboardingId, effectiveAt: input.effectiveAt }],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        // Its id names one offboarding: once it has ended, it never runs again.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [{ key: CompanyIdKey, value: input.companyId }],
        staticSummary: `Offboarding of company ${input.companyId}`,
      })
      .catch((error: unknown) => {
        if (error instanceof WorkflowExecutionAlreadyStartedError) return undefined;
        throw error;
      });

  return {
    taskQueue,
    defaults: deps.defaults,
    start,
    /** The workflow itself, for what has no call here (tests, diagnostics). */
    handle,

    /**
     * Starts the lifecycle of every member the database knows but no workflow has claimed yet: the
     * first admin made by `org:create` while Temporal was down, or an invitation whose start was
     * lost between the database commit and Temporal. Starting is idempotent.
     */
    async startWaiting(em: EntityManager, options: { olderThanMs?: number } = {}): Promise<string[]> {
      const db = em.getKysely();
      const rows = await db
        .selectFrom('member as m')
        .innerJoin('organization as o', 'o.id', 'm.organization_id')
        .innerJoin('site as s', 's.id', 'm.site_id')
        .select([
          'm.id', 'm.organization_id', 'm.name', 'm.email', 'm.card_needed', 'm.status', 'o.lifecycle_overrides',
          sql<string | null>`m.starts_on::text`.as('starts_on'), sql<string | null>`m.ends_on::text`.as('ends_on'), 'm.ends_at', 's.time_zone',
        ])
        .where('m.workflow_run_id', 'is', null)
        .where('m.status', '<>', 'removed')
        .where('m.updated_at', '<', sql<Date>`now() - (${options.olderThanMs ?? 0} * interval '1 millisecond')`)
        .orderBy('m.created_at')
        .limit(1000)
        .execute();
      for (const row of rows) {
        const schedule = planSchedule({ startsOn: row.starts_on, endsOn: row.ends_on, endsAt: row.ends_at && new Date(row.ends_at) }, row.time_zone);
        // Someone who signed up is written with the status the sign-up gave them, never `invited`.
        const joined = row.status === 'awaiting_approval' || row.status === 'awaiting_card' ? { joined: { via: 'sign_up' as const, approval: row.status === 'awaiting_approval' } } : {};
        await start({ memberId: row.id, companyId: row.organization_id, invitedBy: 'system', overrides: row.lifecycle_overrides, ...(schedule ? { schedule } : {}), ...(row.card_needed ? {} : { cardNeeded: false }), ...joined });
      }
      // Likewise a company's offboarding whose start was lost (its id is its own: starting it again is a no-op).
      const offboardings = await db
        .selectFrom('company_offboarding as b')
        .innerJoin('organization as o', 'o.id', 'b.organization_id')
        .select(['b.id', 'b.organization_id', 'b.effective_at', 'o.name'])
        .where('b.state', 'in', ['scheduled', 'running'])
        .execute();
      for (const b of offboardings) {
        await startCompanyOffboarding({ companyId: b.organization_id, offboardingId: b.id, effectiveAt: new Date(b.effective_at).toISOString(), companyName: b.name });
      }
      return rows.map((r) => r.id);
    },

    /**
     * Tells their lifecycle about every password created while it could not be told (Temporal
     * unreachable at that moment): without it, the lifecycle would wait for the member's next
     * sign-in, or for its invitation's expiry, to find out. The workflow ignores a second one.
     */
    async tellPasswordsSet(em: EntityManager, options: { olderThanMs: number }): Promise<string[]> {
      const rows = await em
        .getKysely()
        .selectFrom('member')
        .select('id')
        .where('status', '=', 'invited')
        .where('password_hash', 'is not', null)
        .where('workflow_run_id', 'is not', null)
        .where('updated_at', '<', sql<Date>`now() - (${options.olderThanMs} * interval '1 millisecond')`)
        .orderBy('updated_at')
        .limit(1000)
        .execute();
      const told: string[] = [];
      for (const row of rows) if (await passwordSet(row.id, `member:${row.id}`)) told.push(row.id);
      return told;
    },

    /** Resolves when the member's current run has ended (or at once if there is none), or after `withinMs`. */
    finished: (memberId: string, withinMs: number) =>
      Promise.race([handle(memberId).result().then(() => true, () => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), withinMs).unref())]),

    /** What the run's offboarding reported, once the removed member's run has ended. */
    report: (memberId: string) => handle(memberId).result(),
    /** The lifecycle's state; rejects with `lifecycle_not_running` once it has ended. */
    state: (memberId: string): Promise<LifecycleView> => onLifecycle(memberId, () => handle(memberId).query(stateQuery)),
    /** What an administrator sees: everything but the member's own door PIN. */
    async adminState(memberId: string): Promise<LifecycleView | null> {
      const view = await handle(memberId).query(stateQuery).catch(() => null);
      return view && { ...view, card: { ...view.card, pin: null } };
    },
    changeRole: (memberId: string, role: MemberRole, actor: string) => update(memberId, (h) => h.executeUpdate(changeRoleUpdate, { args: [{ role, actor }] })),
    changeSchedule: (memberId: string, input: { schedule: MemberSchedule; dates: { startsOn: string | null; endsOn: string | null; endsAt: string | null }; actor: string }) =>
      update(memberId, (h) => h.executeUpdate(changeScheduleUpdate, { args: [input] })),
    changeSite: (memberId: string, siteId: string, actor: string) => update(memberId, (h) => h.executeUpdate(changeSiteUpdate, { args: [{ siteId, actor }] })),
    resendInvitation: (memberId: string, actor: string) => update(memberId, (h) => h.executeUpdate(resendInvitationUpdate, { args: [{ actor }] })),
    registerCard: (memberId: string, input: { cardNumber: string; replace: boolean; actor: string }): Promise<EnrollmentResult> =>
      update(memberId, (h) => h.executeUpdate(input.replace ? replaceCardUpdate : registerCardUpdate, { args: [{ cardNumber: input.cardNumber, actor: input.actor }] })),
    remove: (memberId: string, input: { actor: string; reason?: string; companyOffboarding?: boolean }) =>
      update(memberId, (h) =>
        h.executeUpdate(removeUpdate, {
          args: [{ actor: input.actor, ...(input.reason ? { reason: input.reason } : {}), ...(input.companyOffboarding ? { companyOffboarding: true } : {}) }],
        }),
      ),
    confirmCard: (memberId: string, actor: string) => update(memberId, (h) => h.executeUpdate(confirmCardUpdate, { args: [{ actor }] })),
    closeWizard: (memberId: string, step: 1 | 2, closeId: string) => update(memberId, (h) => h.signal(wizardClosedSignal, { step, closeId })),
    scanQr: (memberId: string, payload: string, actor: string): Promise<EnrollmentResult> => update(memberId, (h) => h.executeUpdate(scanQrUpdate, { args: [{ payload, actor }] })),
    enrollAtDoor: (memberId: string, input: { pin: string; cardNumber: string; doorControllerId: string }): Promise<EnrollmentResult> =>
      update(memberId, (h) => h.executeUpdate(enrollAtDoorUpdate, { args: [input] })),
    /** The password is stored; false when Temporal could not be told (the next sign-in tells it again). */
    passwordSet,
    decideSignUp: (memberId: string, approve: boolean, actor: string) => update(memberId, (h) => h.executeUpdate(decideSignUpUpdate, { args: [{ approve, actor }] })),
    cardLost: (memberId: string, reason: 'lost' | 'damaged', actor: string) => update(memberId, (h) => h.executeUpdate(cardLostUpdate, { args: [{ reason, actor }] })),
    startSignUp: (email: string, locale: 'fr' | 'en') =>
      client.workflow.start<SignUpWorkflow>('signUp', { workflowId: signUpWorkflowId(randomUUID()), taskQueue, args: [{ email, locale }], staticSummary: 'Sign-up request' }),

    startImport: (importId: string, total: number) =>
      client.workflow.start<MemberImportWorkflow>('memberImport', { workflowId: memberImportWorkflowId(importId), taskQueue, args: [{ importId }], staticSummary: `Bulk invitation of ${total} member(s)` }),
    /** The e-mails of a pending address change: the old address told, then the new one asked to confirm. */
    startEmailChange: (input: EmailChangeInput) =>
      client.workflow.start<EmailChangeWorkflow>('emailChange', { workflowId: emailChangeWorkflowId(input.tokenId), taskQueue, args: [input], staticSummary: `E-mail address change of member ${input.memberId}` }),
    startPasswordReset: (email: string) =>
      client.workflow.start<PasswordResetWorkflow>('passwordReset', { workflowId: passwordResetWorkflowId(randomUUID()), taskQueue, args: [{ email }], staticSummary: 'Password-reset request' }),

    startCompanyOffboarding,
    async cancelCompanyOffboarding(workflowId: string, actor: string): Promise<{ cancelled: boolean }> {
      try {
        return await client.workflow.getHandle<CompanyOffboardingWorkflow>(workflowId).executeUpdate(cancelOffboardingUpdate, { args: [{ actor }] });
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw new DomainError('offboarding_not_running', 'conflict', 'this offboarding has already ended');
        if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type === 'OffboardingStarted') {
          throw new DomainError('offboarding_started', 'conflict', 'the offboarding has started: members are being removed');
        }
        throw error;
      }
    },
  };
}

export type LifecycleGateway = ReturnType<typeof createLifecycleGateway>;
export type LifecycleHandle = ReturnType<LifecycleGateway['handle']>;
