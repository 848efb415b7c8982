// Wi-Fi on RADIUS, end to end: the API and a real worker write what FreeRADIUS reads (the views
// of the `radius` schema), and `eapol_test` authenticates as a laptop on WPA2-Enterprise would.
import test from 'ava';
import { apiWorld, invitationToken, PASSWORD, problemOf, tag, waitForMail, type ApiWorld } from './helpers/api.ts';
import { accessPointAddress, eapol, fakeAccessPoint, startTestRadius } from './helpers/radius.ts';
import { sendDisconnects } from '../providers/radius-disconnect.ts';
import { recordHistory } from './helpers/lifecycle.ts';
import { temporalClient } from './helpers/temporal.ts';
import { waitFor } from './helpers/wait.ts';
import { memberWorkflowId } from '../contract/workflows.ts';

const hex = (text: string) => Buffer.from(text).toString('hex');
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

test('a member joins the Wi-Fi (PEAP/MSCHAPv2 and TTLS/PAP) from their first day on their company\'s VLAN, is refused before it and after removal, and removal disconnects their session', async (t) => {
  const w = await apiWorld(t);
  const radius = await startTestRadius(t, w.url);
  const ap = await fakeAccessPoint(t);
  const operator = { token: w.operatorKey };
  const company = { token: w.org.apiKey };

  const created = await w.api.post(`/v1/sites/${w.org.siteId}/radius-clients`, { name: 'Lobby AP', address: ap.address, coaPort: ap.coaPort }, operator);
  t.is(created.status, 201, created.text);
  t.regex(created.body.secret, /^[\w-]{24}$/, 'a generated secret, shown once');
  ap.secret = created.body.secret;
  const listed = await w.api.get(`/v1/sites/${w.org.siteId}/radius-clients`, operator);
  t.deepEqual(listed.body.items.map((c: { address: string }) => c.address), [ap.address]);
  t.false('secret' in listed.body.items[0], 'never listed again');
  const wifi = await w.api.patch(`/v1/sites/${w.org.siteId}/wifi`, { ssid: 'Acme-Members', vlans: [{ companyId: w.org.companyId, vlan: 120 }] }, operator);
  t.is(wifi.status, 200, wifi.text);
  t.like(wifi.body, { ssid: 'Acme-Members', radiusServer: { host: '127.0.0.1' } });
  t.deepEqual(wifi.body.companies.map((c: { vlan: number }) => c.vlan), [120]);

  // Known ahead: invited now (the start is within INVITATION_LEAD), card registered, not started.
  const email = `wifi-${tag()}@acme.test`;
  const invited = await w.api.post('/v1/members', { email, name: 'Wendy Wifi', siteId: w.org.siteId, locale: 'en', startsOn: inDays(3) }, company);
  t.is(invited.status, 201, invited.text);
  const memberId = invited.body.id as string;
  const link = /\/invitations\/([^\s]+)/.exec((await waitForMail(email, /invit/i))[0]!.text)![1]!;
  const session = (await w.api.post(`/v1/invitations/${link}/accept`, { password: PASSWORD })).body.token as string;
  const number = (await w.api.post(`/v1/sites/${w.org.siteId}/cards`, { cards: [{ number: `W${tag()}` }] }, operator)).body.items[0].number;
  const enrolled = await w.api.post(`/v1/members/${memberId}/cards`, { cardNumber: number }, company);
  t.like(enrolled.body, { decision: 'enrolled', access: 'pending_start' });

  const early = await waitFor('credentials made at the card\'s registration', async () => {
    const r = await w.api.get('/v1/me/wifi', { token: session });
    return r.status === 200 ? r.body : undefined;
  });
  t.like(early, { ssid: 'Acme-Members', activeFrom: inDays(3) });
  const login = { server: radius, source: ap.address, secret: ap.secret, identity: early.username, password: early.password };
  t.false((await eapol(login)).success, 'refused before the first day');

  // The first day brought to today: access now.
  t.is((await w.api.patch(`/v1/members/${memberId}`, { startsOn: null }, company)).status, 200);
  await waitFor('the member to be active', async () => (await w.api.get(`/v1/members/${memberId}`, company)).body.status === 'active' || undefined);
  const peap = await eapol(login);
  t.true(peap.success, peap.output.slice(-2000));
  t.is(peap.accept?.get(64), '0000000d', 'Tunnel-Type VLAN');
  t.is(peap.accept?.get(65), '00000006', 'Tunnel-Medium-Type IEEE-802');
  t.is(peap.accept?.get(81), hex('120'), 'Tunnel-Private-Group-Id: the company\'s VLAN');
  t.true((await eapol({ ...login, method: 'ttls' })).success, 'TTLS/PAP too');
  t.false((await eapol({ ...login, password: 'not-the-password' })).success, 'a wrong password is refused');
  const wrongSecret = await eapol({ ...login, secret: 'not-the-shared-secret', timeoutSeconds: 2 });
  t.false(wrongSecret.success, 'a wrong NAS secret is refused');
  t.is(wrongSecret.accept, undefined, 'and never answered with an Access-Accept');
  t.like((await w.api.get('/v1/me/wifi', { token: session })).body, { username: early.username, password: early.password, activeFrom: null });

  // The access point reports the session (accounting), so the Disconnect-Message can name it.
  await ap.startSession(radius, early.username, `sess-${tag()}`);
  const removed = await w.api.delete(`/v1/members/${memberId}?reason=contract%20ended`, company);
  t.is(removed.status, 202, removed.text);
  const report = await waitFor('the offboarding to finish', async () => {
    const history = (await w.api.get(`/v1/members/${memberId}/history`, company)).body.items as { type: string; data: any }[];
    return history.find((e) => e.type === 'member.removed')?.data;
  });
  t.false((await eapol(login)).success, 'refused at once after removal');
  t.is(ap.disconnects.length, 1, 'one Disconnect-Request to the access point holding the session');
  t.like(ap.disconnects[0], { 'User-Name': early.username, 'Calling-Station-Id': '02-00-00-00-00-01' });
  t.regex(String(ap.disconnects[0]!['Acct-Session-Id']), /^sess-/);
  // The company reads the outcome, not the operator's hardware (its access points, addresses, ports).
  t.deepEqual(report.report.wifi, { revoked: true, disconnect: { points: 1, confirmed: 1, noSession: 0, silent: 0 } });
  const companyTrail = JSON.stringify((await w.api.get(`/v1/audit?memberId=${memberId}`, company)).body);
  t.false(companyTrail.includes(ap.address) || companyTrail.includes('Lobby AP'), 'no access point named in the company\'s trail');
  const operatorHistory = (await w.api.get(`/v1/members/${memberId}/history`, operator)).body.items as { type: string; data: any }[];
  t.like(operatorHistory.find((e) => e.type === 'member.removed')!.data.report.wifi, { revoked: true, disconnect: [{ client: 'Lobby AP', address: ap.address, sessions: 1, answer: 'ack' }] });
  // The company's first admin reads French (org:create's default).
  const [mail] = await waitForMail(w.org.adminEmail, /Départ de|was removed/);
  t.regex(mail!.text, /Bornes Wi-Fi priées de couper ses sessions : 1 \(coupées : 1, sans session : 0, sans réponse : 0\)|Access points asked to end their Wi-Fi sessions: 1 \(ended: 1, no session: 0, no answer: 0\)/);
  t.is((await w.api.get('/v1/me/wifi', { token: session })).status, 401, 'the member\'s session ended with the removal');
  // Enrolled before the first day (credentials made then), started early, removed: for replay.
  await recordHistory(await temporalClient(t), 'wifi-before-start-started-removed', memberWorkflowId(memberId));
});

