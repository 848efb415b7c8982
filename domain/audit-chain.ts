// The audit trail's hash chains, checked offline: `npm run audit:verify -- audit.csv` reads an
// export (GET /v1/audit?format=csv, or the console's download) and recomputes every link the
// database made (audit_event_link, Migration20261207121053_privacy). Each event's hash covers the
// previous one's, its own fields, a digest of its data and a salted digest of its personal fields;
// changing, removing or reordering a row in the database breaks its chain at that event.
// A chain is in the order its events were committed (`seq`), which is not always the order of their
// ids, the export's: two lifecycles writing at once can commit the later id first. So each chain is
// read in `seq` order, whatever the file's order; `seq` is in the hash, so no one can reorder it.
import { createHash } from 'node:crypto';

// In the export's order: what people read first, then each event's link.
export const CHAIN_COLUMNS = ['id', 'occurred_at', 'type', 'actor', 'member_id', 'workflow_id', 'workflow_run_id', 'data', 'chain', 'seq', 'operator_id', 'data_sha256', 'redacted', 'personal', 'personal_salt', 'personal_digest', 'prev_hash', 'hash'] as const;
export type ChainRow = Record<(typeof CHAIN_COLUMNS)[number], string>;

export const GENESIS = '0'.repeat(64);
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The hash the database stores for this row (the same fields, in the same order, as audit_event_hash). */
export function linkHash(row: Omit<ChainRow, 'id' | 'data' | 'redacted' | 'personal' | 'personal_salt' | 'hash'>): string {
  return sha256([row.prev_hash, row.chain, row.seq, row.occurred_at, row.type, row.actor, row.operator_id, row.member_id, row.workflow_id, row.workflow_run_id, row.data_sha256, row.personal_digest].join('\n'));
}

export interface Verdict {
  ok: boolean;
  events: number;
  chains: { chain: string; from: number; to: number; head: string }[];
  /** The first event that does not hold, and why. */
  broken?: { id: string; chain: string; seq: number; why: string };
}

export function verifyChains(rows: ChainRow[]): Verdict {
  const last = new Map<string, { seq: number; hash: string; from: number }>();
  const fail = (row: ChainRow, why: string): Verdict => ({ ok: false, events: rows.length, chains: heads(last), broken: { id: row.id, chain: row.chain, seq: Number(row.seq), why } });
  const unlinked = rows.find((row) => !row.chain || !/^\d+$/.test(row.seq ?? '') || !/^[0-9a-f]{64}$/.test(row.hash ?? ''));
  if (unlinked) return fail(unlinked, 'the event has no link (chain, seq, hash)');
  const inChainOrder = [...rows].sort((a, b) => a.chain.localeCompare(b.chain) || Number(a.seq) - Number(b.seq));
  for (const row of inChainOrder) {
    const seq = Number(row.seq);
    if (row.redacted !== '1' && sha256(row.data) !== row.data_sha256) return fail(row, 'its data is not what was hashed');
    if (row.personal && sha256(row.personal_salt + row.personal) !== row.personal_digest) return fail(row, 'its personal fields are not what was hashed');
    const before = last.get(row.chain);
    if (before) {
      if (seq === before.seq) return fail(row, `event ${seq} of the chain appears twice`);
      if (seq !== before.seq + 1) return fail(row, `event ${before.seq + 1} of the chain is missing before it`);
      if (row.prev_hash !== before.hash) return fail(row, 'it does not link to the event before it');
    } else if (seq === 1 && row.prev_hash !== GENESIS) {
      return fail(row, 'the first event of the chain does not start it');
    }
    if (linkHash(row) !== row.hash) return fail(row, 'its fields are not what was hashed');
    last.set(row.chain, { seq, hash: row.hash, from: before?.from ?? seq });
  }
  return { ok: true, events: rows.length, chains: heads(last) };
}

const heads = (last: Map<string, { seq: number; hash: string; from: number }>) =>
  [...last].map(([chain, h]) => ({ chain, from: h.from, to: h.seq, head: h.hash })).sort((a, b) => a.chain.localeCompare(b.chain));
