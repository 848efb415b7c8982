import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Member } from './member.entity.ts';
import { Company } from './company.entity.ts';

/** A bulk invitation (JSON list or CSV file); its rows are invited by the `memberImport` workflow. */
export const MemberImportSchema = defineEntity({
  name: 'MemberImport',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    company: () => p.manyToOne(Company).fieldName('organization_id'),
    actor: p.string().length(100),
    source: p.enum(['json', 'csv'] as const),
    total: p.integer(),
    createdAt: p.datetime().onCreate(() => new Date()),
    finishedAt: p.datetime().nullable(),
  },
});

export class MemberImport extends MemberImportSchema.class {}
MemberImportSchema.setClass(MemberImport);

export const IMPORT_OUTCOMES = ['created', 'skipped', 'failed'] as const;
export type ImportOutcome = (typeof IMPORT_OUTCOMES)[number];

/** One row of an import: what was asked, then what came of it (null until processed). */
export const MemberImportRowSchema = defineEntity({
  name: 'MemberImportRow',
  uniques: [{ properties: ['memberImport', 'position'] }],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    memberImport: () => p.manyToOne(MemberImport),
    // 1-based among the data rows (the CSV header is not counted).
    position: p.integer(),
    input: p.json<Record<string, unknown>>(),
    outcome: p.enum(IMPORT_OUTCOMES).nullable(),
    member: () => p.manyToOne(Member).nullable(),
    message: p.text().nullable(),
    /** Why the row was skipped or failed, as a code the pages and e-mails word in the reader's language (`message` is the API's English). */
    reason: p.string().length(40).nullable(),
    reasonParams: p.json<Record<string, string | number>>().nullable(),
  },
});

export class MemberImportRow extends MemberImportRowSchema.class {}
MemberImportRowSchema.setClass(MemberImportRow);