test('RADIUS clients: operator only, checked input, one address per client across sites; a deleted one is refused', async (t) => {
  const w = await apiWorld(t);
  const radius = await startTestRadius(t, w.url);
  const operator = { token: w.operatorKey };
  const path = `/v1/sites/${w.org.siteId}/radius-clients`;
  const ap = await fakeAccessPoint(t);

  t.is((await w.api.post(path, { name: 'AP', address: ap.address }, { token: w.org.apiKey })).status, 403, 'a company key cannot');
  t.like(problemOf(await w.api.post(path, { name: 'AP', address: 'ap.example' }, operator)), { status: 400 });
  t.like(problemOf(await w.api.post(path, { name: 'AP', address: '10.0.0.300' }, operator)), { status: 400 });
  t.like(problemOf(await w.api.post(path, { name: 'AP', address: ap.address, secret: 'short' }, operator)), { status: 400 });
  t.like(problemOf(await w.api.post(path, { name: 'AP', address: ap.address, secret: 'has "quotes" in it, 16+' }, operator)), { status: 400 });
  t.like(problemOf(await w.api.post(path, { name: 'AP', address: ap.address, coaPort: 0 }, operator)), { status: 400 });
  t.is((await w.api.get(path, operator)).body.items.length, 0, 'nothing half-written');

  const chosen = 'a-secret-the-operator-chose-1234';
  const created = await w.api.post(path, { name: 'Controller', address: ap.address, secret: chosen, coaPort: 3799 }, operator);
  t.is(created.status, 201, created.text);
  t.is(created.body.secret, chosen);
  const other = await w.newSite({ name: `Lyon ${tag()}` });
  t.like(problemOf(await w.api.post(`/v1/sites/${other.body.id}/radius-clients`, { name: 'Same box', address: ap.address }, operator)), { status: 409 });
  t.like(problemOf(await w.api.patch(`/v1/sites/${w.org.siteId}/wifi`, { vlans: [{ companyId: (await w.newCompany()).companyId, vlan: 10 }] }, operator)), { status: 422 });
  t.like(problemOf(await w.api.patch(`/v1/sites/${w.org.siteId}/wifi`, { vlans: [{ companyId: w.org.companyId, vlan: 4095 }] }, operator)), { status: 400 });

  // A member with live credentials, so that only the client decides.
  const m = await w.member();
  const number = (await w.api.post(`/v1/sites/${w.org.siteId}/cards`, { cards: [{ number: `C${tag()}` }] }, operator)).body.items[0].number;
  await w.api.post(`/v1/members/${m.id}/cards`, { cardNumber: number }, { token: w.org.apiKey });
  const creds = await waitFor('Wi-Fi credentials', async () => {
    const r = await w.api.get('/v1/me/wifi', { token: m.token });
    return r.status === 200 ? r.body : undefined;
  });
  const login = { server: radius, source: ap.address, secret: chosen, identity: creds.username, password: creds.password };
  t.true((await eapol(login)).success, 'the new client works without a restart');

  t.is((await w.api.delete(`${path}/${created.body.id}`, operator)).status, 204);
  t.like(problemOf(await w.api.delete(`${path}/${created.body.id}`, operator)), { status: 404 });
  // FreeRADIUS re-reads a client after RADIUS_CLIENT_LIFETIME (1 s here): wait on that, not a sleep.
  await waitFor('the deleted client to be refused', async () => !(await eapol({ ...login, timeoutSeconds: 1 })).success || undefined, { timeoutMs: 20_000 });
  t.pass();
});

