// Bulk invitations. The request is checked and stored whole (rows that cannot be members are
// failed right away, with their reason); the `memberImport` workflow then invites the others.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { dbNow, jsonb } from '../../db/sql.ts';
import type { EntityManager } from '../../db/orm.ts';
import type { LifecycleGateway } from '../members/lifecycle-gateway.ts';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { MEMBER_KINDS, MEMBER_LOCALES, MEMBER_ROLES, type ImportOutcome } from '../../db/entities/index.ts';
import { ACCESS_DAY_CHOICES } from '../../db/entities/schedule.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';
import { checkText } from '../input-text.ts';
import { isCalendarDate } from '../time.ts';

export const IMPORT_MAX_ROWS = 5000;
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
export const CSV_COLUMNS = ['email', 'name', 'role', 'site', 'locale', 'reinvite', 'starts_on', 'ends_on', 'kind', 'dates', 'card', 'access_days'] as const;
/** Header names as spreadsheets write them → the row's field. */
const CSV_FIELD: Record<string, string> = { starts_on: 'startsOn', startson: 'startsOn', start_date: 'startsOn', ends_on: 'endsOn', endson: 'endsOn', end_date: 'endsOn', access_days: 'accessDays', accessdays: 'accessDays' };
// Spreadsheets are filled in the team's language: French words for roles and languages are read too.
const ROLE_WORDS: Record<string, string> = { admin: 'admin', administrator: 'admin', administrateur: 'admin', administratrice: 'admin', user: 'user', utilisateur: 'user', utilisatrice: 'user', member: 'user', membre: 'user' };
const KIND_WORDS: Record<string, string> = { member: 'member', membre: 'member', regular: 'member', day_pass: 'day_pass', 'day pass': 'day_pass', daypass: 'day_pass', guest: 'day_pass', 'invité': 'day_pass', invite: 'day_pass', 'pass journée': 'day_pass' };
const LOCALE_WORDS: Record<string, string> = { fr: 'fr', 'fr-fr': 'fr', french: 'fr', francais: 'fr', 'français': 'fr', en: 'en', 'en-gb': 'en', 'en-us': 'en', english: 'en', anglais: 'en' };
const word = (table: Record<string, string>) => (v: unknown) => {
  if (typeof v !== 'string') return v;
  const cell = v.trim().toLowerCase();
  return cell === '' ? undefined : (table[cell] ?? cell);
};
/** What a column takes, said beside it when a row's value is not one of them. */
const EXPECTED: Record<string, string> = { role: 'admin/administrateur, user/utilisateur', locale: 'fr, en', startsOn: 'YYYY-MM-DD', endsOn: 'YYYY-MM-DD', reinvite: 'yes/oui or no/non', kind: 'member, day_pass', dates: 'YYYY-MM-DD YYYY-MM-DD …', card: 'yes/oui or no/non', accessDays: 'business_week, business_week+saturday, business_week+saturday+sunday, always' };
const yesNo = (v: unknown) => (typeof v === 'string' ? (v.trim() === '' ? undefined : ['yes', 'true', '1', 'oui', 'y'].includes(v.trim().toLowerCase())) : v);
/** A list in one cell: `a b`, `a;b`, `a,b` or `a+b`. */
const listCell = (v: unknown) => (typeof v === 'string' ? (v.trim() === '' ? undefined : v.trim().toLowerCase().split(/[\s;,+]+/)) : v);
const dateCell = z.preprocess(blankToUndefined, z.string().trim().refine(isCalendarDate, 'must be a date, YYYY-MM-DD, between the years 1970 and 9998').optional());


