// A site's card stock, the operator's: cards added by hand or from a spreadsheet, each with the QR
// payload printed on it; listed by number or by batch. Companies at the site only see which
// numbers are still in stock, never the payloads.
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { dbNow } from '../../db/sql.ts';
import { parse } from 'csv-parse/sync';
import type { EntityManager } from '../../db/orm.ts';
import { recordAudit } from '../audit.ts';
import { DomainError, isUniqueViolation } from '../errors.ts';
import { checkText } from '../input-text.ts';
import { findSite, type SiteScope } from '../sites/sites.ts';

export interface CardView {
  id: string;
  number: string;
  /** What the QR code printed on the card encodes. */
  qr: string;
  state: 'stock' | 'assigned' | 'revoked';
  memberId: string | null;
  /** When it joined the stock, as PostgreSQL prints it: the cards added at once share it (a batch). */
  addedAt: string;
}

/** A QR payload the printer chose: long enough that nobody registers a card by guessing what its code says. */
export const SUPPLIED_QR = /^[\w-]{16,128}$/;

// The batch key is PostgreSQL's text of the insert's now(): every card of one request shares it.
const addedAt = sql<string>`created_at::text`.as('added_at');
const CARD_COLUMNS = ['id', 'number', 'qr_token', 'state', 'member_id', addedAt] as const;

const cardView = (r: { id: string; number: string; qr_token: string; state: CardView['state']; member_id: string | null; added_at: string }): CardView => ({
  id: r.id,
  number: r.number,
  qr: r.qr_token,
  state: r.state,
  memberId: r.member_id,
  addedAt: r.added_at,
});

/** Card stock: each new card gets a QR payload (144 random bits) unless the printer already chose one. */
export async function addCards(
  em: EntityManager,
  input: { operatorId: string; siteId: string; cards: { number: string; qr?: string }[]; actor: string },
): Promise<CardView[]> {
  await findSite(em, { operatorId: input.operatorId }, input.siteId);
  const numbers = input.cards.map((c) => c.number.trim());
  const repeated = numbers.find((n, i) => numbers.indexOf(n) !== i);
  if (repeated) throw new DomainError('card_number_repeated', 'invalid', `card ${repeated} appears twice in the request`);
  try {
    return await em.transactional(async (tx) => {
      const rows = await tx
        .getKysely()
        .insertInto('card')
        .values(
          input.cards.map((card) => ({
            id: randomUUID(),
            site_id: input.siteId,
            number: card.number.trim(),
            qr_token: card.qr?.trim() || randomBytes(18).toString('base64url'),
            state: 'stock' as const,
            created_at: dbNow,
          })),
        )
        .returning(CARD_COLUMNS)
        .execute();
      await recordAudit(tx, { companyId: null, operatorId: input.operatorId, actor: input.actor, type: 'cards.added', data: { siteId: input.siteId, numbers } });
      return rows.map(cardView);
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const existing = await em.getKysely().selectFrom('card').select('number').where('site_id', '=', input.siteId).where('number', 'in', numbers).execute();
    throw existing.length
      ? new DomainError('card_exists', 'conflict', `card(s) ${existing.map((c) => c.number).join(', ')} are already in this site's stock: nothing was added`, { numbers: existing.map((c) => c.number) })
      : new DomainError('card_qr_exists', 'conflict', 'a QR payload of this request is already printed on another card of this site: nothing was added');
  }
}

/** A site's cards by number; `addedAt` narrows to one batch (the cards added at once). */
export async function listCards(em: EntityManager, operatorId: string, siteId: string, filter: { state?: CardView['state']; addedAt?: string } = {}): Promise<CardView[]> {
  await findSite(em, { operatorId }, siteId);
  let query = em.getKysely().selectFrom('card').select(CARD_COLUMNS).where('site_id', '=', siteId);
  if (filter.state) query = query.where('state', '=', filter.state);
  if (filter.addedAt) query = query.where('created_at', '=', sql<Date>`${filter.addedAt}::timestamptz`);
  return (await query.orderBy('number').execute()).map(cardView);
}

/**
 * Card stock from a spreadsheet: a `number` column and optionally a `qr` column (the payload
 * already printed on the card), header row first; or, without a header, number then QR payload.
 */
export function parseCardsCsv(text: string): { number: string; qr?: string; row: number }[] {
  let rows: string[][];
  try {
    rows = parse(text, { skip_empty_lines: true, trim: true, bom: true, relax_column_count: true });
  } catch (error) {
    throw new DomainError('csv_invalid', 'invalid', `the CSV file could not be read: ${(error as Error).message}`);
  }
  const first = rows[0]?.map((h) => h.toLowerCase()) ?? [];
  const hasHeader = first.includes('number');
  const numberAt = hasHeader ? first.indexOf('number') : 0;
  const qrAt = hasHeader ? first.indexOf('qr') : 1;
  // Rows as a spreadsheet numbers them.
  const cards = (hasHeader ? rows.slice(1) : rows).map((cells, i) => {
    const row = i + (hasHeader ? 2 : 1);
    const number = checkText(cells[numberAt] ?? '', `row ${row}, column number`, { maxLength: 64 });
    if (!number) throw new DomainError('csv_invalid', 'invalid', `row ${row} has no card number`);
    const qr = qrAt >= 0 && cells[qrAt] ? checkText(cells[qrAt]!, `row ${row}, column qr`, { maxLength: 200 }) : undefined;
    return { number, ...(qr ? { qr } : {}), row };
  });
  if (!cards.length) throw new DomainError('import_empty', 'invalid', 'the file has no card under its header');
  return cards;
}

/**
 * The numbers of a site's cards still in stock, for an admin registering one on a member's behalf:
 * any company at the site may take one. Never their QR payloads (those are the operator's).
 */
export async function stockCards(em: EntityManager, scope: SiteScope, siteId: string): Promise<{ number: string }[]> {
  await findSite(em, scope, siteId);
  return em.getKysely().selectFrom('card').select('number').where('site_id', '=', siteId).where('state', '=', 'stock').orderBy('number').limit(1000).execute();
}
