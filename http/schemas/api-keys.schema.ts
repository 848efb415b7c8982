import { z } from 'zod';
import { API_KEY_SCOPES } from '../../db/entities/index.ts';
import { Timestamp, Uuid } from './common.schema.ts';

const Scope = z.enum(API_KEY_SCOPES).meta({
  description: '`members`: invite, change and remove members (REST); `read`: only look; `scim`: the company\'s SCIM endpoint (Okta, Entra ID); `companies` (operator keys): sites, doors, card stock and companies',
});
const Owner = z.enum(['company', 'operator']).meta({ description: '`operator`: a key of the operator itself (operator admins only)' });

export const ApiKey = z
  .object({
    id: Uuid,
    name: z.string(),
    owner: Owner,
    companyId: Uuid.nullable(),
    prefix: z.string().meta({ description: 'The first characters of the secret, to tell keys apart' }),
    scopes: z.array(Scope),
    createdBy: z.string().nullable().meta({ description: '`member:<id>`, `cli:…`' }),
    createdAt: Timestamp,
    lastUsedAt: Timestamp.nullable(),
    revokedAt: Timestamp.nullable(),
  })
  .meta({ id: 'ApiKey' });

export const CreatedApiKey = ApiKey.extend({
  secret: z.string().meta({ description: 'Send as `Authorization: Bearer <secret>`. Shown this once: only its hash is kept' }),
}).meta({ id: 'CreatedApiKey' });

export const ApiKeyList = z.object({ items: z.array(ApiKey) }).meta({ id: 'ApiKeyList' });

export const CreateApiKeyBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).meta({ example: 'Okta provisioning' }),
    scopes: z.array(Scope).min(1).max(4),
    owner: Owner.default('company'),
    companyId: Uuid.optional().meta({ description: 'Operator admins: the company whose key this is' }),
  })
  .meta({ id: 'CreateApiKey' });

export const ApiKeysQuery = z.strictObject({
  owner: Owner.default('company'),
  companyId: Uuid.optional(),
});
