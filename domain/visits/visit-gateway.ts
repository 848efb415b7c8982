// The caller's side of the visit workflow, built once at start like the lifecycle gateway. The
// database already says what happened (a PIN consumed, a visit cancelled); these calls tell the
// workflow so that people are e-mailed. A workflow already closed has nothing left to tell.
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { answerWalkInUpdate, CompanyIdKey, visitArrivedSignal, visitCancelledSignal, visitWorkflowId, type VisitInput } from '../../contract/workflows.ts';
import type { VisitPlan } from './invite-visitor.ts';

const closedIsFine = (error: unknown) => {
  if (error instanceof WorkflowNotFoundError) return;
  throw error;
};

export function createVisitGateway(deps: { client: Client; taskQueue: string; approvalWaitMs: number }) {
  const { client, taskQueue } = deps;
  const handle = (visitId: string) => client.workflow.getHandle(visitWorkflowId(visitId));
  return {
    approvalWaitMs: deps.approvalWaitMs,
    handle,
    /** Starts `visit-<id>`; starting twice is safe. */
    async start(plan: VisitPlan): Promise<void> {
      const input: VisitInput = { ...plan, approvalWaitMs: deps.approvalWaitMs };
      await client.workflow.start('visit', {
        workflowId: visitWorkflowId(plan.visitId),
        taskQueue,
        args: [input],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [{ key: CompanyIdKey, value: plan.companyId }],
        staticSummary: plan.walkIn ? 'Walk-in visit' : 'Visit',
      });
    },
    /**
     * Never throws: the door has opened and the PIN is used up whatever happens here. Unheard (the
     * engine unreachable), the workflow still finds the arrival in the database at the day's end.
     */
    arrived: (visitId: string): Promise<boolean> => handle(visitId).signal(visitArrivedSignal).then(() => true, () => false),
    cancelled: (visitId: string) => handle(visitId).signal(visitCancelledSignal).catch(closedIsFine),
    /** The host's answer to a walk-in: `too_late` once the wait is over. */
    async answerWalkIn(visitId: string, approve: boolean, actor: string): Promise<'approved' | 'refused' | 'too_late'> {
      try {
        const { outcome } = await handle(visitId).executeUpdate(answerWalkInUpdate, { args: [{ approve, actor }] });
        return outcome;
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return 'too_late';
        throw error;
      }
    },
  };
}

export type VisitGateway = ReturnType<typeof createVisitGateway>;
