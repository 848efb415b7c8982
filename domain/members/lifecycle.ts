// What every caller of a lifecycle shares: its workflow id, its durations and how its rejections
// read as DomainErrors. The calls themselves are the gateway's (lifecycle-gateway.ts).
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { LifecycleOverrides } from '../../db/entities/index.ts';
import { LIFECYCLE_REJECTIONS, type LifecycleRejection } from '../../contract/workflows.ts';
import type { LifecycleDurations } from '../../contract/workflows.ts';
import { DomainError, type DomainErrorKind } from '../errors.ts';

/** The deployment's defaults with the company's overrides on top. */
export function resolveDurations(defaults: LifecycleDurations, overrides: LifecycleOverrides | null | undefined): LifecycleDurations {
  return { ...defaults, ...Object.fromEntries(Object.entries(overrides ?? {}).filter(([, v]) => v !== undefined && v !== null)) };
}

const REJECTION_KINDS: Record<LifecycleRejection, DomainErrorKind> = {
  MemberRemoved: 'gone',
  LastAdmin: 'conflict',
  PasswordAlreadySet: 'conflict',
  CardAlreadyRegistered: 'conflict',
  NoCardRegistered: 'conflict',
  PinNotRevealed: 'conflict',
  WrongPin: 'invalid',
  AlreadyStarted: 'conflict',
  InvalidRequest: 'invalid',
  NotAwaitingApproval: 'conflict',
  SeatsFull: 'conflict',
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
      const [details] = error.cause.details ?? [];
      const extra = details !== null && typeof details === 'object' && !Array.isArray(details) ? details : {};
      throw new DomainError(snake(known ? type : 'InvalidRequest'), known ? REJECTION_KINDS[type] : 'invalid', error.cause.message, { ...extra, memberId });
    }
    throw error;
  }
}
