import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import pg from 'pg';
import { freePort } from '../scripts/lib/ports.ts';
import { EmbeddedPostgresUnreachable, startEmbeddedPostgres } from '../services/embedded-postgres.ts';
import { testEnv } from './helpers/env.ts';
import { isAlive } from './helpers/process.ts';
import { waitFor } from './helpers/wait.ts';


// Ctrl-C in a terminal signals the whole process group, so postgres may shut down on its own
// before `npm start` gets to stopping it; stopping must still finish.
test('stopping the embedded database finishes even when postgres already exited on Ctrl-C', async (t) => {
  const dataDir = path.join(testEnv.workDir, `pg-stop-${process.pid}`);
  const db = await startEmbeddedPostgres({ dataDir, port: await freePort() });
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  t.is((await client.query('select 1 as one')).rows[0].one, 1);
  await client.end();

  const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  process.kill(pid, 'SIGINT');
  await waitFor('postgres to exit on SIGINT', () => !isAlive(pid), { timeoutMs: 30_000 });

  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    db.stop().then(() => 'stopped'),
    new Promise<string>((resolve) => { timer = setTimeout(() => resolve('hung'), 15_000); }),
  ]);
  clearTimeout(timer);
  t.is(outcome, 'stopped');
});

// As root (CI, containers), postgres runs as its own OS user: a data folder inside a mode-700
// folder (a clone under /root) must end in one line that says why and what to do.
test('a data folder the postgres OS user cannot enter is refused in one line, before initdb fails', async (t) => {
  const closed = path.join(testEnv.workDir, `closed-${process.pid}`);
  fs.mkdirSync(closed, { mode: 0o700 });
  fs.chmodSync(closed, 0o700);
  const start = startEmbeddedPostgres({ dataDir: path.join(closed, 'data', 'postgres'), port: await freePort() });
  if (process.getuid?.() === 0) {
    const error = await t.throwsAsync(start, { instanceOf: EmbeddedPostgresUnreachable });
    t.regex(error!.message, new RegExp(`cannot enter ${closed} \\(mode 700\\).*set DATABASE_URL`));
    t.false(fs.existsSync(path.join(closed, 'data', 'postgres', 'PG_VERSION')), 'nothing was half-initialised');
  } else {
    // A normal user owns the folder and runs postgres itself: it just works.
    const db = await start;
    t.teardown(() => db.stop());
    t.truthy(db.url);
  }
});
