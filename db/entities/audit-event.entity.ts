import { defineEntity, p } from '@mikro-orm/core';
import { Member } from './member.entity.ts';
import { Operator } from './operator.entity.ts';
import { Company } from './company.entity.ts';

/**
 * The auditable history. Append-only, enforced by the database itself: whatever code or person
 * connects, UPDATE, DELETE and TRUNCATE on this table fail. The TRUNCATE trigger lives only in the
 * initial migration: PostgreSQL's information_schema does not list statement-level TRUNCATE
 * triggers, so declared here it would show up in every schema diff.
 */
export const AuditEventSchema = defineEntity({
  name: 'AuditEvent',
  indexes: [
    { properties: ['member', 'id'] },
    { properties: ['company', 'occurredAt'] },
    { properties: ['operator', 'occurredAt'] },
  ],
  triggers: [
    {
      name: 'audit_event_append_only',
      timing: 'before',
      events: ['update', 'delete'],
      forEach: 'row',
      body: "raise exception 'audit_event is append-only: % refused', tg_op using errcode = 'insufficient_privilege';",
    },
  ],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    // A company's event; the operator's own (sites, doors, cards, companies) carry the operator
    // instead, or both when an operator admin acted on a company.
    company: () => p.manyToOne(Company).fieldName('organization_id').nullable(),
    operator: () => p.manyToOne(Operator).nullable(),
    // History outlives everything it mentions: nothing referenced by it may be deleted.
    member: () => p.manyToOne(Member).nullable().deleteRule('no action'),
    // Who did it: `member:<id>`, `api-key:<id>`, `door-controller:<id>` or `system`.
    actor: p.string().length(100),
    type: p.string().length(100),
    data: p.json<Record<string, unknown>>().default('{}'),
    occurredAt: p.datetime().onCreate(() => new Date()),
    workflowId: p.string().length(200).nullable(),
    workflowRunId: p.string().length(64).nullable(),
    // Set by activities: a retried activity finds its event already written instead of adding one.
    idempotencyKey: p.string().length(300).nullable().unique(),
  },
});

export class AuditEvent extends AuditEventSchema.class {}
AuditEventSchema.setClass(AuditEvent);
