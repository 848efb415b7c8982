// npm run audit:verify -- <audit.csv>
// Checks an audit export offline (no server, no database): every event's hash and its link to the
// one before, chain by chain. Names the first event that breaks; prints each chain's head, to
// compare with GET /v1/audit/head.
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { CHAIN_COLUMNS, verifyChains, type ChainRow } from '../domain/audit-chain.ts';
import { CommandError, runMain } from '../lib/cli.ts';

const usage = 'usage: npm run audit:verify -- <audit.csv>\nThe file is GET /v1/audit?format=csv (or the console\'s download), as it was saved.';

runMain(async () => {
  const files = process.argv.slice(2).filter((a) => a !== '--');
  if (files.length !== 1) throw new CommandError(usage);
  let text: string;
  try {
    text = fs.readFileSync(files[0]!, 'utf8');
  } catch (error) {
    throw new CommandError(`cannot read ${files[0]}: ${(error as Error).message}`);
  }
  let rows: ChainRow[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, bom: true }) as ChainRow[];
  } catch (error) {
    throw new CommandError(`${files[0]} is not a CSV file: ${(error as Error).message}`);
  }
  const missing = CHAIN_COLUMNS.filter((c) => rows.length && !(c in rows[0]!));
  if (missing.length) throw new CommandError(`${files[0]} has no ${missing.join(', ')} column: export it again from GET /v1/audit?format=csv`);
  const verdict = verifyChains(rows);
  for (const c of verdict.chains) console.log(`${c.chain}: events ${c.from}–${c.to}, head ${c.head}`);
  if (!verdict.ok) {
    const b = verdict.broken!;
    console.log(`BROKEN at event ${b.id} (${b.chain} #${b.seq}): ${b.why}`);
    process.exit(1);
  }
  console.log(`OK: ${verdict.events} event(s) verified in ${verdict.chains.length} chain(s)`);
}, usage);
