// What every lifecycle activity does first: lock the member's row (which orders it against a
// removal) and, at the end, write its audit event under the step's idempotency key.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { EntityManager, Orm, Row } from '../db/orm.ts';
import { recordAudit } from '../domain/audit.ts';

export interface Keyed {
  memberId: string;
  companyId: string;
  key: string;
}

export type MemberRow = Row<'member'>;

export function workflowOf(): { workflowId: string | null; workflowRunId: string | null } {
  const { workflowExecution } = Context.current().info;
  return { workflowId: workflowExecution?.workflowId ?? null, workflowRunId: workflowExecution?.runId ?? null };
}

export async function lockMember(em: EntityManager, memberId: string, companyId: string): Promise<MemberRow> {
  const member = await em.getKysely().selectFrom('member').selectAll().where('id', '=', memberId).where('organization_id', '=', companyId).forUpdate().executeTakeFirst();
  if (!member) throw ApplicationFailure.nonRetryable(`member ${memberId} does not exist in company ${companyId}`, 'MemberNotFound');
  return member;
}

/**
 * For the steps that give a member something (a link, a PIN, a card, access): none for a removed
 * member. A step a removal interrupted may still finish in the worker; the row lock orders it
 * against the removal's claim, so it either happened before (and is revoked) or refuses here.
 */
export async function lockLiveMember(em: EntityManager, memberId: string, companyId: string): Promise<MemberRow> {
  const member = await lockMember(em, memberId, companyId);
  if (member.status === 'removed') throw ApplicationFailure.nonRetryable(`member ${memberId} has been removed`, 'MemberRemoved');
  return member;
}

/** One transaction per step, on its own fork of the ORM. */
export const inTransaction = (orm: Orm) => <T>(work: (em: EntityManager) => Promise<T>) => orm.em.fork().transactional(work);

/** The step's audit event, keyed by its idempotency key and tied to the workflow run. */
export const auditStep = (em: EntityManager, input: Keyed & { actor: string; type: string; data?: Record<string, unknown> }) =>
  recordAudit(em, {
    companyId: input.companyId,
    memberId: input.memberId,
    actor: input.actor,
    type: input.type,
    data: input.data,
    idempotencyKey: input.key,
    ...workflowOf(),
  });
