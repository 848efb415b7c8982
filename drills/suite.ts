// The drills in the order they run, at the sizes `npm run drills` (full) and `npm test` (quick) use.
import type { ProcessStack } from '../scripts/lib/process-stack.ts';
import type { Tenant } from '../scripts/lib/tenant.ts';
import { databaseRestartDrill } from './database-restart.ts';
import { duplicatesDrill } from './duplicates.ts';
import type { DrillOutcome } from './lib.ts';
import { smtpOutageDrill } from './smtp-outage.ts';
import { workerKillDrill } from './worker-kill.ts';

export interface DrillSizes {
  members: number;
  smtpDownMs: number;
  databaseDownMs: number;
  timeoutMs: number;
}

export const DRILL_SIZES: Record<'full' | 'quick', DrillSizes> = {
  full: { members: 60, smtpDownMs: 60_000, databaseDownMs: 10_000, timeoutMs: 240_000 },
  quick: { members: 8, smtpDownMs: 4_000, databaseDownMs: 3_000, timeoutMs: 90_000 },
};

export const DRILLS = {
  'worker-killed': (stack: ProcessStack, tenant: Tenant, s: DrillSizes) => workerKillDrill(stack, tenant, { members: s.members, timeoutMs: s.timeoutMs }),
  'smtp-down': (stack: ProcessStack, tenant: Tenant, s: DrillSizes) => smtpOutageDrill(stack, tenant, { members: s.members, downMs: s.smtpDownMs, timeoutMs: s.timeoutMs }),
  'postgres-restarted': (stack: ProcessStack, tenant: Tenant, s: DrillSizes) => databaseRestartDrill(stack, tenant, { members: s.members, downMs: s.databaseDownMs, timeoutMs: s.timeoutMs }),
  duplicates: (stack: ProcessStack, tenant: Tenant, s: DrillSizes) => duplicatesDrill(stack, tenant, { members: s.members, timeoutMs: s.timeoutMs }),
};

/** Each drill (or those named) on its own organisation of the same stack. */
export async function* runDrills(stack: ProcessStack, newTenant: () => Promise<Tenant>, sizes: DrillSizes, only: string[] = []): AsyncGenerator<DrillOutcome> {
  for (const [name, drill] of Object.entries(DRILLS)) {
    if (only.length && !only.includes(name)) continue;
    yield await drill(stack, await newTenant(), sizes);
  }
}
