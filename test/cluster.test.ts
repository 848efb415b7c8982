// The production topology on the production Temporal server (run only where it is built; scripts/
// test.ts says so when it is not): `npm run cluster` itself, then the cluster fault drills — one of
// two workers SIGKILLed, one of two APIs SIGKILLed, the Temporal server killed and restarted,
// PostgreSQL restarted — each mid-wave, each with nothing lost and nothing done twice.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import test from 'ava';
import { projectRoot } from '../config/index.ts';
import { drillLine, drillPassed } from '../drills/lib.ts';
import { CLUSTER_DRILLS, DRILL_SIZES } from '../drills/suite.ts';
import { startProcessStack, type ProcessStack } from '../scripts/lib/process-stack.ts';
import { createTenant } from '../scripts/lib/tenant.ts';
import { waitFor } from '../scripts/lib/wait.ts';
import { testEnv } from './helpers/env.ts';
import { fileScope } from './helpers/scope.ts';

const scope = fileScope();

test.serial('npm run cluster starts the Temporal server, two workers and two APIs behind a balancer, and Ctrl-C stops them all', async (t) => {
  t.timeout(150_000);
  const dataDir = path.join(testEnv.workDir, `cluster-${randomUUID()}`);
  fs.mkdirSync(dataDir, { recursive: true });
  fs.chmodSync(dataDir, 0o755);
  const { server, sqlTool } = testEnv.temporalServer;
  const child = spawn(process.execPath, [path.join(projectRoot, 'scripts', 'cluster.ts')], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, TEMPORAL_SERVER_PATH: server, TEMPORAL_SQL_TOOL_PATH: sqlTool, WORKERS: '2', APIS: '2' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a failed test kills the whole cluster, not only its supervisor.
    detached: true,
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) readline.createInterface({ input: stream }).on('line', (line) => lines.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  t.teardown(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  });

  await waitFor('the cluster banner', () => lines.some((l) => l.startsWith('Create a first operator')) || (child.exitCode !== null ? Promise.reject(new Error(lines.join('\n'))) : false), { timeoutMs: 120_000, intervalMs: 100 });
  const banner = lines.join('\n');
  t.log(banner);
  const apiUrl = /API \(balancer\) (http:\/\/\S+)/.exec(banner)?.[1];
  const apiPids = /2 API processes \(pids (\d+), (\d+)\)/.exec(banner)?.slice(1).map(Number) ?? [];
  const workerPids = /Workers\s+2 \(pids (\d+), (\d+)\)/.exec(banner)?.slice(1).map(Number) ?? [];
  const temporalPid = Number(/server v[\d.]+, pid (\d+)/.exec(banner)?.[1]);
  t.truthy(apiUrl, banner);
  t.is(apiPids.length, 2);
  t.is(workerPids.length, 2);
  t.true(temporalPid > 0);
  // The balancer answers from either API, and the API is ready: its database and Temporal answer.
  for (let i = 0; i < 4; i++) {
    const ready = await fetch(`${apiUrl}/readyz`, { headers: { Connection: 'close' } });
    t.is(ready.status, 200, await ready.text());
  }
  const record = JSON.parse(fs.readFileSync(path.join(dataDir, 'stack.json'), 'utf8')) as { apiUrl: string; temporalAddress: string };
  t.is(record.apiUrl, apiUrl!, 'the other commands (org:create, door-sim) find the cluster as they find npm start');

  child.kill('SIGINT');
  t.is(await exited, 0, lines.slice(-5).join('\n'));
  t.true(lines.includes('Stopped.'));
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  t.deepEqual([...apiPids, ...workerPids, temporalPid].filter(alive), [], 'no process of the cluster is left running');
  t.false(fs.existsSync(path.join(dataDir, 'stack.json')));
});

let stack: Promise<ProcessStack> | undefined;
const sharedCluster = () =>
  (stack ??= startProcessStack({
    workDir: path.join(testEnv.workDir, `cluster-drills-${randomUUID()}`),
    temporalCluster: testEnv.temporalServer,
    workflowBundle: testEnv.workflowBundle,
    taskQueue: `cluster-drills-${randomUUID()}`,
    workers: 2,
    apis: 2,
  }).then((s) => {
    scope.teardown(() => s.stop());
    return s;
  }));

test.serial('npm run temporal:setup (what docker-compose runs) registers a namespace and the search attributes on the real server, and a second run changes nothing', async (t) => {
  t.timeout(120_000);
  const running = await sharedCluster();
  const namespace = `compose-${randomUUID().slice(0, 8)}`;
  const setup = () =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(projectRoot, 'scripts', 'temporal-setup.ts')], {
        cwd: projectRoot,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_ADDRESS: running.temporalAddress, TEMPORAL_NAMESPACE: namespace, DATABASE_URL: running.databaseUrl },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d));
      child.stderr.on('data', (d: Buffer) => (out += d));
      child.once('exit', (code) => resolve({ code, out }));
    });
  const first = await setup();
  t.is(first.code, 0, first.out);
  t.regex(first.out, new RegExp(`registered namespace ${namespace} \\(closed lifecycles kept 30 days\\)`));
  t.regex(first.out, /registered search attributes: MemberStatus, OrganizationId/);
  const described = await running.client.connection.workflowService.describeNamespace({ namespace });
  t.is(Number(described.config?.workflowExecutionRetentionTtl?.seconds), 30 * 86_400);
  const second = await setup();
  t.is(second.code, 0, second.out);
  t.notRegex(second.out, /registered namespace/);
  t.regex(second.out, /search attributes already registered/);
});

for (const [name, drill] of Object.entries(CLUSTER_DRILLS)) {
  test.serial(`cluster drill ${name}: nothing lost, nothing done twice`, async (t) => {
    t.timeout(180_000);
    const running = await sharedCluster();
    t.is(running.temporalKind, 'cluster');
    t.is(running.workers.length, 2);
    t.is(running.apis.length, 2);
    const outcome = await drill(running, () => createTenant(running), DRILL_SIZES.quick);
    t.log(drillLine(outcome));
    t.true(outcome.lifecycles > 0);
    t.deepEqual({ lost: outcome.lost, duplicated: outcome.duplicated, failed: outcome.failed }, { lost: 0, duplicated: 0, failed: [] });
    t.true(drillPassed(outcome));
  });
}