/** One person to invite; `site` is a site's id or its name. */
export const ImportRow = z.object({
  email: z.email(),
  name: z.preprocess(blankToUndefined, z.string().trim().max(200).optional()),
  role: z.preprocess(word(ROLE_WORDS), z.enum(MEMBER_ROLES).optional()),
  site: z.preprocess(blankToUndefined, z.string().trim().max(200).optional()),
  siteId: z.uuid().optional(),
  locale: z.preprocess(word(LOCALE_WORDS), z.enum(MEMBER_LOCALES).optional()),
  /** Invite again a member an admin removed (otherwise such a row is skipped). */
  reinvite: z.preprocess(yesNo, z.boolean().optional()),
  /** First and last day at the site (YYYY-MM-DD). */
  startsOn: dateCell,
  endsOn: dateCell,
  /** Workways' invite form: a member or a day pass (with its dates), a card or not, access days. */
  kind: z.preprocess(word(KIND_WORDS), z.enum(MEMBER_KINDS).optional()),
  dates: z.preprocess(listCell, z.array(z.string().refine(isCalendarDate, 'must be dates, YYYY-MM-DD')).max(31).optional()),
  card: z.preprocess(yesNo, z.boolean().optional()),
  accessDays: z.preprocess(listCell, z.array(z.enum(ACCESS_DAY_CHOICES)).min(1).max(4).optional()),
});
export type ImportRow = z.infer<typeof ImportRow>;

/** A CSV file with a header row → one record per data row; a file that is not CSV is refused whole. */
export function parseMembersCsv(text: string): Record<string, string>[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()).map((h) => CSV_FIELD[h] ?? h),
      skip_empty_lines: true,
      trim: true,
      bom: true,
      relax_column_count: false,
    });
  } catch (error) {
    throw new DomainError('csv_invalid', 'invalid', `the CSV file could not be read: ${(error as Error).message}`);
  }
  const header = Object.keys(records[0] ?? {});
  if (!records.length) throw new DomainError('import_empty', 'invalid', 'the file has no data row under its header');
  if (!header.includes('email')) throw new DomainError('csv_invalid', 'invalid', `the header row must name the columns ${CSV_COLUMNS.join(',')} (email is required)`);
  const unknown = header.filter((h) => !(CSV_COLUMNS as readonly string[]).includes(h) && !Object.values(CSV_FIELD).includes(h));
  if (unknown.length) throw new DomainError('csv_invalid', 'invalid', `unknown column(s) ${unknown.join(', ')}: the columns are ${CSV_COLUMNS.join(',')}`);
  // Rows as a spreadsheet numbers them: the header is row 1.
  for (const [i, record] of records.entries()) {
    for (const [column, cell] of Object.entries(record)) record[column] = checkText(cell, `row ${i + 2}, column ${column}`, { maxLength: 320 });
  }
  return records;
}

/** Why rows are not invited, worded by the pages and e-mails as `import_reasons.<reason>`. */
export const IMPORT_REASONS = ['invalid_field', 'site_not_found', 'duplicate_in_file', 'removed_earlier', 'already_member', 'seats_full'] as const;
export type ImportReason = (typeof IMPORT_REASONS)[number];

const invalidFields = (error: z.ZodError) =>
  [...new Set(error.issues.map((i) => String(i.path[0] ?? 'row')))].map((field) => (EXPECTED[field] ? `${field} (${EXPECTED[field]})` : field)).join(', ');

const describe = (error: z.ZodError) => error.issues.map((i) => `${i.path.join('.') || 'row'}: ${i.message}`).join('; ');

