// The audit trail as rows for a spreadsheet, every matching event (up to a bound), the same
// columns from the API's CSV and the pages' download.
import type { EntityManager } from '../../db/orm.ts';
import { auditEvents, type AuditAudience, type CompanyScope } from './queries.ts';

const CSV_EXPORT_MAX = 100_000;

export async function auditCsvLines(em: EntityManager, scope: CompanyScope, filter: Omit<Parameters<typeof auditEvents>[2], 'limit' | 'cursor'>, audience: AuditAudience = 'company'): Promise<string[][]> {
  const lines: string[][] = [['id', 'occurred_at', 'type', 'actor', 'member_id', 'workflow_id', 'workflow_run_id', 'data']];
  let cursor: string | undefined;
  do {
    const page = await auditEvents(em, scope, { ...filter, cursor, limit: 1000 }, audience);
    for (const e of page.items) lines.push([String(e.id), e.occurredAt, e.type, e.actor, e.memberId ?? '', e.workflowId ?? '', e.workflowRunId ?? '', JSON.stringify(e.data)]);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && lines.length <= CSV_EXPORT_MAX);
  return lines;
}
