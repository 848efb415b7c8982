// The door controller contract and the member's card wizard, over HTTP, deciding in the workflow.
import test from 'ava';
import { signDoorRequest } from '../domain/door/signatures.ts';
import { apiWorld, problemOf, tag, waitForMail, type ApiWorld, type Reply } from './helpers/api.ts';
import { query } from './helpers/database.ts';
import { runDoorSim } from './helpers/door-sim.ts';
import { fileScope } from './helpers/scope.ts';
import { temporalClient } from './helpers/temporal.ts';
import { waitFor } from './helpers/wait.ts';

const scope = fileScope();
let world: ApiWorld;
test.before(async () => {
  world = await apiWorld(scope);
});

interface Door {
  id: string;
  secret: string;
  send(event: Record<string, unknown>, options?: { at?: number; signature?: string; controller?: string }): Promise<Reply>;
  accessList(options?: { etag?: string }): Promise<Reply>;
}

/** A door controller of the site, created over the API, sending signed requests. */
async function door(siteId = world.org.siteId, apiKey = world.operatorKey): Promise<Door> {
  const created = await world.api.post(`/v1/sites/${siteId}/door-controllers`, { name: `Door ${tag()}` }, { token: apiKey });
  const { id, secret } = created.body;
  return {
    id,
    secret,
    async send(event, o = {}) {
      // As real controllers should: the time of the event makes two identical events of the same second sign differently.
      const raw = JSON.stringify(event.type === 'pin_entered' && String(event.pin).length < 4 ? event : { ...event, occurredAt: event.occurredAt ?? new Date().toISOString() });
      return world.api.call('POST', '/v1/door-events', {
        raw,
        headers: { 'Content-Type': 'application/json', 'X-Door-Controller': o.controller ?? id, 'X-Signature': o.signature ?? signDoorRequest(secret, raw, o.at) },
      });
    },
    async accessList(o = {}) {
      return world.api.call('GET', `/v1/door-controllers/${id}/access-list`, {
        headers: { 'X-Door-Controller': id, 'X-Signature': signDoorRequest(secret, ''), ...(o.etag ? { 'If-None-Match': o.etag } : {}) },
      });
    },
  };
}

async function stockCard(siteId = world.org.siteId): Promise<{ number: string; qr: string }> {
  const r = await world.api.post(`/v1/sites/${siteId}/cards`, { cards: [{ number: `D${tag()}` }] }, { token: world.operatorKey });
  return r.body.items[0];
}

const problem = 'application/problem+json';

test('the wizard over HTTP: step 1 reveals the PIN, PIN + card at the door enrolls, the card opens the door, removal takes it off', async (t) => {
  const { api, org } = world;
  // A site of its own: the other tests' enrollments must not move this access list's version.
  const site = await world.newSite({ name: `Nantes ${tag()}` });
  const d = await door(site.body.id);
  const card = await stockCard(site.body.id);
  const m = await world.member({ siteId: site.body.id });

  const before = await waitFor('the lifecycle to know the password', async () => {
    const r = await api.get('/v1/me/card-enrollment', { token: m.token });
    return r.body.status === 'awaiting_card' ? r : undefined;
  });
  t.like(before.body, { stage: 'not_started', pin: null });
  const confirmed = await api.post('/v1/me/card-enrollment/confirm', undefined, { token: m.token });
  t.is(confirmed.status, 200, confirmed.text);
  t.regex(confirmed.body.pin, /^\*\d{4}$/);
  const list0 = await d.accessList();
  t.is(list0.status, 200);
  t.false(list0.body.cards.some((c: { number: string }) => c.number === card.number));

  const unknownCard = await d.send({ type: 'pin_entered', pin: confirmed.body.pin, cardNumber: 'NOPE-1' });
  // The right PIN with a card that cannot be used sounds like a wrong PIN (the audit keeps why).
  t.deepEqual(unknownCard.body, { decision: 'rejected', reason: 'unknown_pin', cardNumber: 'NOPE-1', access: null });
  const enrolled = await d.send({ type: 'pin_entered', pin: confirmed.body.pin, cardNumber: card.number, occurredAt: new Date().toISOString() });
  t.is(enrolled.status, 200, JSON.stringify(enrolled.body));
  t.deepEqual(enrolled.body, { decision: 'enrolled', reason: null, cardNumber: card.number, access: 'granted' });

  // What the door heard is already true: the very next read of the list has the card.
  const active = await d.accessList();
  t.true(active.body.cards.some((c: { number: string }) => c.number === card.number), 'the card opens the door as soon as the door hears "enrolled"');
  t.is((await query<{ status: string }>(world.url, 'select status from member where id = $1', [m.id])).rows[0]?.status, 'active');
  const etag = active.headers.get('etag')!;
  t.is(etag, `"${active.body.version}"`);
  const again = await d.accessList({ etag });
  t.is(again.status, 304, `unchanged list: 304 (sent ${etag}, got ${again.headers.get('etag')} ${again.text})`);
  t.like((await api.get('/v1/me/card-enrollment', { token: m.token })).body, { stage: 'enrolled', method: 'door', cardNumber: card.number });
  await waitForMail(m.email, /access|accès/i);

  t.is((await api.delete(`/v1/members/${m.id}`, { token: org.apiKey })).status, 202);
  const after = await waitFor('the card off the access list', async () => {
    const r = await d.accessList({ etag });
    return r.status === 200 && !r.body.cards.some((c: { number: string }) => c.number === card.number) ? r : undefined;
  });
  t.true(after.body.version > active.body.version);
  t.deepEqual(problemOf(await api.get('/v1/me', { token: m.token })), { status: 401, type: 'invalid-credentials', contentType: problem });
});

