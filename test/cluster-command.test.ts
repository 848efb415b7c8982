// What `npm run cluster` is made of that needs no Temporal server: its process counts and the
// balancer in front of its APIs (the cluster itself is test/cluster.test.ts).
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import test from 'ava';
import { projectRoot } from '../config/index.ts';
import { startBalancer } from '../scripts/lib/balancer.ts';
import { freePort } from '../scripts/lib/ports.ts';

for (const [name, value] of [['WORKERS', '0'], ['APIS', 'two'], ['WORKERS', '1.5'], ['APIS', '17']] as const) {
  test(`npm run cluster refuses ${name}=${value}, naming the variable`, (t) => {
    const run = spawnSync(process.execPath, [path.join(projectRoot, 'scripts', 'cluster.ts')], { env: { PATH: process.env.PATH, HOME: process.env.HOME, [name]: value }, encoding: 'utf8', timeout: 30_000 });
    t.is(run.status, 1);
    t.regex(run.stderr, new RegExp(`${name} must be a whole number from 1 to 16, not "${value.replace('.', '\\.')}"`));
  });
}

async function backend(name: string) {
  const server = http.createServer((_req, res) => res.end(name));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const get = async (url: string) => {
  // A new connection each time (no keep-alive), as the balancer balances connections.
  const response = await fetch(url, { headers: { Connection: 'close' } });
  return response.text();
};

test('the balancer takes turns between the APIs and sends everything to the living one when the other is down', async (t) => {
  const a = await backend('a');
  const b = await backend('b');
  const dead = await freePort();
  const balancer = await startBalancer([a.port, b.port]);
  t.teardown(async () => {
    await balancer.close();
    await a.close();
    await b.close();
  });
  const answers = [];
  for (let i = 0; i < 6; i++) answers.push(await get(balancer.url));
  t.deepEqual(answers.sort(), ['a', 'a', 'a', 'b', 'b', 'b']);
  t.deepEqual(balancer.served, [3, 3]);

  const limping = await startBalancer([dead, a.port]);
  t.teardown(() => limping.close());
  const through = [];
  for (let i = 0; i < 4; i++) through.push(await get(limping.url));
  t.deepEqual(through, ['a', 'a', 'a', 'a'], 'a refused connection goes to the next API, never to the client');
  t.deepEqual(limping.served, [0, 4]);

  const none = await startBalancer([dead]);
  t.teardown(() => none.close());
  await t.throwsAsync(get(none.url), undefined, 'with no API alive the client sees its connection closed');
});
