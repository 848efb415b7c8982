import { spawnSync } from 'node:child_process';
import path from 'node:path';
import test from 'ava';
import { projectRoot } from '../config/index.ts';
import { testEnv } from './helpers/env.ts';
import { temporalClient } from './helpers/temporal.ts';

test('the dev server started by the project has the lifecycle search attributes, and temporal:setup is idempotent', async (t) => {
  const client = await temporalClient(t);
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace: 'default' });
  // 2 = INDEXED_VALUE_TYPE_KEYWORD
  t.is(customAttributes.MemberStatus, 2);
  t.is(customAttributes.OrganizationId, 2);

  const result = spawnSync(process.execPath, [path.join(projectRoot, 'scripts', 'temporal-setup.ts')], {
    env: { PATH: process.env.PATH, TEMPORAL_ADDRESS: testEnv.temporalAddress },
    encoding: 'utf8',
    timeout: 60_000,
  });
  t.is(result.status, 0, result.stderr);
  t.regex(result.stdout, /search attributes already registered/);
});
