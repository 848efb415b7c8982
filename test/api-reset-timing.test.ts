// "Forgot my password" must not tell which addresses have an account — not by its body, and not
// by how long it takes. Its own app, so its requests have the per-address budget to themselves.
import test from 'ava';
import { apiWorld, tag, waitForMail, type ApiWorld } from './helpers/api.ts';
import { fileScope } from './helpers/scope.ts';
import { median } from './helpers/timing.ts';

const scope = fileScope();
let world: ApiWorld;
test.before(async () => {
  world = await apiWorld(scope);
});

test('a password reset takes as long for an address with an account as for one without', async (t) => {
  const { api } = world;
  const members = [];
  // 9 + 9 requests: within the 20 per client address and quarter-hour the API allows.
  for (let i = 0; i < 9; i++) members.push(await world.member());
  const timed = async (email: string) => {
    const started = performance.now();
    const reply = await api.post('/v1/auth/password-reset', { email });
    t.is(reply.status, 202);
    return performance.now() - started;
  };
  // Each pair is sent at the same moment, so whatever else the machine is doing (the test file
  // running beside this one, the background work of earlier requests) weighs on both alike; the
  // median of the pairs' differences then shows what the address alone changes.
  const differences: number[] = [];
  const all: number[] = [];
  for (const m of members) {
    const [k, u] = await Promise.all([timed(m.email), timed(`ghost-${tag()}@acme.test`)]);
    differences.push(k - u);
    all.push(k, u);
  }
  const [gap, typical] = [median(differences), median(all)];
  t.log(`median difference ${gap.toFixed(1)} ms (with an account minus without); median answer ${typical.toFixed(1)} ms`);
  // Before the work moved off the request the gap was ~65 ms on a ~40 ms typical answer.
  t.true(Math.abs(gap) < Math.max(15, 0.35 * typical), `the address changes the answer by ${gap.toFixed(1)} ms (typical ${typical.toFixed(1)} ms)`);
  // And the codes still arrive.
  await waitForMail(members[0]!.email, /reset|réinitialisation/i);
});
