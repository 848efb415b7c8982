import { ApplicationFailure } from '@temporalio/workflow';
import { LIFECYCLE_REJECTIONS, type LifecycleRejection } from '../../contract/workflows.ts';

/**
 * Refuses an update (or interrupts a step) with one of the contract's rejection types; `details`
 * reach the caller's problem as they are (e.g. the seats behind "8 of 8 seats used").
 */
export function reject(type: LifecycleRejection, detail?: string, details?: Record<string, unknown>): never {
  throw ApplicationFailure.create({ type, message: detail ?? LIFECYCLE_REJECTIONS[type], nonRetryable: true, ...(details ? { details: [details] } : {}) });
}

/** A step interrupted by a removal: the main loop goes on and finds the removal. */
export const preempted = (error: unknown) => error instanceof ApplicationFailure && error.type === 'MemberRemoved';