test('readers that report PIN and card apart: paired within 30 s from the same controller', async (t) => {
  const d = await door();
  const other = await door();
  const card = await stockCard();
  const m = await world.member();
  const { pin } = (await world.api.post('/v1/me/card-enrollment/confirm', undefined, { token: m.token })).body;

  const lonely = await d.send({ type: 'card_presented', cardNumber: card.number });
  t.deepEqual(lonely.body, { decision: 'rejected', reason: 'no_pin_entered', cardNumber: card.number, access: null });
  const waiting = await d.send({ type: 'pin_entered', pin: pin.slice(1) });
  t.deepEqual(waiting.body, { decision: 'awaiting_card', reason: null, cardNumber: null, access: null }, 'the star is optional');
  const elsewhere = await other.send({ type: 'card_presented', cardNumber: card.number });
  t.is(elsewhere.body.reason, 'no_pin_entered', 'another controller does not pair with this PIN');
  const paired = await d.send({ type: 'card_presented', cardNumber: card.number });
  t.deepEqual(paired.body, { decision: 'enrolled', reason: null, cardNumber: card.number, access: 'granted' });

  // A PIN older than 30 seconds no longer pairs.
  const m2 = await world.member();
  const { pin: pin2 } = (await world.api.post('/v1/me/card-enrollment/confirm', undefined, { token: m2.token })).body;
  await d.send({ type: 'pin_entered', pin: pin2 });
  await query(world.url, `update door_pending_pin set entered_at = now() - interval '31 seconds' where door_controller_id = $1`, [d.id]);
  t.is((await d.send({ type: 'card_presented', cardNumber: (await stockCard()).number })).body.reason, 'no_pin_entered');
});

test('QR step over HTTP: a refused code, then the card\'s own code enrolls', async (t) => {
  const { api } = world;
  const card = await stockCard();
  const m = await world.member();
  const bad = await api.post('/v1/me/card-enrollment/qr', { payload: 'not a code!' }, { token: m.token });
  t.deepEqual(bad.body, { decision: 'rejected', reason: 'invalid_qr_code', cardNumber: null, access: null });
  const good = await api.post('/v1/me/card-enrollment/qr', { payload: card.qr }, { token: m.token });
  t.deepEqual(good.body, { decision: 'enrolled', reason: null, cardNumber: card.number, access: 'granted' });
  t.deepEqual(problemOf(await api.post('/v1/me/card-enrollment/qr', { payload: card.qr }, { token: m.token })), { status: 409, type: 'card-already-registered', contentType: problem });
});

