// Replays the committed histories under test/histories/ against today's workflow code: a change
// that would make running members' workflows non-deterministic fails here. Refresh them with
// `RECORD_HISTORIES=test/histories npm test -- test/member-lifecycle.test.ts test/member-lifecycle-timers.test.ts`
// or export one from a server with `npm run history:export -- member-<id>`.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { projectRoot } from '../config/index.ts';
import { testEnv } from './helpers/env.ts';
import { TEST_DATA_CONVERTER } from './helpers/temporal.ts';

const dir = path.join(projectRoot, 'test', 'histories');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

test('the committed histories cover the lifecycle’s branches and webhook delivery', (t) => {
  for (const name of ['qr-enrollment', 'door-enrollment-with-rejections', 'removed-while-active', 'invitation-reminders-then-expiry', 'continued-as-new-first-run', 'qr-enrollment-lifecycle-mutex', 'door-enrollment-with-rejections-lifecycle-mutex', 'updates-queued-behind-a-held-step', 'removal-interrupts-a-stuck-step', 'company-offboarding-completed', 'company-offboarding-cancelled', 'removed-by-company-offboarding', 'scheduled-first-run', 'scheduled-wifi-before-start-first-run', 'scheduled-wifi-before-start-ended', 'wifi-before-start-started-removed', 'webhook-relay', 'webhook-stream-retries', 'webhook-stream-disabled', 'webhook-stream-down-up', 'webhook-test-delivery', 'day-pass-removed-after-last-date', 'no-card-member-active', 'visit-expired', 'visit-reminded-then-arrived', 'visit-cancelled', 'visit-walk-in-unanswered', 'visit-walk-in-approved', 'purge-before-visitors', 'purge-with-visitors', 'purge-per-operator', 'purge-pseudonymised', 'sign-up-expired', 'sign-up-approved-then-active', 'card-lost-then-registered']) {
    t.true(files.includes(`${name}.json`), `${name}.json is committed`);
  }
});

test('every committed history replays deterministically on the current workflow code', async (t) => {
  const histories = files.map((file) => ({
    workflowId: file.replace(/\.json$/, ''),
    history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'))),
  }));
  // Histories recorded since payloads are encrypted need the tests' key; older ones pass through.
  const results = Worker.runReplayHistories({ workflowBundle: { codePath: testEnv.workflowBundle }, dataConverter: TEST_DATA_CONVERTER }, histories);
  let replayed = 0;
  for await (const result of results) {
    t.is(result.error, undefined, `${result.workflowId}: ${String(result.error)}`);
    replayed++;
  }
  t.is(replayed, files.length);
});
