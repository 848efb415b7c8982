// The one way rows enter audit_event — and, for the events webhooks carry, webhook_event (the
// outbox) in the same statement. With an idempotency key a retried activity finds its event
// already there: the insert does nothing and the earlier event (with its result) is returned.
import type { EntityManager } from '../db/orm.ts';
import { WEBHOOK_CHANNEL } from './webhooks/channel.ts';
import { webhookEventFor } from './webhooks/events.ts';
import { joinPersonal, mayBePersonal, splitPersonal } from './audit-personal.ts';

export interface AuditInput {
  /** The company it concerns; null for the operator's own events (sites, doors, card stock). */
  companyId: string | null;
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
  // A person's fields go apart (erasure ends them); the chain is linked by the database.
  const { kept, personal } = mayBePersonal(event) ? splitPersonal(event.data ?? {}) : { kept: event.data ?? {}, personal: undefined };
  const values = [
    event.companyId,
    event.operatorId ?? null,
    event.memberId ?? null,
    event.actor,
    event.type,
    JSON.stringify(kept),
    personal ? JSON.stringify(personal) : null,
    event.workflowId ?? null,
    event.workflowRunId ?? null,
    event.idempotencyKey ?? null,
  ];
  const insertAudit = `insert into audit_event (organization_id, operator_id, member_id, actor, type, data, personal, occurred_at, workflow_id, workflow_run_id, idempotency_key)
     values (?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, clock_timestamp(), ?, ?, ?) on conflict (idempotency_key) do nothing`;
  const outbox = webhookEventFor(event.type, event.data ?? {});
  if (!outbox) {
    await em.execute(insertAudit, values);
    return;
  }
  // One statement, so the webhook event exists exactly when its audit event does, whether or not
  // the caller holds a transaction; a retried activity whose audit event is there adds neither.
  // The notification reaches the relay only when (and if) the transaction commits.
  await em.execute(
    `with a as (${insertAudit} returning id, organization_id, operator_id, member_id, occurred_at),
     w as (
       insert into webhook_event (id, audit_event_id, organization_id, operator_id, member_id, type, data, occurred_at)
       select gen_random_uuid(), a.id, a.organization_id, coalesce(a.operator_id, o.operator_id), a.member_id, ?,
              jsonb_strip_nulls(jsonb_build_object('company', case when o.id is null then null else jsonb_build_object('id', o.id, 'name', o.name) end))
              || case when m.id is null then '{}'::jsonb else jsonb_build_object('member', jsonb_build_object(
                   'id', m.id, 'externalId', m.external_id, 'email', m.email, 'name', m.name, 'role', m.role, 'status', coalesce(?::text, m.status::text),
                   'siteId', m.site_id, 'startsOn', m.starts_on, 'endsOn', m.ends_on)) end
              || ?::jsonb,
              a.occurred_at
         from a left join organization o on o.id = a.organization_id left join member m on m.id = a.member_id
        where ?::text is null or m.status::text = ?::text
       returning 1
     )
     select pg_notify('${WEBHOOK_CHANNEL}', '') from (select 1 from w limit 1) x`,
    [...values, outbox.type, outbox.memberStatus ?? null, JSON.stringify(outbox.data), outbox.whenMemberStatus ?? null, outbox.whenMemberStatus ?? null],
  );
}

/** The data of the event an earlier attempt wrote under this key, if any. */
export async function auditedBefore(em: EntityManager, idempotencyKey: string): Promise<Record<string, unknown> | undefined> {
  const row = await em.getKysely().selectFrom('audit_event').select(['data', 'personal']).where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
  return row ? joinPersonal((row.data ?? {}) as Record<string, unknown>, row.personal) : undefined;
}

/** The heads of the audit chains a reader sees: a company's own, or the operator's and each of its companies'. */
export async function auditChainHeads(em: EntityManager, scope: { companyId: string } | { operatorId: string }): Promise<{ chain: string; companyId: string | null; seq: number; hash: string }[]> {
  const db = em.getKysely();
  const chains =
    'companyId' in scope
      ? [`company:${scope.companyId}`]
      : [`operator:${scope.operatorId}`, ...(await db.selectFrom('organization').select('id').where('operator_id', '=', scope.operatorId).execute()).map((c) => `company:${c.id}`)];
  const heads = await db.selectFrom('audit_chain_head').select(['chain', 'seq', 'hash']).where('chain', 'in', chains).orderBy('chain').execute();
  return heads.map((h) => ({ chain: h.chain, companyId: h.chain.startsWith('company:') ? h.chain.slice('company:'.length) : null, seq: Number(h.seq), hash: h.hash }));
}