test('closing the wizard at step 1 e-mails the instructions once per close, even when the close is retried', async (t) => {
  const { api } = world;
  const m = await world.member();
  await api.post('/v1/me/card-enrollment/confirm', undefined, { token: m.token });
  const closeId = crypto.randomUUID();
  t.is((await api.post('/v1/me/card-enrollment/close', { step: 1, closeId }, { token: m.token })).status, 202);
  t.is((await api.post('/v1/me/card-enrollment/close', { step: 1, closeId }, { token: m.token })).status, 202, 'a retried close');
  const [mail] = await waitForMail(m.email, /register your access card|enregistrez votre carte d'accès/i);
  t.regex(mail!.text, /\*\d{4}/);
  // Once the lifecycle has nothing left to do, that is still the only instructions e-mail.
  const client = await temporalClient(scope);
  await waitFor('the lifecycle to be idle', async () => {
    const { raw } = await client.workflow.getHandle(`member-${m.id}`).describe();
    return !raw.pendingWorkflowTask && !raw.pendingActivities?.length;
  });
  t.is((await waitForMail(m.email, /register your access card|enregistrez votre carte d'accès/i)).length, 1);
  t.deepEqual(problemOf(await api.post('/v1/me/card-enrollment/close', { step: 3 }, { token: m.token })), { status: 400, type: 'validation-failed', contentType: problem });
});

test('door signatures: missing, malformed, wrong, too old, from the future, replayed, or of an unknown controller → 401', async (t) => {
  const d = await door();
  const event = { type: 'card_presented', cardNumber: 'X', occurredAt: new Date().toISOString() };
  const raw = JSON.stringify(event);
  const now = Math.floor(Date.now() / 1000);
  const type = async (reply: Promise<Reply>) => {
    const r = await reply;
    return `${r.status} ${String(r.body.type).replace('https://onboarding.example/problems/', '')}`;
  };
  t.is(await type(world.api.call('POST', '/v1/door-events', { body: event })), '401 door-signature-missing');
  t.is(await type(d.send(event, { signature: 'sha256=abc' })), '401 door-signature-invalid');
  t.is(await type(d.send(event, { signature: signDoorRequest('dcs_wrong-secret', raw) })), '401 door-signature-invalid');
  t.is(await type(d.send(event, { at: now - 360 })), '401 door-signature-expired');
  t.is(await type(d.send(event, { at: now + 360 })), '401 door-signature-expired');
  t.is((await d.send({ ...event, occurredAt: new Date().toISOString() }, { at: now - 240 })).status, 200, 'a controller clock 4 minutes behind is tolerated');
  t.is(await type(d.send(event, { controller: crypto.randomUUID() })), '401 door-signature-invalid');
  // A body changed after signing.
  t.is(await type(world.api.call('POST', '/v1/door-events', { raw: JSON.stringify({ ...event, cardNumber: 'Y' }), headers: { 'Content-Type': 'application/json', 'X-Door-Controller': d.id, 'X-Signature': signDoorRequest(d.secret, raw) } })), '401 door-signature-invalid');

  const signature = signDoorRequest(d.secret, raw);
  t.is((await d.send(event, { signature })).status, 200);
  t.is(await type(d.send(event, { signature })), '401 door-signature-replayed');

  // A controller reads its own site's list only.
  const other = await door();
  const foreign = await world.api.call('GET', `/v1/door-controllers/${other.id}/access-list`, { headers: { 'X-Door-Controller': d.id, 'X-Signature': signDoorRequest(d.secret, '') } });
  t.is(foreign.status, 403);
  // Validation comes after the signature: a signed bad event is a 400, an unsigned one a 401.
  t.deepEqual(problemOf(await d.send({ type: 'pin_entered', pin: '12' })), { status: 400, type: 'validation-failed', contentType: problem });
  // A NUL in a signed event's card number never reaches the lifecycle (it used to wedge it).
  const poisoned = await d.send({ type: 'pin_entered', pin: '*1234', cardNumber: 'C1\u0000' });
  t.deepEqual(problemOf(poisoned), { status: 400, type: 'invalid-text', contentType: problem });
  t.is(poisoned.body.field, 'cardNumber');
});

test('five wrong pairs in ten minutes lock PIN entry at the whole site (429), whichever controller they come through; other sites go on', async (t) => {
  const { api, org } = world;
  const site = await world.newSite({ name: `Lille ${tag()}` });
  const [d, second] = [await door(site.body.id), await door(site.body.id)];
  const elsewhere = await door();
  // A right PIN with a wrong card counts like a wrong PIN, and answers the same.
  const m = await world.member({ siteId: site.body.id });
  const { pin } = (await api.post('/v1/me/card-enrollment/confirm', undefined, { token: m.token })).body;
  const rightPin = await d.send({ type: 'pin_entered', pin, cardNumber: 'NOT-THIS-ONE' });
  t.deepEqual(rightPin.body, { decision: 'rejected', reason: 'unknown_pin', cardNumber: 'NOT-THIS-ONE', access: null });
  for (let i = 0; i < 4; i++) {
    const r = await (i % 2 ? second : d).send({ type: 'pin_entered', pin: `*${String(9000 + i)}`, cardNumber: 'ANY' });
    t.deepEqual(r.body, { decision: 'rejected', reason: 'unknown_pin', cardNumber: 'ANY', access: null });
  }
  const locked = await second.send({ type: 'pin_entered', pin: '*9999', cardNumber: 'ANY' });
  t.deepEqual(problemOf(locked), { status: 429, type: 'pin-locked-out', contentType: problem });
  const retryAfter = Number(locked.headers.get('retry-after'));
  t.true(retryAfter > 500 && retryAfter <= 600, `Retry-After ${retryAfter}`);
  t.is((await d.send({ type: 'pin_entered', pin })).status, 429, 'the keypad hears it as soon as a PIN is typed');
  t.is((await elsewhere.send({ type: 'pin_entered', pin: '*9999', cardNumber: 'ANY' })).status, 200);
  const { rows } = await query(world.url, `select count(*)::int as n from audit_event where actor = any($1) and type = 'door.pin_rejected'`, [[`door-controller:${d.id}`, `door-controller:${second.id}`]]);
  t.is(rows[0]!.n, 5, 'every wrong pair is in the audit trail');
});

test('forty wrong pairs sent at once: exactly five are answered, thirty-five are refused with 429', async (t) => {
  const { api, org } = world;
  const site = await world.newSite({ name: `Brest ${tag()}` });
  const doors = [await door(site.body.id), await door(site.body.id), await door(site.body.id)];
  const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => doors[i % 3]!.send({ type: 'pin_entered', pin: `*${String(1000 + i)}`, cardNumber: `X${i}` })));
  const statuses = replies.map((r) => r.status);
  t.is(statuses.filter((s) => s === 200).length, 5, statuses.join(' '));
  t.is(statuses.filter((s) => s === 429).length, 35);
});

test('ten wrong cards at once behind one right PIN: five answered, five refused; eight members enrolling at once all get in', async (t) => {
  const { api, org } = world;
  const guessed = await world.newSite({ name: `Caen ${tag()}` });
  const d = await door(guessed.body.id);
  const victim = await world.member({ siteId: guessed.body.id });
  const { pin } = (await api.post('/v1/me/card-enrollment/confirm', undefined, { token: victim.token })).body;
  const guesses = await Promise.all(Array.from({ length: 10 }, (_, i) => d.send({ type: 'pin_entered', pin, cardNumber: `GUESS-${i}` })));
  t.is(guesses.filter((r) => r.status === 200).length, 5, guesses.map((r) => r.status).join(' '));
  t.true(guesses.every((r) => r.status === 429 || r.body.reason === 'unknown_pin'));

  // A morning rush: members with their own PINs do not count against each other.
  const busy = await world.newSite({ name: `Rush ${tag()}` });
  const [front, side] = [await door(busy.body.id), await door(busy.body.id)];
  const waiting = [];
  for (let i = 0; i < 8; i++) {
    const m = await world.member({ siteId: busy.body.id });
    const card = await stockCard(busy.body.id);
    const { pin: own } = (await api.post('/v1/me/card-enrollment/confirm', undefined, { token: m.token })).body;
    waiting.push({ pin: own as string, card: card.number });
  }
  const rush = await Promise.all(waiting.map((w, i) => (i % 2 ? side : front).send({ type: 'pin_entered', pin: w.pin, cardNumber: w.card })));
  t.deepEqual(rush.map((r) => r.body.decision), Array(8).fill('enrolled'), rush.map((r) => r.text).join(' | '));
});

test('a card of another site or of the stock of another company does not enroll', async (t) => {
  const { api, org } = world;
  const lyon = await world.newSite({ name: `Lyon ${tag()}` });
  const lyonCard = await stockCard(lyon.body.id);
  const d = await door();
  const m = await world.member();
  const { pin } = (await api.post('/v1/me/card-enrollment/confirm', undefined, { token: m.token })).body;
  t.is((await d.send({ type: 'pin_entered', pin, cardNumber: lyonCard.number })).body.reason, 'unknown_pin');
  const { rows: [why] } = await query<{ reason: string }>(world.url, `select data->>'reason' as reason from audit_event where actor = $1 and type = 'door.pin_rejected'`, [`door-controller:${d.id}`]);
  t.is(why!.reason, 'card_of_another_site', 'the audit trail says why');
  // The PIN belongs to this site's pending enrollments: typed at Lyon's door it is unknown.
  const lyonDoor = await door(lyon.body.id);
  t.is((await lyonDoor.send({ type: 'pin_entered', pin, cardNumber: lyonCard.number })).body.reason, 'unknown_pin');
});

test('scripts/door-sim plays a controller: split PIN and card enroll, the access list shows the card, a card presented is decided from the list and uploaded', async (t) => {
  const run = (args: string[]) => runDoorSim(world.api.url, args);
  const d = await door();
  const card = await stockCard();
  const m = await world.member();
  const { pin } = (await world.api.post('/v1/me/card-enrollment/confirm', undefined, { token: m.token })).body;

  const missing = await run(['--controller', d.id]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /--door and --secret are required/);
  const wrong = await run(['--controller', d.id, '--secret', d.secret, '--pin', '*0000', '--card', card.number]);
  t.is(wrong.code, 1, wrong.stderr);
  t.like(JSON.parse(wrong.stdout), { decision: 'rejected', reason: 'unknown_pin' });
  const enrolled = await run(['--controller', d.id, '--secret', d.secret, '--pin', pin, '--card', card.number, '--split']);
  t.is(enrolled.code, 0, enrolled.stderr);
  const lines = enrolled.stdout.trim().split('\n').map((l) => JSON.parse(l));
  t.deepEqual(lines, [{ decision: 'awaiting_card', reason: null, cardNumber: null, access: null }, { decision: 'enrolled', reason: null, cardNumber: card.number, access: 'granted' }]);
  t.regex(enrolled.stderr, /beep/);
  const list = await waitFor('the card on the list door-sim prints', async () => {
    const r = await run(['--controller', d.id, '--secret', d.secret, '--access-list']);
    return r.code === 0 && JSON.parse(r.stdout).cards.some((c: { number: string }) => c.number === card.number) ? r : undefined;
  });
  t.is(list.code, 0);
  // A card presented (no PIN): decided from the door's own list, then uploaded as an entry event.
  const at = '2027-01-04T09:00:00+01:00';
  const granted = await run(['--door', d.id, '--secret', d.secret, '--card', card.number, '--at', at]);
  t.is(granted.code, 0, granted.stderr);
  const [decision, upload] = granted.stdout.trim().split('\n').map((l) => JSON.parse(l));
  t.like(decision, { decision: 'granted', reason: null, cardNumber: card.number, at: '2027-01-04T08:00:00.000Z' });
  t.like(upload, { received: 1, stored: 1, duplicates: 0 });
  const denied = await run(['--door', d.id, '--secret', d.secret, '--card', 'NOT-A-CARD', '--at', at]);
  t.is(denied.code, 1);
  t.like(JSON.parse(denied.stdout.split('\n')[0]!), { decision: 'denied', reason: 'unknown_card' });
  const { rows: events } = await query<{ type: string; card_number: string; reason: string | null }>(world.url, 'select type, card_number, reason from entry_event where door_controller_id = $1 order by id', [d.id]);
  t.deepEqual(events, [{ type: 'granted', card_number: card.number, reason: null }, { type: 'denied', card_number: 'NOT-A-CARD', reason: 'unknown_card' }]);
  const refused = await run(['--controller', d.id, '--secret', 'dcs_not-the-secret', '--access-list']);
  t.is(refused.code, 2);
  t.like(JSON.parse(refused.stdout), { status: 401 });
});