test('Disconnect-Messages: each access point\'s answer is told apart — ACK, NAK with its Error-Cause, silence after the retries, a wrong secret ignored', async (t) => {
  const [acks, naks, silent, wrongSecret] = await Promise.all([fakeAccessPoint(t), fakeAccessPoint(t), fakeAccessPoint(t), fakeAccessPoint(t)]);
  for (const ap of [acks, naks, silent, wrongSecret]) ap.secret = `secret-of-${ap.address}-0123456789`;
  naks.answer = 'Disconnect-NAK';
  silent.answer = 'silence';
  const target = (ap: typeof acks, name: string, secret = ap.secret) => ({ name, address: ap.address, port: ap.coaPort, secret, sessions: [] });
  const outcomes = await sendDisconnects('m-12345678-abcdef', [target(acks, 'A'), target(naks, 'B'), target(silent, 'C'), target(wrongSecret, 'D', 'not-its-secret-0123456789')], { timeoutMs: 200, attempts: 2 });
  t.deepEqual(outcomes.map((o) => [o.client, o.answer, o.errorCause ?? null]), [['A', 'ack', null], ['B', 'nak', 'Session-Context-Not-Found'], ['C', 'no_answer', null], ['D', 'no_answer', null]]);
  t.is(silent.disconnects.length, 2, 'sent again once when unanswered');
  t.is(wrongSecret.disconnects.length, 0, 'a request signed with another secret is not the access point\'s');
  t.like(acks.disconnects[0], { 'User-Name': 'm-12345678-abcdef' });
});

