import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Member } from './member.entity.ts';
import { Company } from './company.entity.ts';

export const EMAIL_STATUSES = ['pending', 'sent', 'failed'] as const;
export type EmailStatus = (typeof EMAIL_STATUSES)[number];

/**
 * One row per e-mail the platform decided to send. `key` (workflow id + purpose + sequence) is
 * unique, so a retried activity finds the row it already wrote instead of sending again.
 */
export const EmailOutboxSchema = defineEntity({
  name: 'EmailOutbox',
  tableName: 'email_outbox',
  indexes: [{ properties: ['status', 'createdAt'] }],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    key: p.string().length(300).unique(),
    company: () => p.manyToOne(Company).fieldName('organization_id').nullable(),
    member: () => p.manyToOne(Member).nullable(),
    toAddress: p.string().length(320),
    template: p.string().length(100),
    locale: p.string().length(8),
    data: p.json<Record<string, unknown>>().default('{}'),
    status: p.enum(EMAIL_STATUSES).default('pending'),
    attempts: p.integer().default(0),
    messageId: p.string().length(300).nullable(),
    // As sent, for the member's export (recipient, subject, time); the body is never kept.
    subject: p.string().length(300).nullable(),
    lastError: p.text().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    sentAt: p.datetime().nullable(),
  },
});

export class EmailOutbox extends EmailOutboxSchema.class {}
EmailOutboxSchema.setClass(EmailOutbox);
