// "S'inscrire" must not tell which addresses are on record, nor which domains are a company's —
// not by its answer, and not by how long it takes (the reset's method: the request only starts a
// workflow). Its own app, so its requests have the per-address budget to themselves.
import test from 'ava';
import { apiWorld, tag, waitForMail, type ApiWorld } from './helpers/api.ts';
import { fileScope } from './helpers/scope.ts';
import { median } from './helpers/timing.ts';

const scope = fileScope();
let world: ApiWorld;
test.before(async () => {
  world = await apiWorld(scope);
});

test('a sign-up takes as long for an address on record, one at a company domain, and any other; the answers are the same', async (t) => {
  const { api } = world;
  const company = await world.newCompany();
  const domain = `join-${tag()}.example`;
  await api.post('/v1/organization/domains', { domain }, { token: company.apiKey });
  await api.put(`/v1/companies/${company.companyId}/domains/${domain}`, { confirmed: true }, { token: world.operatorKey });
  const members = [];
  // 6 × 3 requests: within the 20 per client address and quarter-hour the API allows.
  for (let i = 0; i < 6; i++) members.push(await world.member());
  const bodies = new Set<string>();
  const timed = async (email: string) => {
    const started = performance.now();
    const reply = await api.post('/v1/auth/sign-up', { email });
    t.is(reply.status, 202);
    bodies.add(JSON.stringify(reply.body));
    return performance.now() - started;
  };
  // Each triple is sent at the same moment, so whatever else the machine does weighs on all
  // three alike; the medians of the differences then show what the kind of address changes.
  const onRecordMinusOther: number[] = [];
  const domainMinusOther: number[] = [];
  const all: number[] = [];
  const atDomain: string[] = [];
  for (const m of members) {
    const joining = `new-${tag()}@${domain}`;
    atDomain.push(joining);
    const [k, d, u] = await Promise.all([timed(m.email), timed(joining), timed(`ghost-${tag()}@elsewhere.example`)]);
    onRecordMinusOther.push(k - u);
    domainMinusOther.push(d - u);
    all.push(k, d, u);
  }
  const typical = median(all);
  const limit = Math.max(15, 0.35 * typical);
  for (const [what, gaps] of [['on record', onRecordMinusOther], ['at a company domain', domainMinusOther]] as const) {
    const gap = median(gaps);
    t.log(`${what}: median difference ${gap.toFixed(1)} ms against any other address; median answer ${typical.toFixed(1)} ms`);
    t.true(Math.abs(gap) < limit, `an address ${what} changes the answer by ${gap.toFixed(1)} ms (typical ${typical.toFixed(1)} ms)`);
  }
  t.is(bodies.size, 1, 'one answer for every address');
  // And the e-mails still go out, each kind its own.
  await waitForMail(members[0]!.email, /reset|réinitialisation/i);
  await waitForMail(atDomain[0]!, /join|rejoindre/i);
});
