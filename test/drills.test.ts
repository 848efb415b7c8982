// The short fault drills (`npm run drills` runs the long ones): the worker and the API as their own
// processes on this run's Temporal server, a PostgreSQL of their own (one drill restarts it) and
// an SMTP sink; each drill injects its fault and counts losses and duplicates.
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import test from 'ava';
import { drillLine, drillPassed } from '../drills/lib.ts';
import { DRILL_SIZES, DRILLS } from '../drills/suite.ts';
import { startProcessStack, type ProcessStack } from '../scripts/lib/process-stack.ts';
import { createTenant } from '../scripts/lib/tenant.ts';
import { testEnv } from './helpers/env.ts';
import { fileScope } from './helpers/scope.ts';

const scope = fileScope();
let stack: Promise<ProcessStack> | undefined;
const sharedStack = () =>
  (stack ??= startProcessStack({
    workDir: path.join(testEnv.workDir, `drills-${randomUUID()}`),
    temporalAddress: testEnv.temporalAddress,
    workflowBundle: testEnv.workflowBundle,
    taskQueue: `drills-${randomUUID()}`,
  }).then((s) => {
    scope.teardown(() => s.stop());
    return s;
  }));

for (const [name, drill] of Object.entries(DRILLS)) {
  test.serial(`drill ${name}: nothing lost, nothing done twice`, async (t) => {
    t.timeout(180_000);
    const running = await sharedStack();
    const outcome = await drill(running, () => createTenant(running), DRILL_SIZES.quick);
    t.log(drillLine(outcome));
    t.true(outcome.lifecycles > 0);
    t.deepEqual({ lost: outcome.lost, duplicated: outcome.duplicated, failed: outcome.failed }, { lost: 0, duplicated: 0, failed: [] });
    t.true(drillPassed(outcome));
  });
}
