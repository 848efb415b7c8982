// Starting and talking to a member's lifecycle workflow from outside it (API, CLI, tests).
import { ApplicationFailure, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { LifecycleOverrides } from '../../db/entities/index.ts';
import { LIFECYCLE_REJECTIONS, type LifecycleRejection } from '../../workflows/member-lifecycle/messages.ts';
import type { LifecycleDurations } from '../../workflows/member-lifecycle/types.ts';
import type { memberLifecycle } from '../../workflows/member-lifecycle/workflow.ts';
import { MemberStatusKey, OrganizationIdKey } from '../../workflows/search-attributes.ts';
import { DomainError, type DomainErrorKind } from '../errors.ts';

export type LifecycleHandle = WorkflowHandle<typeof memberLifecycle>;

export const memberWorkflowId = (memberId: string) => `member-${memberId}`;

/** The deployment's defaults with the organisation's overrides on top. */
export function resolveDurations(defaults: LifecycleDurations, overrides: LifecycleOverrides | null | undefined): LifecycleDurations {
  return { ...defaults, ...Object.fromEntries(Object.entries(overrides ?? {}).filter(([, v]) => v !== undefined && v !== null)) };
}

export interface StartLifecycleOptions {
  memberId: string;
  organizationId: string;
  invitedBy: string;
  durations: LifecycleDurations;
  taskQueue: string;
  /** Shown as the workflow's summary in the Temporal UI, e.g. `Alice Martin <alice@acme.test>`. */
  label: string;
  continueAsNewAfterEvents?: number;
}

/**
 * Starts `member-<id>`. A closed run of the same id (a removed member) may be followed by a new
 * one; an open run is returned as it is, so starting twice (API retry, start-up recovery) is safe.
 */
export async function startLifecycle(client: Client, options: StartLifecycleOptions): Promise<WorkflowHandleWithFirstExecutionRunId<typeof memberLifecycle>> {
  return client.workflow.start<typeof memberLifecycle>('memberLifecycle', {
    workflowId: memberWorkflowId(options.memberId),
    taskQueue: options.taskQueue,
    args: [
      {
        memberId: options.memberId,
        organizationId: options.organizationId,
        invitedBy: options.invitedBy,
        durations: options.durations,
        ...(options.continueAsNewAfterEvents ? { continueAsNewAfterEvents: options.continueAsNewAfterEvents } : {}),
      },
    ],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    typedSearchAttributes: [
      { key: MemberStatusKey, value: 'invited' },
      { key: OrganizationIdKey, value: options.organizationId },
    ],
    staticSummary: `Lifecycle of ${options.label}`,
  });
}

export const lifecycleHandle = (client: Client, memberId: string): LifecycleHandle => client.workflow.getHandle(memberWorkflowId(memberId));

const REJECTION_KINDS: Record<LifecycleRejection, DomainErrorKind> = {
  MemberRemoved: 'gone',
  LastAdmin: 'conflict',
  PasswordAlreadySet: 'conflict',
  CardAlreadyRegistered: 'conflict',
  NoCardRegistered: 'conflict',
  PinNotRevealed: 'conflict',
  WrongPin: 'invalid',
  InvalidRequest: 'invalid',
};

const snake = (type: string) => type.replace(/[A-Z]/g, (c, i: number) => `${i ? '_' : ''}${c.toLowerCase()}`);

/** Runs an update (or any call) on a lifecycle and turns its rejections into DomainErrors. */
export async function onLifecycle<T>(memberId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) {
      throw new DomainError('lifecycle_not_running', 'gone', `member ${memberId} has no running lifecycle (removed, or not started yet)`, { memberId });
    }
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
      const type = (error.cause.type ?? 'InvalidRequest') as LifecycleRejection;
      const known = type in LIFECYCLE_REJECTIONS;
      throw new DomainError(snake(known ? type : 'InvalidRequest'), known ? REJECTION_KINDS[type] : 'invalid', error.cause.message, { memberId });
    }
    throw error;
  }
}
