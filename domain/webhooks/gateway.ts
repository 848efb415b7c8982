// The caller's side of the webhook workflows (like the lifecycle gateway): ids, start options and
// signals, built once per process with its Temporal client.
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import {
  webhookRelayWorkflowId,
  webhookStreamWorkflowId,
  webhookTaskQueue,
  webhookTestWorkflowId,
  type AttemptOutcome,
  type WebhookRelayWorkflow,
  type WebhookStreamWorkflow,
  type WebhookTestDeliveryWorkflow,
} from '../../contract/workflows.ts';

/** `taskQueue`: the lifecycle's; webhook workflows run on its `-webhooks` companion. */
export function createWebhookGateway(deps: { client: Client; taskQueue: string }) {
  const { client } = deps;
  const taskQueue = webhookTaskQueue(deps.taskQueue);
  return {
    /** Wakes the relay, starting it if it is not running (one per namespace). */
    async wakeRelay(): Promise<void> {
      await client.workflow.signalWithStart<WebhookRelayWorkflow, []>('webhookRelay', {
        workflowId: webhookRelayWorkflowId(deps.taskQueue),
        taskQueue,
        signal: 'wake',
        signalArgs: [],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        staticSummary: 'Webhook relay: outbox events to deliveries',
      });
    },
    /** Wakes an endpoint's stream for a member (or company), starting it when it is idle. */
    async wakeStream(endpointId: string, streamKey: string, retryNow?: string[]): Promise<void> {
      await client.workflow.signalWithStart<WebhookStreamWorkflow, [{ retryNow?: string[] }]>('webhookStream', {
        workflowId: webhookStreamWorkflowId(endpointId, streamKey),
        taskQueue,
        args: [{ endpointId, streamKey }],
        signal: 'wake',
        signalArgs: [retryNow ? { retryNow } : {}],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      });
    },
    /** One attempt of a test delivery, waited for. */
    async attemptTest(deliveryId: string): Promise<AttemptOutcome> {
      return client.workflow.execute<WebhookTestDeliveryWorkflow>('webhookTestDelivery', {
        workflowId: webhookTestWorkflowId(deliveryId),
        taskQueue,
        args: [{ deliveryId }],
        workflowExecutionTimeout: '1 minute',
      });
    },
  };
}

export type WebhookGateway = ReturnType<typeof createWebhookGateway>;