export async function createMemberImport(
  deps: { em: EntityManager; lifecycles: LifecycleGateway },
  input: { companyId: string; actor: string; source: 'json' | 'csv'; rows: unknown[]; reinvite?: boolean },
): Promise<{ importId: string; total: number }> {
  if (!input.rows.length) throw new DomainError('import_empty', 'invalid', 'there is no member to invite');
  if (input.rows.length > IMPORT_MAX_ROWS) throw new DomainError('import_too_large', 'invalid', `an import takes at most ${IMPORT_MAX_ROWS} members; split the file`);
  const importId = await deps.em.transactional(async (em) => {
    const id = randomUUID();
    const db = em.getKysely();
    await db.insertInto('member_import').values({ id, organization_id: input.companyId, actor: input.actor, source: input.source, total: input.rows.length, created_at: dbNow }).execute();
    // One statement per 500 rows keeps a 5,000-row import to a handful of round trips.
    for (let start = 0; start < input.rows.length; start += 500) {
      const chunk = input.rows.slice(start, start + 500);
      const values = chunk.map((given, i) => {
        // The request's `reinvite` applies to every row that does not say otherwise.
        const raw = input.reinvite && given && typeof given === 'object' && !('reinvite' in given) ? { ...given, reinvite: true } : given;
        const parsed = ImportRow.safeParse(raw);
        return {
          member_import_id: id,
          position: start + i + 1,
          input: jsonb<Record<string, unknown>>(raw ?? null),
          outcome: parsed.success ? null : ('failed' as const),
          message: parsed.success ? null : describe(parsed.error),
          reason: parsed.success ? null : 'invalid_field',
          reason_params: parsed.success ? null : jsonb<Record<string, string | number>>({ fields: invalidFields(parsed.error) }),
        };
      });
      await db.insertInto('member_import_row').values(values).execute();
    }
    await recordAudit(em, { companyId: input.companyId, actor: input.actor, type: 'import.created', data: { importId: id, source: input.source, total: input.rows.length } });
    return id;
  });
  await deps.lifecycles.startImport(importId, input.rows.length);
  return { importId, total: input.rows.length };
}

/** A row as the person who made the file counts it: in a spreadsheet the header is row 1. */
export const displayedRow = (source: string, position: number) => (source === 'csv' ? position + 1 : position);

export interface ImportProgress {
  id: string;
  status: 'running' | 'finished';
  total: number;
  processed: number;
  created: number;
  skipped: number;
  failed: number;
  errors: { row: number; outcome: 'skipped' | 'failed'; message: string; reason: ImportReason | null; reasonParams: Record<string, string | number>; memberId: string | null }[];
  createdAt: string;
  finishedAt: string | null;
}

/** How many rows came to each outcome so far. */
export async function importCounts(em: EntityManager, importId: string): Promise<Record<ImportOutcome, number>> {
  const counts = await em
    .getKysely()
    .selectFrom('member_import_row')
    .select(['outcome', sql<number>`count(*)::int`.as('n')])
    .where('member_import_id', '=', importId)
    .groupBy('outcome')
    .execute();
  const count = (o: ImportOutcome) => counts.find((c) => c.outcome === o)?.n ?? 0;
  return { created: count('created'), skipped: count('skipped'), failed: count('failed') };
}

export async function importProgress(em: EntityManager, companyId: string, importId: string): Promise<ImportProgress> {
  const db = em.getKysely();
  const head = await db.selectFrom('member_import').select(['id', 'total', 'source', 'created_at', 'finished_at']).where('id', '=', importId).where('organization_id', '=', companyId).executeTakeFirst();
  if (!head) throw new DomainError('import_not_found', 'not_found', `no import ${importId} in this company`);
  const { created, skipped, failed } = await importCounts(em, importId);
  const errors = await db
    .selectFrom('member_import_row')
    .select(['position', 'outcome', 'message', 'reason', 'reason_params', 'member_id'])
    .where('member_import_id', '=', importId)
    .where('outcome', 'in', ['skipped', 'failed'])
    .orderBy('position')
    .execute();
  return {
    id: head.id,
    status: head.finished_at ? 'finished' : 'running',
    total: head.total,
    processed: created + skipped + failed,
    created,
    skipped,
    failed,
    errors: errors.map((e) => ({ row: displayedRow(head.source, e.position), outcome: e.outcome as 'skipped' | 'failed', message: e.message ?? '', reason: e.reason as ImportReason | null, reasonParams: e.reason_params ?? {}, memberId: e.member_id })),
    createdAt: new Date(head.created_at).toISOString(),
    finishedAt: head.finished_at ? new Date(head.finished_at).toISOString() : null,
  };
}
