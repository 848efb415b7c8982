// The drills in the order they run, at the sizes `npm run drills` (full) and `npm test` (quick) use.
import type { ProcessStack } from '../scripts/lib/process-stack.ts';
import type { Tenant } from '../scripts/lib/tenant.ts';
import { databaseRestartDrill } from './database-restart.ts';
import { duplicatesDrill } from './duplicates.ts';
import type { DrillOutcome } from './lib.ts';
import { smtpOutageDrill } from './smtp-outage.ts';
import { workerKillDrill } from './worker-kill.ts';
import { companyOffboardingDrill } from './company-offboarding.ts';
import { webhooksDrill } from './webhooks.ts';
import { apiKillDrill, temporalRestartDrill } from './cluster.ts';

export interface DrillSizes {
  members: number;
  smtpDownMs: number;
  databaseDownMs: number;
  /** How long the Temporal server stays down in the cluster drill. */
  temporalDownMs: number;
  timeoutMs: number;
  /** The company offboarded while the worker is killed, and how long ahead it is scheduled. */
  companyMembers: number;
  offboardingLeadMs: number;
}

export const DRILL_SIZES: Record<'full' | 'quick', DrillSizes> = {
  full: { members: 60, smtpDownMs: 60_000, databaseDownMs: 10_000, temporalDownMs: 10_000, timeoutMs: 240_000, companyMembers: 50, offboardingLeadMs: 30_000 },
  quick: { members: 8, smtpDownMs: 4_000, databaseDownMs: 3_000, temporalDownMs: 3_000, timeoutMs: 90_000, companyMembers: 6, offboardingLeadMs: 3_000 },
};

type NewTenant = () => Promise<Tenant>;

export const DRILLS = {
  'worker-killed': async (stack: ProcessStack, newTenant: NewTenant, s: DrillSizes) => workerKillDrill(stack, await newTenant(), { members: s.members, timeoutMs: s.timeoutMs }),
  'smtp-down': async (stack: ProcessStack, newTenant: NewTenant, s: DrillSizes) => smtpOutageDrill(stack, await newTenant(), { members: s.members, downMs: s.smtpDownMs, timeoutMs: s.timeoutMs }),
  'postgres-restarted': async (stack: ProcessStack, newTenant: NewTenant, s: DrillSizes) => databaseRestartDrill(stack, await newTenant(), { members: s.members, downMs: s.databaseDownMs, timeoutMs: s.timeoutMs }),
  duplicates: async (stack: ProcessStack, newTenant: NewTenant, s: DrillSizes) => duplicatesDrill(stack, await newTenant(), { members: s.members, timeoutMs: s.timeoutMs }),
  'webhooks-worker-killed': async (stack: ProcessStack, newTenant: NewTenant, s: DrillSizes) => webhooksDrill(stack, await newTenant(), { members: s.members, timeoutMs: s.timeoutMs }),
  'company-offboarding': (stack: ProcessStack, newTenant: NewTenant, s: DrillSizes) => companyOffboardingDrill(stack, newTenant, { members: s.companyMembers, leadMs: s.offboardingLeadMs, timeoutMs: s.timeoutMs }),
};

type Drill = (stack: ProcessStack, newTenant: NewTenant, s: DrillSizes) => Promise<DrillOutcome>;

/**
 * On the production Temporal server with two workers and two APIs behind the balancer
 * (`npm run drills -- --cluster`): what a cluster adds to the faults above.
 */
export const CLUSTER_DRILLS: Record<string, Drill> = {
  'worker-killed': DRILLS['worker-killed'],
  'api-killed': async (stack, newTenant, s) => apiKillDrill(stack, await newTenant(), { members: s.members, timeoutMs: s.timeoutMs }),
  'temporal-restarted': async (stack, newTenant, s) => temporalRestartDrill(stack, await newTenant(), { members: s.members, downMs: s.temporalDownMs, timeoutMs: s.timeoutMs }),
  'postgres-restarted': DRILLS['postgres-restarted'],
};

/** Each drill (or those named) on companies of its own, on the same stack. */
export async function* runDrills(stack: ProcessStack, newTenant: NewTenant, sizes: DrillSizes, only: string[] = [], drills: Record<string, Drill> = DRILLS): AsyncGenerator<DrillOutcome> {
  for (const [name, drill] of Object.entries(drills)) {
    if (only.length && !only.includes(name)) continue;
    yield await drill(stack, newTenant, sizes);
  }
}
