// API keys: what an HR system, an identity provider (SCIM) or the operator's tooling signs in
// with. Admins make them with a name and scopes, see them listed (never their secret again) and
// revoke them; a revoked key is refused on its next request (every request looks the key up).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sql, type ExpressionBuilder } from 'kysely';
import { dbNow, jsonb } from '../db/sql.ts';
import type { Database, EntityManager, Row } from '../db/orm.ts';
import { COMPANY_KEY_SCOPES, OPERATOR_KEY_SCOPES, type ApiKeyScope } from '../db/entities/index.ts';
import { recordAudit } from './audit.ts';
import { DomainError } from './errors.ts';
import { isUuid } from './ids.ts';

const KEY_PREFIX = 'mo_';

export function hashApiKey(plaintext: string): string {
  return createHash('sha256').update(plaintext).digest('hex');
}

/** A new key: shown once to its creator, stored only as a hash. */
export function generateApiKey(): { plaintext: string; prefix: string; secretHash: string } {
  const plaintext = KEY_PREFIX + randomBytes(32).toString('base64url');
  return { plaintext, prefix: plaintext.slice(0, 10), secretHash: hashApiKey(plaintext) };
}

/** A company's keys, or the operator's own (no company). */
export type KeyOwner = { companyId: string; operatorId: string } | { operatorId: string; companyId?: undefined };

export interface ApiKeyView {
  id: string;
  name: string;
  owner: 'company' | 'operator';
  companyId: string | null;
  prefix: string;
  scopes: ApiKeyScope[];
  createdBy: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const KEY_COLUMNS = ['id', 'name', 'organization_id', 'prefix', 'scopes', 'created_by', 'created_at', 'last_used_at', 'revoked_at'] as const;
type KeyRow = Pick<Row<'api_key'>, (typeof KEY_COLUMNS)[number]>;

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const view = (r: KeyRow): ApiKeyView => ({
  id: r.id,
  name: r.name,
  owner: r.organization_id ? 'company' : 'operator',
  companyId: r.organization_id,
  prefix: r.prefix,
  scopes: r.scopes,
  createdBy: r.created_by,
  createdAt: iso(r.created_at)!,
  lastUsedAt: iso(r.last_used_at),
  revokedAt: iso(r.revoked_at),
});

/** The keys of a company, or the operator's own (no company). */
const ownedBy = (owner: KeyOwner) => (eb: ExpressionBuilder<Database, 'api_key'>) =>
  owner.companyId ? eb('organization_id', '=', owner.companyId) : eb.and([eb('organization_id', 'is', null), eb('operator_id', '=', owner.operatorId)]);

export const scopesFor = (owner: KeyOwner): readonly ApiKeyScope[] => (owner.companyId ? COMPANY_KEY_SCOPES : OPERATOR_KEY_SCOPES);

/** Live keys first (newest first), then the revoked ones, kept for the history's names. */
export async function listApiKeys(em: EntityManager, owner: KeyOwner): Promise<ApiKeyView[]> {
  const rows = await em
    .getKysely()
    .selectFrom('api_key')
    .select(KEY_COLUMNS)
    .where(ownedBy(owner))
    .orderBy(sql`(revoked_at is null)`, 'desc')
    .orderBy('created_at', 'desc')
    .limit(500)
    .execute();
  return rows.map(view);
}

export async function createApiKey(em: EntityManager, owner: KeyOwner, input: { name: string; scopes: ApiKeyScope[]; actor: string }): Promise<ApiKeyView & { secret: string }> {
  const allowed = scopesFor(owner);
  const scopes = [...new Set(input.scopes)];
  const refused = scopes.filter((s) => !allowed.includes(s));
  if (!scopes.length) throw new DomainError('scopes_required', 'unprocessable', `give the key at least one scope: ${allowed.join(', ')}`, { field: 'scopes' });
  if (refused.length) {
    throw new DomainError('scope_not_allowed', 'unprocessable', `${owner.companyId ? 'a company' : 'an operator'} key cannot have ${refused.join(', ')}: its scopes are ${allowed.join(', ')}`, { field: 'scopes' });
  }
  const key = generateApiKey();
  return em.transactional(async (tx) => {
    const row = await tx
      .getKysely()
      .insertInto('api_key')
      .values({
        id: randomUUID(), organization_id: owner.companyId ?? null, operator_id: owner.companyId ? null : owner.operatorId, name: input.name.trim(), prefix: key.prefix,
        secret_hash: key.secretHash, scopes: jsonb(scopes), created_by: input.actor, created_at: dbNow,
      })
      .returning(KEY_COLUMNS)
      .executeTakeFirstOrThrow();
    await recordAudit(tx, {
      companyId: owner.companyId ?? null,
      operatorId: owner.operatorId,
      actor: input.actor,
      type: 'api_key.created',
      data: { apiKeyId: row.id, name: row.name, scopes },
    });
    return { ...view(row), secret: key.plaintext };
  });
}

/** Revokes at once: the key's next request answers 401. Revoking a revoked key changes nothing. */
export async function revokeApiKey(em: EntityManager, owner: KeyOwner, id: string, actor: string): Promise<ApiKeyView> {
  if (!isUuid(id)) throw new DomainError('api_key_not_found', 'not_found', 'no API key with this id');
  return em.transactional(async (tx) => {
    const row = await tx
      .getKysely()
      .updateTable('api_key')
      .set({ revoked_at: sql<Date>`coalesce(revoked_at, now())` })
      .where('id', '=', id)
      .where(ownedBy(owner))
      .returning(KEY_COLUMNS)
      .executeTakeFirst();
    if (!row) throw new DomainError('api_key_not_found', 'not_found', 'no API key with this id');
    await recordAudit(tx, { companyId: owner.companyId ?? null, operatorId: owner.operatorId, actor, type: 'api_key.revoked', data: { apiKeyId: id, name: row.name } });
    return view(row);
  });
}
