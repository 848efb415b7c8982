// The sign-in limits: the delay's schedule as a pure function, the delay on a store of the process's
// memory, and one count shared by two API processes through PostgreSQL.
import { spawn } from 'node:child_process';
import path from 'node:path';
import test from 'ava';
import { projectRoot } from '../config/index.ts';
import { delayAfter, growingDelay } from '../http/rate-limit.ts';
import { freePort } from '../scripts/lib/ports.ts';
import { migratedOrm } from './helpers/database.ts';
import { testEnv } from './helpers/env.ts';
import { uniqueTaskQueue } from './helpers/temporal.ts';
import { waitFor } from './helpers/wait.ts';

test('the delay: free tries, then 1 s, 2 s, 4 s … capped', (t) => {
  const options = { free: 5, firstDelayMs: 1000, maxDelayMs: 8000 };
  t.deepEqual([1, 5, 6, 7, 8, 9, 10, 30].map((n) => delayAfter(n, options)), [0, 0, 1000, 2000, 4000, 8000, 8000, 8000]);
});

const retryAfter = async (check: () => Promise<void>) => {
  try {
    await check();
    return undefined;
  } catch (error) {
    return Number((error as { headers?: Record<string, string> }).headers?.['Retry-After']);
  }
};

test('growing delay: refused while it lasts, per key; a success clears it', async (t) => {
  const delay = growingDelay('memory', { name: 'sign-in', free: 2, firstDelayMs: 300, maxDelayMs: 60_000 });
  for (let i = 0; i < 2; i++) {
    t.is(await retryAfter(() => delay.check('a')), undefined);
    await delay.failed('a');
  }
  t.is(await retryAfter(() => delay.check('a')), undefined, 'the free tries cost nothing');
  await delay.failed('a');
  t.is(await retryAfter(() => delay.check('a')), 1, 'the third wrong try waits (300 ms, said as 1 s)');
  t.is(await retryAfter(() => delay.check('b')), undefined, 'another account or address is not slowed');
  await waitFor('the first delay to pass', async () => (await retryAfter(() => delay.check('a'))) === undefined, { timeoutMs: 5000, intervalMs: 50 });
  await delay.failed('a');
  t.is(await retryAfter(() => delay.check('a')), 1, 'the next one waits twice as long');
  await delay.succeeded('a');
  t.is(await retryAfter(() => delay.check('a')), undefined, 'a right password clears the wait');
  await delay.failed('a');
  t.is(await retryAfter(() => delay.check('a')), undefined, '… and starts the count again');
});

test('two API processes share one sign-in limit: wrong passwords through either count once', async (t) => {
  const { url } = await migratedOrm(t);
  const ports = [await freePort(), await freePort()];
  const taskQueue = uniqueTaskQueue();
  const apis = ports.map((port) => {
    const env = {
      PATH: process.env.PATH, DATABASE_URL: url, TEMPORAL_ADDRESS: testEnv.temporalAddress, TEMPORAL_TASK_QUEUE: taskQueue, PORT: String(port),
      LOG_LEVEL: 'warn', SMTP_URL: testEnv.smtpUrl, SECRET_KEY: 'a-deployment-secret-key-of-48-characters-long!!',
    };
    const child = spawn(process.execPath, [path.join(projectRoot, 'server', 'main.ts')], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return { child, url: `http://127.0.0.1:${port}`, stderr: () => stderr };
  });
  t.teardown(() => {
    for (const api of apis) if (api.child.exitCode === null) api.child.kill('SIGKILL');
  });
  for (const api of apis) {
    await waitFor(`the API on ${api.url} to listen`, async () => {
      if (api.child.exitCode !== null) throw new Error(`the API exited: ${api.stderr()}`);
      return (await fetch(`${api.url}/healthz`).catch(() => undefined))?.ok === true;
    }, { timeoutMs: 60_000, intervalMs: 200 });
  }

  const login = (api: (typeof apis)[number]) =>
    fetch(`${api.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'guessed@acme.test', password: 'not-the-password' }) });
  // Five free wrong tries, through the two processes in turn: alone, each would have seen two or three.
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await login(apis[i % 2]!)).status);
  t.deepEqual(statuses, [401, 401, 401, 401, 401, 401], 'six wrong tries are answered');
  for (const api of apis) {
    const refused = await login(api);
    t.is(refused.status, 429, `the next try waits, through ${api.url}`);
    t.truthy(refused.headers.get('retry-after'));
  }
});
