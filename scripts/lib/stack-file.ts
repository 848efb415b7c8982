// What a running `npm start` serves, written to <DATA_DIR>/stack.json while it runs: every CLI
// (org:create, door-sim, demo:member, history:export, migrate) reads it to use that stack —
// whatever ports it was started on — and never starts or stops a server of its own beside it.
import fs from 'node:fs';
import path from 'node:path';
import { embeddedDatabaseUrl } from '../../services/embedded-postgres.ts';

export interface StackRecord {
  pid: number;
  apiUrl: string;
  /** Only for the embedded database (a DATABASE_URL's password stays out of files). */
  databaseUrl: string | null;
  temporalAddress: string;
  temporalNamespace: string;
  temporalUiUrl: string | null;
  smtpUrl: string | null;
  startedAt: string;
}

const stackFile = (dataDir: string) => path.join(dataDir, 'stack.json');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export function writeStackRecord(dataDir: string, record: StackRecord): void {
  const file = stackFile(dataDir);
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o644 });
  fs.renameSync(`${file}.tmp`, file);
}

/** Removes the record, if it is still this process's (a later start may have replaced it). */
export function removeStackRecord(dataDir: string, pid = process.pid): void {
  if (readRecord(dataDir)?.pid === pid) fs.rmSync(stackFile(dataDir), { force: true });
}

function readRecord(dataDir: string): StackRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(stackFile(dataDir), 'utf8')) as StackRecord;
  } catch {
    return undefined;
  }
}

/** The stack `npm start` runs from this data folder now, if any (a record left by a killed one is ignored). */
export function runningStack(dataDir: string): StackRecord | undefined {
  const record = readRecord(dataDir);
  return record && Number.isInteger(record.pid) && alive(record.pid) ? record : undefined;
}

/**
 * The embedded PostgreSQL already running in this data folder (an `npm start`, or one it left
 * behind when killed): its URL, from the port line of postmaster.pid, so it is used, not stopped.
 */
export function runningEmbeddedDatabase(dataDir: string): string | undefined {
  try {
    const lines = fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n');
    const [pid, port] = [Number(lines[0]), Number(lines[3])];
    return Number.isInteger(pid) && pid > 1 && alive(pid) && Number.isInteger(port) && port > 0 ? embeddedDatabaseUrl(port) : undefined;
  } catch {
    return undefined;
  }
}