/** A member of `org` at its site, active (password, card), with their Wi-Fi credentials. */
async function activeWifiMember(w: ApiWorld, org: ApiWorld['org']): Promise<{ username: string; password: string }> {
  const email = `sites-${tag()}@acme.test`;
  const invited = await w.api.post('/v1/members', { email, name: 'Sam Sites', siteId: org.siteId, locale: 'en' }, { token: org.apiKey });
  if (invited.status !== 201) throw new Error(invited.text);
  const session = (await w.api.post(`/v1/invitations/${encodeURIComponent(await invitationToken(email))}/accept`, { password: PASSWORD })).body.token as string;
  const number = (await w.api.post(`/v1/sites/${org.siteId}/cards`, { cards: [{ number: `V${tag()}` }] }, { token: w.operatorKey })).body.items[0].number;
  const enrolled = await w.api.post(`/v1/members/${invited.body.id}/cards`, { cardNumber: number }, { token: org.apiKey });
  if (enrolled.body.decision !== 'enrolled') throw new Error(enrolled.text);
  await waitFor('the member to be active', async () => (await w.api.get(`/v1/members/${invited.body.id}`, { token: org.apiKey })).body.status === 'active' || undefined);
  return waitFor('Wi-Fi credentials', async () => {
    const r = await w.api.get('/v1/me/wifi', { token: session });
    return r.status === 200 ? (r.body as { username: string; password: string }) : undefined;
  });
}

test('an access point accepts only members of companies granted its site, with their company\'s VLAN at that site', async (t) => {
  const w = await apiWorld(t);
  const radius = await startTestRadius(t, w.url);
  const operator = { token: w.operatorKey };
  const beta = await w.newCompany();
  // Acme: Paris (its site) and London; Beta: its own site only.
  const london = await w.newSite({ name: `London ${tag()}`, timeZone: 'Europe/London' });
  t.is(london.status, 201, london.text);
  const accessPoint = async (siteId: string) => {
    const address = accessPointAddress();
    const created = await w.api.post(`/v1/sites/${siteId}/radius-clients`, { name: `AP ${tag()}`, address }, operator);
    if (created.status !== 201) throw new Error(created.text);
    return { address, secret: created.body.secret as string };
  };
  const vlans = async (siteId: string, list: { companyId: string; vlan: number }[]) => {
    const reply = await w.api.patch(`/v1/sites/${siteId}/wifi`, { ssid: 'Members', vlans: list }, operator);
    if (reply.status !== 200) throw new Error(reply.text);
  };
  await vlans(w.org.siteId, [{ companyId: w.org.companyId, vlan: 120 }]);
  await vlans(london.body.id, [{ companyId: w.org.companyId, vlan: 121 }]);
  await vlans(beta.siteId, [{ companyId: beta.companyId, vlan: 140 }]);
  const [paris, londonAp, betaAp] = [await accessPoint(w.org.siteId), await accessPoint(london.body.id), await accessPoint(beta.siteId)];

  const acme = await activeWifiMember(w, w.org);
  const betaMember = await activeWifiMember(w, beta);
  const at = async (ap: { address: string; secret: string }, member: { username: string; password: string }) =>
    eapol({ server: radius, source: ap.address, secret: ap.secret, identity: member.username, password: member.password });

  const acmeParis = await at(paris, acme);
  t.true(acmeParis.success, acmeParis.output.slice(-1500));
  t.is(acmeParis.accept?.get(81), hex('120'));
  const acmeLondon = await at(londonAp, acme);
  t.true(acmeLondon.success, 'Acme is granted London too');
  t.is(acmeLondon.accept?.get(81), hex('121'), 'with Acme\'s VLAN at London, not its home site\'s');
  t.false((await at(betaAp, acme)).success, 'Acme is not granted Beta\'s site');

  const betaHome = await at(betaAp, betaMember);
  t.true(betaHome.success, betaHome.output.slice(-1500));
  t.is(betaHome.accept?.get(81), hex('140'));
  t.false((await at(londonAp, betaMember)).success, 'Beta is not granted London');
  t.false((await at(paris, betaMember)).success, 'nor Paris');
});
