// The one way rows enter audit_event. With an idempotency key a retried activity finds its event
// already there: the insert does nothing and the earlier event (with its result) is returned.
import type { EntityManager } from '@mikro-orm/postgresql';

export interface AuditInput {
  /** The company it concerns; null for the operator's own events (sites, doors, card stock). */
  organizationId: string | null;
  /** Set on the operator's events, and when an operator admin acted on a company. */
  operatorId?: string | null;
  memberId?: string | null;
  /** `member:<id>`, `api-key:<id>`, `door-controller:<id>`, `cli:…` or `system`. */
  actor: string;
  type: string;
  data?: Record<string, unknown>;
  workflowId?: string | null;
  workflowRunId?: string | null;
  idempotencyKey?: string | null;
}

export async function recordAudit(em: EntityManager, event: AuditInput): Promise<void> {
  await em.execute(
    `insert into audit_event (organization_id, operator_id, member_id, actor, type, data, occurred_at, workflow_id, workflow_run_id, idempotency_key)
     values (?, ?, ?, ?, ?, ?::jsonb, clock_timestamp(), ?, ?, ?) on conflict (idempotency_key) do nothing`,
    [
      event.organizationId,
      event.operatorId ?? null,
      event.memberId ?? null,
      event.actor,
      event.type,
      JSON.stringify(event.data ?? {}),
      event.workflowId ?? null,
      event.workflowRunId ?? null,
      event.idempotencyKey ?? null,
    ],
  );
}

/** The data of the event an earlier attempt wrote under this key, if any. */
export async function auditedBefore(em: EntityManager, idempotencyKey: string): Promise<Record<string, unknown> | undefined> {
  const [row] = await em.execute<{ data: Record<string, unknown> }[]>('select data from audit_event where idempotency_key = ?', [idempotencyKey]);
  return row?.data;
}
