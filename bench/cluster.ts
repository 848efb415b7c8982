// `npm run bench -- --cluster`: the onboarding and door scenarios on the Temporal dev server with
// one worker, then on the production Temporal server (PostgreSQL) with one worker and with two, in
// one table. Beside each: where the 2 cores went (the machine's busy share during the import, and
// each process's CPU seconds), which says whether a second worker can help here.
import fs from 'node:fs';
import type { ProcessStack } from '../scripts/lib/process-stack.ts';
import { processCpuSeconds } from '../services/process-stats.ts';
import type { Tenant } from '../scripts/lib/tenant.ts';
import { round, type ScenarioOutcome } from './lib.ts';
import { onboarding } from './onboarding.ts';
import { door, membersAtTheDoor } from './door.ts';

export interface Topology {
  /** Scenario suffix: `dev server ×1`, `cluster ×1`, `cluster ×2`. */
  label: string;
  cluster: boolean;
  workers: number;
}

export const TOPOLOGIES: Topology[] = [
  { label: 'dev server ×1', cluster: false, workers: 1 },
  { label: 'cluster ×1', cluster: true, workers: 1 },
  { label: 'cluster ×2', cluster: true, workers: 2 },
];

/** Busy and total jiffies of the whole machine, from /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const [, ...fields] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const values = fields.map(Number);
  const idle = values[3]! + (values[4] ?? 0);
  const total = values.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Where the CPU went while `run` ran: the machine's busy share and each part's CPU seconds. */
async function measuringCpu<T>(stack: ProcessStack, run: () => Promise<T>) {
  const parts = () => ({
    workers: stack.workers.reduce((sum, w) => sum + w.cpuSeconds(), 0),
    api: stack.apis.reduce((sum, a) => sum + a.cpuSeconds(), 0),
    temporal: processCpuSeconds(stack.temporalServer?.pid),
    bench: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
  });
  const machineBefore = machineTicks();
  const before = parts();
  const result = await run();
  const machineAfter = machineTicks();
  const after = parts();
  return {
    result,
    busyShare: (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total),
    /** CPU seconds of every process on the machine (jiffies of 1/100 s, summed over the cores). */
    machineSeconds: (machineAfter.busy - machineBefore.busy) / 100,
    cpu: Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as keyof typeof before]])) as ReturnType<typeof parts>,
  };
}

export async function onboardingOnTopology(stack: ProcessStack, tenant: Tenant, topology: Topology, options: { members: number; doorRequests: number; doorRate: number }): Promise<ScenarioOutcome> {
  const measured = await measuringCpu(stack, () => onboarding(stack, tenant, options.members));
  const onboarded = measured.result;
  const count = Math.min(options.doorRequests, onboarded.emails.length);
  const waiting = await membersAtTheDoor(tenant, onboarded.emails.slice(0, count));
  const atTheDoor = await door(stack, tenant, waiting, options.doorRate);
  const perThousand = (seconds: number) => (seconds / options.members) * 1000;
  const { cpu } = measured;
  // What the named parts do not account for: PostgreSQL (the app's and, on the cluster, Temporal's
  // persistence) and, on the dev server, the dev server itself.
  const rest = Math.max(0, measured.machineSeconds - cpu.workers - cpu.api - cpu.temporal - cpu.bench);
  return {
    json: {
      topology: topology.label,
      onboarding: onboarded.json,
      door: atTheDoor.json,
      machine_busy_share: round(measured.busyShare, 3),
      rss_mib: {
        workers: stack.workers.map((w) => round(w.rss() / 2 ** 20)),
        apis: stack.apis.map((a) => round(a.rss() / 2 ** 20)),
        temporal_server: stack.temporalServer ? round(stack.temporalServer.rss() / 2 ** 20) : null,
      },
      cpu_seconds: { ...Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, round(v)])), rest: round(rest), machine: round(measured.machineSeconds) },
    },
    rows: [
      ...onboarded.rows,
      { name: `machine CPU busy during the import and its floor (${stack.workers.length} worker${stack.workers.length > 1 ? 's' : ''})`, value: measured.busyShare * 100, unit: '%' },
      {
        name: `CPU s per 1,000 members: workers ${round(perThousand(cpu.workers), 1)}, API ${round(perThousand(cpu.api), 1)}${stack.temporalServer ? `, Temporal server ${round(perThousand(cpu.temporal), 1)}, PostgreSQL and the rest` : ', the dev server, PostgreSQL and the rest'} ${round(perThousand(rest), 1)}, load generator ${round(perThousand(cpu.bench), 1)}`,
        value: perThousand(measured.machineSeconds),
        unit: 's',
      },
      ...atTheDoor.rows,
    ],
  };
}
