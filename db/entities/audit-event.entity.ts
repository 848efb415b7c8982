import { defineEntity, p } from '@mikro-orm/core';
import { Member } from './member.entity.ts';
import { Operator } from './operator.entity.ts';
import { Company } from './company.entity.ts';

/**
 * The auditable history. Append-only, enforced by the database itself: whatever code or person
 * connects, UPDATE, DELETE and TRUNCATE on this table fail, except the one update erasure makes
 * (a person's fields, `personal`, set to null). The TRUNCATE trigger lives only in the initial
 * migration: PostgreSQL's information_schema does not list statement-level TRUNCATE triggers, so
 * declared here it would show up in every schema diff.
 *
 * Tamper-evident: each company's events, and the operator's own, form a hash chain the database
 * links as rows arrive (`audit_event_link`, docs/privacy.md); `npm run audit:verify` checks an
 * export offline. The chain covers a digest of the personal fields, salted per event, so erasing
 * them (and the salt) leaves the chain whole and the digest meaningless.
 */
export const AuditEventSchema = defineEntity({
  name: 'AuditEvent',
  indexes: [
    { properties: ['member', 'id'] },
    { properties: ['chain', 'seq'] },
    { properties: ['company', 'occurredAt'] },
    { properties: ['operator', 'occurredAt'] },
  ],
  triggers: [
    {
      name: 'audit_event_append_only',
      timing: 'before',
      events: ['update', 'delete'],
      forEach: 'row',
      // Erasure sets a person's fields to null; the chain's commit-time link fills in an event's
      // link once. Nothing else may change.
      body: "if tg_op = 'UPDATE' and new.personal is null and new.personal_salt is null and (to_jsonb(new) - 'personal' - 'personal_salt') = (to_jsonb(old) - 'personal' - 'personal_salt') then return new; end if; if tg_op = 'UPDATE' and old.hash is null and (to_jsonb(new) - 'chain' - 'seq' - 'prev_hash' - 'hash') = (to_jsonb(old) - 'chain' - 'seq' - 'prev_hash' - 'hash') then return new; end if; raise exception 'audit_event is append-only: % refused', tg_op using errcode = 'insufficient_privilege';",
    },
    {
      // The salted digest of a person's fields, made as the row arrives (the chain covers it).
      name: 'audit_event_seal',
      timing: 'before',
      events: ['insert'],
      forEach: 'row',
      body: "if new.personal is not null then new.personal_salt := gen_random_uuid()::text; new.personal_digest := encode(sha256(convert_to(new.personal_salt || new.personal::text, 'UTF8')), 'hex'); else new.personal_salt := null; new.personal_digest := null; end if; return new;",
    },
    {
      // Linked when its transaction commits (the migration makes it a deferred constraint
      // trigger): a chain's head is locked only for the commit, never while a transaction goes on
      // to lock other rows, which deadlocked. The function is the migration's (Migration20261207121053_privacy).
      name: 'audit_event_chain',
      timing: 'after',
      events: ['insert'],
      forEach: 'row',
      body: 'perform audit_event_link(new.id); return null;',
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
    // Set by the database as the row arrives (audit_event_link), never by code.
    chain: p.string().length(80).nullable(),
    seq: p.bigint('number').nullable(),
    prevHash: p.string().length(64).nullable(),
    hash: p.string().length(64).nullable(),
    // A person's fields of `data` (e-mail, name, reason…), kept apart so erasure can end them.
    personal: p.json<Record<string, unknown>>().nullable(),
    personalSalt: p.string().length(64).nullable(),
    personalDigest: p.string().length(64).nullable(),
  },
});

export class AuditEvent extends AuditEventSchema.class {}
AuditEventSchema.setClass(AuditEvent);
