import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Company } from './company.entity.ts';

/**
 * What an HR system's `Idempotency-Key` bought: the first request's fingerprint and answer, so a
 * retry of the same request gets the same answer instead of a second member. Kept 24 hours.
 */
export const IdempotencyRecordSchema = defineEntity({
  name: 'IdempotencyRecord',
  uniques: [{ properties: ['company', 'key'] }],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    company: () => p.manyToOne(Company).fieldName('organization_id'),
    key: p.string().length(255),
    // SHA-256 of method, route and body: the same key with another request is refused.
    requestHash: p.string().length(64),
    // Null while the first request is still being answered.
    responseStatus: p.integer().nullable(),
    responseBody: p.json<unknown>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class IdempotencyRecord extends IdempotencyRecordSchema.class {}
IdempotencyRecordSchema.setClass(IdempotencyRecord);
