import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Operator } from './operator.entity.ts';
import { Company } from './company.entity.ts';

/**
 * `members`: the REST member routes (invite, change, remove); `read`: their GETs only; `scim`: the
 * SCIM endpoint of the key's company; `companies` (operator keys): sites, doors, card stock and
 * companies.
 */
export const API_KEY_SCOPES = ['members', 'read', 'scim', 'companies'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
export const COMPANY_KEY_SCOPES: readonly ApiKeyScope[] = ['members', 'read', 'scim'];
export const OPERATOR_KEY_SCOPES: readonly ApiKeyScope[] = ['members', 'read', 'companies'];

/**
 * An HR system's credential. Keys are 256-bit random strings, so a plain SHA-256 is enough to
 * store them (a slow KDF protects low-entropy passwords, not random keys) and allows lookup by hash.
 */
export const ApiKeySchema = defineEntity({
  name: 'ApiKey',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    // A company's key (HR system), or, with no company, an operator key (the operator's tooling).
    company: () => p.manyToOne(Company).fieldName('organization_id').nullable(),
    operator: () => p.manyToOne(Operator).nullable(),
    name: p.string().length(200),
    // The first characters of the key, shown in listings so an admin can tell keys apart.
    prefix: p.string().length(16),
    secretHash: p.string().length(64).unique().hidden(),
    // What the key may do (API_KEY_SCOPES); each route says which scope it needs.
    scopes: p.json<ApiKeyScope[]>(),
    // `member:<id>` or `cli:…`: who made it, for the key listings.
    createdBy: p.string().length(100).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    lastUsedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
  },
});

export class ApiKey extends ApiKeySchema.class {}
ApiKeySchema.setClass(ApiKey);
