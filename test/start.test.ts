// `npm start` as a new user runs it: everything embedded, then Ctrl-C, then start again.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, projectRoot } from '../config/index.ts';
import { dataConverterFor } from '../services/payload-codec.ts';
import { resolveSecretKey } from '../services/secret-key.ts';
import { freePort, freeUdpPortPair } from '../scripts/lib/ports.ts';
import { embeddedDatabaseUrl } from '../services/embedded-postgres.ts';
import { diagnosticsWorkflow } from '../workflows/diagnostics.ts';
import { createEmptyDatabase, query } from './helpers/database.ts';
import { testEnv } from './helpers/env.ts';
import { isAlive } from './helpers/process.ts';
import { uniqueTaskQueue } from './helpers/temporal.ts';
import { waitFor } from './helpers/wait.ts';

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startStack(env: NodeJS.ProcessEnv): Running {
  // Own process group, like a terminal job, so a failed test can still kill everything it started.
  const child = spawn(process.execPath, [path.join(projectRoot, 'scripts', 'start.ts')], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Every process below `pid` (the Temporal CLI, postgres and its workers). */
function descendants(pid: number): number[] {
  const out = spawnSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' }).stdout;
  const pairs = out.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of pairs) if (ppid === parent) { found.push(child); walk(child); }
  };
  walk(pid);
  return found;
}


async function readyz(apiUrl: string) {
  const response = await fetch(`${apiUrl}/readyz`);
  return response.status === 200 ? ((await response.json()) as { checks: Record<string, { status: string }> }) : undefined;
}

