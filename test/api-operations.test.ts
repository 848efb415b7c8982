import test from 'ava';
import { Validator } from '@seriousme/openapi-schema-validator';
import { migratedOrm } from './helpers/database.ts';
import { startApi } from './helpers/app.ts';
import { startWorker, uniqueTaskQueue } from './helpers/temporal.ts';
import { waitFor } from './helpers/wait.ts';

test('/readyz names each check and turns 200 once a worker polls the task queue', async (t) => {
  const { orm } = await migratedOrm(t);
  const taskQueue = uniqueTaskQueue();
  const { url } = await startApi(t, { orm, taskQueue });

  const live = await fetch(`${url}/healthz`);
  t.is(live.status, 200);
  t.deepEqual(await live.json(), { status: 'ok' });

  const notReady = await fetch(`${url}/readyz`);
  t.is(notReady.status, 503);
  const body = (await notReady.json()) as { status: string; checks: Record<string, { status: string; detail?: string }> };
  t.is(body.status, 'not_ready');
  t.is(body.checks.database!.status, 'ok');
  t.is(body.checks.temporal!.status, 'ok');
  t.is(body.checks.worker!.status, 'failing');
  t.regex(body.checks.worker!.detail!, new RegExp(taskQueue));

  await startWorker(t, { orm, taskQueue });
  const ready = await waitFor('readyz to report ready', async () => {
    const response = await fetch(`${url}/readyz`);
    return response.status === 200 ? ((await response.json()) as typeof body) : undefined;
  });
  t.is(ready.status, 'ready');
  t.deepEqual(Object.keys(ready.checks).sort(), ['database', 'temporal', 'worker']);
  t.true(Object.values(ready.checks).every((c) => c.status === 'ok'));
});

test('/openapi.json is a valid OpenAPI 3.1 document listing the routes', async (t) => {
  const { orm } = await migratedOrm(t);
  const { url } = await startApi(t, { orm, taskQueue: uniqueTaskQueue() });
  const response = await fetch(`${url}/openapi.json`);
  t.is(response.status, 200);
  const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
  t.is(document.openapi, '3.1.0');
  const result = await new Validator().validate(document as never);
  t.true(result.valid, JSON.stringify(result.errors));
  t.truthy(document.paths['/healthz']);
  t.truthy(document.paths['/readyz']);
});

test('unknown routes and wrong methods answer problem+json, never HTML or a stack', async (t) => {
  const { orm } = await migratedOrm(t);
  const { url } = await startApi(t, { orm, taskQueue: uniqueTaskQueue() });

  const missing = await fetch(`${url}/v1/nothing-here`);
  t.is(missing.status, 404);
  t.regex(missing.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const problem = (await missing.json()) as Record<string, unknown>;
  t.is(problem.type, 'https://onboarding.example/problems/not-found');
  t.is(problem.status, 404);
  t.truthy(problem.requestId);

  const wrongMethod = await fetch(`${url}/readyz`, { method: 'DELETE' });
  t.is(wrongMethod.status, 405);
  t.is(((await wrongMethod.json()) as Record<string, unknown>).type, 'https://onboarding.example/problems/method-not-allowed');
});

test('/metrics speaks Prometheus and counts requests by route', async (t) => {
  const { orm } = await migratedOrm(t);
  const { url } = await startApi(t, { orm, taskQueue: uniqueTaskQueue() });
  await fetch(`${url}/healthz`);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  t.regex(metrics, /^# TYPE http_requests_total counter$/m);
  t.regex(metrics, /http_requests_total\{method="GET",route="\/healthz",status="200"\} 1/);
});
