// npm run drills: each fault injected into a running system (worker and API as their own
// processes, PostgreSQL, Temporal, an SMTP sink), then checked from the database, the sink and
// Temporal. One line per drill; exits 1 on any loss, duplicate or unexpected answer.
// DRILLS_QUICK=1: the short versions `npm test` runs. Uses TEMPORAL_ADDRESS when set; always its
// own embedded PostgreSQL, since one drill restarts it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../config/index.ts';
import { startProcessStack } from '../scripts/lib/process-stack.ts';
import { createTenant } from '../scripts/lib/tenant.ts';
import { buildTemporalServer, findTemporalServer } from '../services/temporal-cluster.ts';
import { runDrills, CLUSTER_DRILLS, DRILL_SIZES } from './suite.ts';
import { drillLine, drillPassed } from './lib.ts';

if (process.argv.slice(2).some((a) => a === '--help' || a === '-h')) {
  process.stdout.write('usage: npm run drills [-- --cluster] [drill …]\nInjects each fault (worker SIGKILL, SMTP down, PostgreSQL restart, duplicates, webhooks through a worker SIGKILL, a company offboarding) into a running system and checks nothing was lost or duplicated; DRILLS_QUICK=1 for the short versions. Exits 1 on any loss.\n--cluster: on the production Temporal server (npm run cluster finds or builds it) with 2 workers and 2 APIs behind a balancer: one worker SIGKILLed, one API SIGKILLed, the Temporal server killed and restarted, PostgreSQL restarted.\n');
  process.exit(0);
}
const quick = process.env.DRILLS_QUICK === '1';
const cluster = process.argv.includes('--cluster');
const only = process.argv.slice(2).filter((a) => a !== '--cluster');
const say = (line: string) => process.stdout.write(`${line}\n`);
const tools = cluster ? (findTemporalServer() ?? (await buildTemporalServer((line) => say(`# ${line}`)))) : undefined;
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onboarding-drills-'));
fs.chmodSync(workDir, 0o755);
say(
  cluster
    ? `# starting PostgreSQL, the Temporal server (${tools!.source}), an SMTP sink, 2 workers and 2 APIs behind a balancer …`
    : '# starting PostgreSQL, Temporal, an SMTP sink, the worker and the API as separate processes …',
);
const stack = await startProcessStack({
  workDir: path.join(workDir, 'stack'),
  temporalAddress: cluster ? undefined : process.env.TEMPORAL_ADDRESS || undefined,
  temporalCluster: tools,
  workers: cluster ? 2 : 1,
  apis: cluster ? 2 : 1,
  taskQueue: `drills-${Date.now()}`,
  log: (line) => say(`# ${line}`),
});
// Ctrl-C or a kill: stop what the run started (the Temporal server and PostgreSQL would live on).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stack.stop().finally(() => process.exit(130)));
let failed = 0;
try {
  for await (const outcome of runDrills(stack, () => createTenant(stack), quick ? DRILL_SIZES.quick : DRILL_SIZES.full, only, cluster ? CLUSTER_DRILLS : undefined)) {
    say(drillLine(outcome));
    if (!drillPassed(outcome)) failed++;
  }
} finally {
  await stack.stop();
  // The servers' logs outlive the run, for what a drill line does not say.
  const logs = path.join(projectRoot, '.data', cluster ? 'drills-cluster' : 'drills', 'logs');
  fs.rmSync(logs, { recursive: true, force: true });
  fs.mkdirSync(logs, { recursive: true });
  for (const file of fs.readdirSync(path.join(workDir, 'stack')).filter((f) => f.endsWith('.log'))) fs.copyFileSync(path.join(workDir, 'stack', file), path.join(logs, file));
  fs.rmSync(workDir, { recursive: true, force: true });
}
say(failed ? `${failed} drill(s) failed` : 'every drill passed');
process.exit(failed ? 1 : 0);
