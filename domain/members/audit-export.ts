// The audit trail as rows for a spreadsheet, every matching event (up to a bound), the same
// columns from the API's CSV and the pages' download. The columns after `data` are each event's
// link in its hash chain, as stored: `npm run audit:verify` checks the file offline.
import { IsolationLevel } from '@mikro-orm/core';
import { sql } from 'kysely';
import type { EntityManager } from '../../db/orm.ts';
import { encodeCursor } from '../cursor.ts';
import { CHAIN_COLUMNS, type ChainRow } from '../audit-chain.ts';
import { auditEventQuery, forAudience, type AuditAudience, type AuditFilter, type CompanyScope } from './queries.ts';

const CSV_EXPORT_MAX = 100_000;

export async function auditCsvLines(em: EntityManager, scope: CompanyScope, filter: Omit<AuditFilter, 'limit' | 'cursor'>, audience: AuditAudience = 'company'): Promise<string[][]> {
  // Every page from one snapshot: between two pages, an event with an id already passed can commit
  // (ids are taken at insert, links at commit), and the file would lack a link in the middle.
  return em.transactional((tx) => csvLines(tx, scope, filter, audience), { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true });
}

async function csvLines(em: EntityManager, scope: CompanyScope, filter: Omit<AuditFilter, 'limit' | 'cursor'>, audience: AuditAudience): Promise<string[][]> {
  const lines: string[][] = [[...CHAIN_COLUMNS]];
  let cursor: string | undefined;
  do {
    const rows = await auditEventQuery(em, scope, { ...filter, cursor, limit: 1000 })
      .select([
        'id', 'chain', 'type', 'actor', 'personal_salt',
        sql<string | null>`personal::text`.as('personal_text'), 'personal_digest', 'prev_hash', 'hash',
        // As the database hashed them: its own text of the time and of the data.
        sql<string>`to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('occurred_text'),
        sql<string>`data::text`.as('data_text'),
        sql<string>`coalesce(seq::text, '')`.as('seq_text'),
        sql<string>`coalesce(operator_id::text, '')`.as('operator_text'),
        sql<string>`coalesce(member_id::text, '')`.as('member_text'),
        sql<string>`coalesce(workflow_id, '')`.as('workflow_text'),
        sql<string>`coalesce(workflow_run_id, '')`.as('run_text'),
        sql<string>`encode(sha256(convert_to(data::text, 'UTF8')), 'hex')`.as('data_sha256'),
      ])
      .execute();
    for (const r of rows.slice(0, 1000)) {
      const data = JSON.parse(r.data_text) as Record<string, unknown>;
      // A company reads a redacted report (the operator's hardware left out): its digest still links.
      const shown = forAudience(r.type, data, audience);
      const redacted = shown !== data;
      const row: ChainRow = {
        id: String(r.id), chain: r.chain ?? '', seq: r.seq_text, occurred_at: r.occurred_text, type: r.type, actor: r.actor,
        operator_id: r.operator_text, member_id: r.member_text, workflow_id: r.workflow_text, workflow_run_id: r.run_text,
        data: redacted ? JSON.stringify(shown) : r.data_text, data_sha256: r.data_sha256, redacted: redacted ? '1' : '',
        personal: r.personal_text ?? '', personal_salt: r.personal_salt ?? '', personal_digest: r.personal_digest ?? '', prev_hash: r.prev_hash ?? '', hash: r.hash ?? '',
      };
      lines.push(CHAIN_COLUMNS.map((c) => row[c]));
    }
    cursor = rows.length > 1000 ? encodeCursor([Number(rows[999]!.id)]) : undefined;
  } while (cursor && lines.length <= CSV_EXPORT_MAX);
  return lines;
}