/** Ready, or a failure that says why: npm start exited (with its output), or the wait ran out (with it too). */
async function untilReady(running: Running, apiUrl: string, what: string) {
  let exited: number | null | undefined;
  void running.exited.then((code) => { exited = code; });
  try {
    return await waitFor(what, async () => {
      if (exited !== undefined) return { exited };
      return readyz(apiUrl);
    }, { timeoutMs: 120_000, intervalMs: 500 }).then((r) => {
      if ('exited' in r) throw new Error(`npm start exited (${r.exited}) before it was ready`);
      return r;
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}; its output:\n${running.output()}`);
  }
}

async function stopWithCtrlC(t: ExecutionContext, running: Running) {
  const before = descendants(running.child.pid!);
  t.true(before.length >= 2, 'PostgreSQL and Temporal run below npm start');
  // Like Ctrl-C in a terminal: the whole foreground process group gets SIGINT, postgres included.
  process.kill(-running.child.pid!, 'SIGINT');
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([running.exited, new Promise<'hung'>((r) => { timer = setTimeout(() => r('hung'), 60_000); })]);
  clearTimeout(timer);
  t.is(code, 0, running.output());
  await waitFor('every child process to be gone', () => before.every((pid) => !isAlive(pid)), { timeoutMs: 15_000 });
}

/** Environment for a private embedded stack: its own data dir and free ports for everything. */
async function embeddedStackEnv(name: string, extra: NodeJS.ProcessEnv = {}) {
  const dataDir = path.join(testEnv.workDir, `${name}-${process.pid}`);
  fs.mkdirSync(dataDir, { recursive: true });
  const [port, pgPort, temporalPort, uiPort, smtpPort, radiusPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freeUdpPortPair()]);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATA_DIR: dataDir,
    PORT: String(port),
    EMBEDDED_POSTGRES_PORT: String(pgPort),
    TEMPORAL_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(uiPort),
    SMTP_CATCHER_PORT: String(smtpPort),
    RADIUS_AUTH_PORT: String(radiusPort),
    RADIUS_ACCT_PORT: String(radiusPort + 1),
    LOG_LEVEL: 'warn',
    ...(testEnv.temporalCli ? { TEMPORAL_CLI_PATH: testEnv.temporalCli } : {}),
    ...extra,
  };
  return { env, apiUrl: `http://127.0.0.1:${port}`, pgPort, temporalPort, uiPort, radiusPort };
}

/** Only does something when an assertion failed half-way and left a stack running. */
function killOnTeardown(t: ExecutionContext, runs: Running[]) {
  t.teardown(() => {
    for (const r of runs) {
      if (r.child.pid && r.child.exitCode === null) {
        try { process.kill(-r.child.pid, 'SIGKILL'); } catch { /* already gone */ }
      }
    }
  });
}

test('npm start runs the stack, stops cleanly on Ctrl-C, and finds its data again', async (t) => {
  const { env, apiUrl, pgPort, temporalPort, uiPort, radiusPort } = await embeddedStackEnv('start');
  const runs: Running[] = [];
  killOnTeardown(t, runs);

  // First run: fresh data directory.
  let current = startStack(env);
  runs.push(current);
  const ready = await untilReady(current, apiUrl, 'the first start to be ready');
  t.deepEqual(Object.values(ready.checks).map((c) => c.status), ['ok', 'ok', 'ok']);
  t.regex(current.output(), new RegExp(`API\\s+${apiUrl}`));
  t.regex(current.output(), new RegExp(`Temporal UI\\s+http://127.0.0.1:${uiPort}`));
  t.regex(current.output(), new RegExp(`RADIUS\\s+127\\.0\\.0\\.1:${radiusPort} \\(auth\\), ${radiusPort + 1} \\(accounting\\)`), 'FreeRADIUS runs beside the stack');
  t.is((await fetch(`http://127.0.0.1:${uiPort}/`)).status, 200, 'the Temporal web UI answers');
  t.is((await fetch(`${apiUrl}/dev/mail`)).status, 200, 'the mail catcher page answers');

  // A CLI run with none of the stack's port variables, only its data folder, uses that stack: it
  // neither stops its PostgreSQL (through the pid file) nor writes into another database.
  const stackFile = JSON.parse(fs.readFileSync(path.join(env.DATA_DIR!, 'stack.json'), 'utf8')) as { pid: number; apiUrl: string; temporalAddress: string };
  t.like(stackFile, { pid: current.child.pid, apiUrl, temporalAddress: `127.0.0.1:${temporalPort}` });
  const cliEnv = { PATH: env.PATH, HOME: env.HOME, DATA_DIR: env.DATA_DIR, ...(env.TEMPORAL_CLI_PATH ? { TEMPORAL_CLI_PATH: env.TEMPORAL_CLI_PATH } : {}) };
  const created = spawnSync(process.execPath, [path.join(projectRoot, 'scripts', 'org-create.ts'), '--name', 'Persist Co', '--admin-email', 'a@persist.test', '--site', 'HQ'], { env: cliEnv, encoding: 'utf8', timeout: 60_000 });
  t.is(created.status, 0, created.stderr);
  const { companyId, adminLifecycle } = JSON.parse(created.stdout) as { companyId: string; adminLifecycle: string };
  t.is(adminLifecycle, 'started', 'it found the stack\'s Temporal too');
  t.truthy(await readyz(apiUrl), '/readyz still 200: its PostgreSQL was not stopped');
  t.is((await query(embeddedDatabaseUrl(pgPort), 'select name from organization where id = $1', [companyId])).rows[0]?.name, 'Persist Co');
  // A second npm start on the same data refuses instead of stopping the first one's servers.
  const second = spawnSync(process.execPath, [path.join(projectRoot, 'scripts', 'start.ts')], { env, encoding: 'utf8', timeout: 60_000 });
  t.is(second.status, 1);
  t.regex(second.stderr, /already running from .* \(pid \d+/);
  t.truthy(await readyz(apiUrl));

  // With the stack's own key (derived from the SECRET_KEY it keeps under DATA_DIR), as its CLIs read it.
  const stackConfig = loadConfig(env);
  const dataConverter = dataConverterFor(stackConfig, resolveSecretKey(stackConfig));
  const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
  const client = new Client({ connection, dataConverter });
  // The dev server's web UI decodes payloads through the API's codec endpoint.
  const uiSettings = (await (await fetch(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}/api/v1/settings`)).json()) as { Codec?: { Endpoint?: string } };
  t.is(uiSettings.Codec?.Endpoint, `${apiUrl}/codec`);
  await client.workflow.execute(diagnosticsWorkflow, { taskQueue: 'member-lifecycle', workflowId: 'diagnostics-persist' });
  await connection.close();

  await stopWithCtrlC(t, current);
  t.false(fs.existsSync(path.join(env.DATA_DIR!, 'stack.json')), 'the record goes with the stack');

  // Second run: same data directory, same data.
  current = startStack(env);
  runs.push(current);
  await untilReady(current, apiUrl, 'the second start to be ready');
  const org = await query(embeddedDatabaseUrl(pgPort), 'select name from organization where id = $1', [companyId]);
  t.is(org.rows[0]?.name, 'Persist Co');
  const again = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
  const described = await new Client({ connection: again }).workflow.getHandle('diagnostics-persist').describe();
  t.is(described.status.name, 'COMPLETED', 'Temporal kept the workflow history');
  await again.close();

  await stopWithCtrlC(t, current);
});

test('with DATABASE_URL and TEMPORAL_ADDRESS, npm start uses those servers and starts none of its own', async (t) => {
  const [port, smtpPort] = await Promise.all([freePort(), freePort()]);
  const databaseUrl = await createEmptyDatabase();
  const taskQueue = uniqueTaskQueue();
  const running = startStack({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATA_DIR: path.join(testEnv.workDir, `external-${process.pid}`),
    PORT: String(port),
    SMTP_CATCHER_PORT: String(smtpPort),
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: testEnv.temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    RADIUS_START: '0',
    LOG_LEVEL: 'warn',
  });
  killOnTeardown(t, [running]);
  const apiUrl = `http://127.0.0.1:${port}`;
  await untilReady(running, apiUrl, 'the stack to be ready');
  t.regex(running.output(), new RegExp(`Temporal\\s+${testEnv.temporalAddress.replaceAll('.', '\\.')}, namespace default, task queue ${taskQueue} \\(TEMPORAL_ADDRESS\\)`));
  t.notRegex(running.output(), /Temporal UI/);
  t.regex(running.output(), /PostgreSQL\s+DATABASE_URL/);
  t.regex(running.output(), /RADIUS\s+\(RADIUS_START=0: FreeRADIUS runs elsewhere/);
  t.deepEqual(descendants(running.child.pid!), [], 'no child process: neither PostgreSQL, Temporal nor FreeRADIUS was started');
  const migrated = await query(databaseUrl, "select count(*)::int as n from information_schema.tables where table_name = 'member'");
  t.is(migrated.rows[0]!.n, 1, 'migrations were applied to DATABASE_URL');

  process.kill(-running.child.pid!, 'SIGINT');
  t.is(await running.exited, 0, running.output());
});

test('after npm start was killed hard, the next start stops its leftovers and runs', async (t) => {
  const { env, apiUrl } = await embeddedStackEnv('killed', { TEMPORAL_HEADLESS: '1' });
  const started: Running[] = [];
  killOnTeardown(t, started);

  const first = startStack(env);
  started.push(first);
  await untilReady(first, apiUrl, 'the first start to be ready');
  const orphans = descendants(first.child.pid!);
  first.child.kill('SIGKILL');
  await first.exited;
  t.true(orphans.some(isAlive), 'PostgreSQL and Temporal outlived the killed process');

  const second = startStack(env);
  started.push(second);
  await untilReady(second, apiUrl, 'the second start to be ready');
  t.regex(second.output(), /Stopped a Temporal dev server left running by an earlier start/);
  t.regex(second.output(), /Stopped a PostgreSQL left running by an earlier start/);
  await stopWithCtrlC(t, second);
  await waitFor('the first run\'s processes to be gone', () => orphans.every((pid) => !isAlive(pid)), { timeoutMs: 15_000 });
});

test('npm start refuses a port another program holds, naming it, before starting anything (another stack\'s Temporal on TEMPORAL_PORT)', async (t) => {
  const { env } = await embeddedStackEnv('port-taken', { TEMPORAL_HEADLESS: '1' });
  // Another program on the port the dev server would take: npm start used to serve against it.
  const squatter = net.createServer().listen(Number(env.TEMPORAL_PORT), '127.0.0.1');
  await once(squatter, 'listening');
  t.teardown(() => squatter.close());
  const running = startStack(env);
  killOnTeardown(t, [running]);
  t.is(await running.exited, 1, running.output());
  t.regex(running.output(), new RegExp(`port ${env.TEMPORAL_PORT} \\(the Temporal dev server\\) is already in use by another program.*set TEMPORAL_PORT`));
  t.notRegex(running.output(), /Starting PostgreSQL/, 'nothing was started');
});

test('a process that started the Temporal dev server and then dies of an uncaught error leaves no server behind', async (t) => {
  const dir = path.join(testEnv.workDir, `orphan-${process.pid}`);
  fs.mkdirSync(dir, { recursive: true });
  const dbFile = path.join(dir, 'temporal.sqlite');
  const port = await freePort();
  const script = `
    import { startTemporalServer } from ${JSON.stringify(path.join(projectRoot, 'services', 'temporal-server.ts'))};
    await startTemporalServer({ cliPath: ${JSON.stringify(testEnv.temporalCli ?? '')} || undefined, port: ${port}, headless: true, namespace: 'default', dbFile: ${JSON.stringify(dbFile)} });
    console.log('up');
    setTimeout(() => { throw new Error('an unexpected failure'); }, 10);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const server = await waitFor('the dev server\'s pid file', () => {
    try {
      return Number(fs.readFileSync(`${dbFile}.pid`, 'utf8').trim()) || undefined;
    } catch {
      return undefined;
    }
  }, { timeoutMs: 60_000 });
  t.teardown(() => { if (isAlive(server)) process.kill(server, 'SIGKILL'); });
  t.is(await exited, 1, output);
  t.regex(output, /up[\s\S]*an unexpected failure/);
  await waitFor('the orphaned dev server to be gone', () => !isAlive(server), { timeoutMs: 15_000 });
  t.pass();
});
