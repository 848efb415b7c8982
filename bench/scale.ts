// Many open lifecycles (members invited, waiting on their reminder timers): the worker's memory
// must stay bounded by its workflow cache, not grow with the number of members, and the admin's
// member list must stay fast. Runs on a stack of its own, with a cache smaller than 1,000 so that
// both sizes overflow it.
import { startProcessStack, type ProcessStack } from '../scripts/lib/process-stack.ts';
import { createTenant, type Tenant } from '../scripts/lib/tenant.ts';
import { percentile, round, type BenchResult, type ScenarioOutcome } from './lib.ts';
import { importAndDeliver } from './onboarding.ts';

const CACHE = 500;
const SIZES = [1000, 10_000];
const LIST_CALLS = 200;
const GOAL_LIST_P99_MS = 100;
const GOAL_RSS_GROWTH = 1.25;

async function listP99(tenant: Tenant): Promise<number> {
  const latencies: number[] = [];
  const paths = ['/v1/members', '/v1/members?status=invited', '/v1/members?q=scale-9', '/v1/members?limit=100'];
  for (let i = 0; i < LIST_CALLS; i++) {
    const started = performance.now();
    const reply = await tenant.call('GET', paths[i % paths.length]!);
    if (reply.status !== 200) throw new Error(`GET members: ${reply.status}`);
    latencies.push(performance.now() - started);
  }
  return percentile(latencies, 99);
}

async function importInChunks(stack: ProcessStack, tenant: Tenant, count: number, offset: number) {
  for (let done = 0; done < count; done += 5000) await importAndDeliver(stack, tenant, Math.min(5000, count - done), `scale-${offset + done}`);
}

export async function scale(workDir: string, log: (line: string) => void): Promise<ScenarioOutcome> {
  const stack = await startProcessStack({
    workDir,
    databaseUrl: process.env.DATABASE_URL || undefined,
    temporalAddress: process.env.TEMPORAL_ADDRESS || undefined,
    taskQueue: `bench-scale-${Date.now()}`,
    env: { WORKER_MAX_CACHED_WORKFLOWS: String(CACHE) },
    log,
  });
  try {
    const tenant = await createTenant(stack);
    const json: Record<string, unknown> = { worker_max_cached_workflows: CACHE };
    const rows: BenchResult[] = [];
    let open = 0;
    let firstRss = 0;
    for (const size of SIZES) {
      log(`scale: inviting members up to ${size} open lifecycles …`);
      await importInChunks(stack, tenant, size - open, open);
      open = size;
      const rss = stack.worker.rss();
      firstRss ||= rss;
      const p99 = await listP99(tenant);
      json[`open_${size}`] = { worker_rss_mb: round(rss / 2 ** 20, 1), list_p99_ms: round(p99) };
      rows.push({ name: `worker RSS with ${size.toLocaleString('en')} open lifecycles (cache ${CACHE})`, value: rss / 2 ** 20, unit: 'MiB' });
      rows.push({ name: `GET /v1/members p99 with ${size.toLocaleString('en')} members (${LIST_CALLS} calls: list, filter, search)`, value: p99, unit: 'ms', goal: { max: GOAL_LIST_P99_MS } });
    }
    rows.push({ name: `worker RSS growth from ${SIZES[0]!.toLocaleString('en')} to ${SIZES.at(-1)!.toLocaleString('en')} open lifecycles`, value: stack.worker.rss() / firstRss, unit: '×', goal: { max: GOAL_RSS_GROWTH } });
    return { json, rows };
  } finally {
    await stack.stop();
  }
}
