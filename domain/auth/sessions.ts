// Member sessions: `<token id>.<random secret>`, kept as an auth_token row holding only the
// secret's SHA-256 (a 256-bit random secret needs no slow hash), so offboarding revokes them with
// every other credential of the member.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { dbNow } from '../../db/sql.ts';
import type { EntityManager } from '../../db/orm.ts';
import type { MemberRole, MemberStatus } from '../../db/entities/index.ts';
import { isUuid } from '../ids.ts';

export const SESSION_TTL_MS = 14 * 24 * 3600 * 1000;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

export interface Session {
  token: string;
  expiresAt: Date;
}

export async function createSession(em: EntityManager, memberId: string): Promise<Session> {
  const id = randomUUID();
  const secret = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await em.execute(
    `insert into auth_token (id, member_id, purpose, secret_hash, expires_at, attempts, created_at) values (?, ?, 'session', ?, ?, 0, now())`,
    [id, memberId, sha256(secret), expiresAt],
  );
  return { token: `${id}.${secret}`, expiresAt };
}

export interface SessionMember {
  sessionId: string;
  memberId: string;
  companyId: string;
  operatorId: string;
  operatorAdmin: boolean;
  role: MemberRole;
  status: MemberStatus;
}

/** The member a session token belongs to, if it is live; undefined says nothing about why. */
export async function resolveSession(em: EntityManager, token: string): Promise<SessionMember | undefined> {
  const [id, secret, ...rest] = token.split('.');
  if (!id || !secret || rest.length || !isUuid(id)) return undefined;
  const row = await em
    .getKysely()
    .selectFrom('auth_token as t')
    .innerJoin('member as m', 'm.id', 't.member_id')
    .innerJoin('organization as o', 'o.id', 'm.organization_id')
    .select(['t.secret_hash', 'm.id as member_id', 'm.organization_id', 'o.operator_id', 'm.operator_admin', 'm.role', 'm.status'])
    .where('t.id', '=', id)
    .where('t.purpose', '=', 'session')
    .where('t.revoked_at', 'is', null)
    .where('t.expires_at', '>', dbNow)
    .where('m.status', '<>', 'removed')
    .executeTakeFirst();
  if (!row?.secret_hash) return undefined;
  const expected = Buffer.from(row.secret_hash, 'hex');
  const actual = Buffer.from(sha256(secret), 'hex');
  if (!timingSafeEqual(expected, actual)) return undefined;
  return { sessionId: id, memberId: row.member_id, companyId: row.organization_id, operatorId: row.operator_id, operatorAdmin: row.operator_admin, role: row.role, status: row.status };
}

export async function revokeSession(em: EntityManager, sessionId: string): Promise<void> {
  await em.getKysely().updateTable('auth_token').set({ revoked_at: dbNow }).where('id', '=', sessionId).where('purpose', '=', 'session').where('revoked_at', 'is', null).execute();
}
