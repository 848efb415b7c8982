// `npm run cluster`: the production topology as processes on this machine, the one docker-compose
// describes: PostgreSQL holding the app's database and Temporal's two, the production Temporal
// server (found or built from the Go module proxy), WORKERS workers and APIS API processes behind a
// small balancer, and an SMTP sink. Data under <DATA_DIR>/cluster; Ctrl-C stops everything.
import fs from 'node:fs';
import path from 'node:path';
import { resolveSecretKey } from '../services/secret-key.ts';
import { buildTemporalServer, findTemporalServer, TEMPORAL_SERVER_VERSION } from '../services/temporal-cluster.ts';
import { CommandError, loadConfigOrExit, runMain } from '../lib/cli.ts';
import { startProcessStack } from './lib/process-stack.ts';
import { runningStack, writeStackRecord } from './lib/stack-file.ts';
import { stopOnSignals } from './lib/shutdown.ts';
import { waitFor } from './lib/wait.ts';

const usage = `usage: npm run cluster            (WORKERS=2 APIS=2 by default)
Runs the production Temporal server v${TEMPORAL_SERVER_VERSION} on PostgreSQL with several workers and API processes behind a balancer.
The server is TEMPORAL_SERVER_PATH (its sql tool beside it or TEMPORAL_SQL_TOOL_PATH), else the cached build, else it is built with Go (~18 min the first time).
npm run cluster -- --build   only finds or builds the server, then exits.`;

/** A small whole number from the environment, or the default; a bad value is named. */
function processCount(env: NodeJS.ProcessEnv, name: 'WORKERS' | 'APIS', fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new CommandError(`${name} must be a whole number from 1 to 16, not ${JSON.stringify(raw)}`);
  return n;
}

runMain(async () => {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const workers = processCount(process.env, 'WORKERS', 2);
  const apis = processCount(process.env, 'APIS', 2);
  const tools = findTemporalServer() ?? (await buildTemporalServer((line) => say(`• ${line}`)));
  say(`• Temporal server: ${tools.server} (${tools.source})`);
  if (process.argv.includes('--build')) return;

  const config = loadConfigOrExit();
  const already = runningStack(config.dataDir);
  if (already) throw new CommandError(`a stack is already running from ${config.dataDir} (pid ${already.pid}, ${already.apiUrl}): stop it first, or set DATA_DIR for a second one`);
  const workDir = path.join(config.dataDir, 'cluster');
  fs.mkdirSync(workDir, { recursive: true });
  // Ctrl-C while it starts: let the start finish (it stops what it started if it fails), then stop.
  let interrupted: string | undefined;
  const early = (signal: string) => {
    interrupted = signal;
    say(`\n${signal}: stopping once started …`);
  };
  process.once('SIGINT', early);
  process.once('SIGTERM', early);
  const stack = await startProcessStack({
    workDir,
    databaseUrl: config.database.url,
    temporalCluster: tools,
    taskQueue: config.temporal.taskQueue,
    workers,
    apis,
    env: { SECRET_KEY: resolveSecretKey(config), LOG_LEVEL: config.logLevel === 'debug' ? 'debug' : 'warn' },
    log: (line) => say(`• ${line}`),
  });
  // Ready, not just up: the workers' polls reach the server's matching service a moment after they
  // start, and /readyz says "no worker polls" until then. Each API answers in turn through the balancer.
  await waitFor(
    'every API to be ready',
    async () => {
      for (let i = 0; i < stack.apis.length * 2; i++) if (!(await fetch(`${stack.apiUrl}/readyz`, { headers: { Connection: 'close' } })).ok) return false;
      return true;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  writeStackRecord(config.dataDir, {
    pid: process.pid,
    apiUrl: stack.apiUrl,
    databaseUrl: config.database.url ? null : stack.databaseUrl,
    temporalAddress: stack.temporalAddress,
    temporalNamespace: 'default',
    temporalUiUrl: null,
    smtpUrl: stack.smtp.url,
    startedAt: new Date().toISOString(),
  });
  say('');
  say('Member onboarding is running on a Temporal cluster:');
  say(`  API (balancer) ${stack.apiUrl}  → ${stack.apis.length} API processes (pids ${stack.apis.map((a) => a.pid).join(', ')})`);
  say(`  Workers        ${stack.workers.length} (pids ${stack.workers.map((w) => w.pid).join(', ')}), task queue ${stack.taskQueue}`);
  say(`  Temporal       ${stack.temporalAddress}, namespace default (server v${TEMPORAL_SERVER_VERSION}, pid ${stack.temporalServer?.pid}; databases temporal and temporal_visibility)`);
  say(`  PostgreSQL     ${config.database.url ? 'DATABASE_URL' : stack.databaseUrl.replace(/:[^:@/]+@/, ':…@')}`);
  say(`  SMTP sink      ${stack.smtp.url} (each e-mail is listed below)`);
  say(`  Logs           ${workDir}/*.log`);
  say('Create a first operator with `npm run org:create`. Press Ctrl-C to stop.');

  let listed = 0;
  const mail = setInterval(() => {
    for (; listed < stack.smtp.deliveries.length; listed++) {
      const delivery = stack.smtp.deliveries[listed]!;
      say(`  ✉ ${delivery.to.join(', ')}: ${delivery.subject}`);
    }
  }, 500);

  process.off('SIGINT', early);
  process.off('SIGTERM', early);
  const shutdown = stopOnSignals({ dataDir: config.dataDir, stop: () => stack.stop(), say, beforeStop: () => clearInterval(mail) });
  if (interrupted) shutdown(interrupted);
}, usage);
