// The deployment shape (docker-compose): migrate once, then API and worker as separate processes.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import test from 'ava';
import { projectRoot } from '../config/index.ts';
import { freePort } from '../scripts/lib/ports.ts';
import { createEmptyDatabase, query } from './helpers/database.ts';
import { testEnv } from './helpers/env.ts';
import { uniqueTaskQueue } from './helpers/temporal.ts';
import { waitFor } from './helpers/wait.ts';

function run(script: string, env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [path.join(projectRoot, script)], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

test('npm run migrate, then npm run worker and npm run api as their own processes', async (t) => {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    DATABASE_URL: await createEmptyDatabase(),
    TEMPORAL_ADDRESS: testEnv.temporalAddress,
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue(),
    PORT: String(port),
    LOG_LEVEL: 'warn',
    SMTP_URL: testEnv.smtpUrl,
    SECRET_KEY: 'a-deployment-secret-key-of-48-characters-long!!',
  };

  const migrated = spawnSync(process.execPath, [path.join(projectRoot, 'scripts', 'migrate.ts')], { env, encoding: 'utf8', timeout: 60_000 });
  t.is(migrated.status, 0, migrated.stderr);
  t.regex(migrated.stdout, /^applied: Migration\d+_initial/);
  t.is((await query(env.DATABASE_URL!, 'select count(*)::int as n from organization')).rows[0]!.n, 0);

  const worker = run('worker/main.ts', env);
  const api = run('server/main.ts', env);
  t.teardown(() => {
    for (const p of [worker, api]) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  });

  const died = (name: string, p: ReturnType<typeof run>) => p.exited.then((code) => Promise.reject(new Error(`${name} exited (${code}) before the API was ready: ${p.stderr()}`)));
  await Promise.race([
    waitFor('the API to report ready', async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200, {
      timeoutMs: 90_000,
      intervalMs: 250,
    }),
    died('the worker', worker),
    died('the API', api),
  ]);

  api.child.kill('SIGTERM');
  worker.child.kill('SIGTERM');
  t.is(await api.exited, 0, api.stderr());
  t.is(await worker.exited, 0, worker.stderr());
});

test('a standalone worker names what it lacks: SMTP_URL, then SECRET_KEY', async (t) => {
  const base = { PATH: process.env.PATH, DATABASE_URL: testEnv.postgresUrl, TEMPORAL_ADDRESS: testEnv.temporalAddress, LOG_LEVEL: 'warn' };
  const noSmtp = spawnSync(process.execPath, [path.join(projectRoot, 'worker', 'main.ts')], { env: base, encoding: 'utf8', timeout: 30_000 });
  t.not(noSmtp.status, 0);
  t.regex(noSmtp.stderr, /SMTP_URL is required/);
  const noKey = spawnSync(process.execPath, [path.join(projectRoot, 'worker', 'main.ts')], { env: { ...base, SMTP_URL: testEnv.smtpUrl }, encoding: 'utf8', timeout: 30_000 });
  t.not(noKey.status, 0);
  t.regex(noKey.stderr, /SECRET_KEY is required/);
});
