// The pure parts of privacy: the payload codec and its keys, personal fields split from an audit
// event, retention settings and cut-offs, and the offline check of audit chains.
import { createHash } from 'node:crypto';
import test from 'ava';
import { ConfigError, loadConfig, parseCodecKeys } from '../config/index.ts';
import { GENESIS, linkHash, verifyChains, type ChainRow } from '../domain/audit-chain.ts';
import { joinPersonal, mayBePersonal, splitPersonal } from '../domain/audit-personal.ts';
import { resolveRetention, retentionCutoffs, retentionDefaults } from '../domain/privacy/retention.ts';
import { AesGcmPayloadCodec, codecKeys, ENCRYPTED_ENCODING } from '../services/payload-codec.ts';

const json = (value: unknown) => ({ metadata: { encoding: new Uint8Array(Buffer.from('json/plain')) }, data: new Uint8Array(Buffer.from(JSON.stringify(value))) });
const text = (p: { data?: Uint8Array | null }) => Buffer.from(p.data ?? []).toString();
const key = (id: string, fill: number) => ({ id, key: Buffer.alloc(32, fill) });

test('the codec encrypts with the first key, names it, and gives the payload back whole', async (t) => {
  const codec = new AesGcmPayloadCodec([key('2026-12', 1), key('2026-06', 2)]);
  const [sealed] = await codec.encode([json({ email: 'alice@acme.test', pin: '*1234' })]);
  t.is(Buffer.from(sealed!.metadata!.encoding!).toString(), ENCRYPTED_ENCODING);
  t.is(Buffer.from(sealed!.metadata!['encryption-key-id']!).toString(), '2026-12');
  t.false(Buffer.from(sealed!.data!).toString('latin1').includes('alice'));
  const [again] = await codec.encode([json({ email: 'alice@acme.test', pin: '*1234' })]);
  t.notDeepEqual(again!.data, sealed!.data, 'a fresh nonce each time');
  const [plain] = await codec.decode([sealed!]);
  t.deepEqual(JSON.parse(text(plain!)), { email: 'alice@acme.test', pin: '*1234' });
  t.is(Buffer.from(plain!.metadata!.encoding!).toString(), 'json/plain');
});

test('rotation: a new key goes first and what the old one sealed still opens; a key taken away, or a changed byte, fails loudly', async (t) => {
  const before = new AesGcmPayloadCodec([key('old', 7)]);
  const [sealed] = await before.encode([json('written last year')]);
  const rotated = new AesGcmPayloadCodec([key('new', 8), key('old', 7)]);
  t.is(text((await rotated.decode([sealed!]))[0]!), '"written last year"');
  t.is(Buffer.from((await rotated.encode([json(1)]))[0]!.metadata!['encryption-key-id']!).toString(), 'new');
  await t.throwsAsync(new AesGcmPayloadCodec([key('new', 8)]).decode([sealed!]), { message: /key "old", which is not among TEMPORAL_CODEC_KEYS/ });
  const flipped = { ...sealed!, data: Buffer.from(sealed!.data!).map((b, i) => (i === 20 ? b ^ 1 : b)) };
  await t.throwsAsync(rotated.decode([flipped]), { message: /authenticate/ });
});

test('payloads written before encryption (the committed histories, running workflows) pass through unchanged', async (t) => {
  const codec = new AesGcmPayloadCodec(codecKeys('x'.repeat(40)));
  const old = json({ name: 'Alice' });
  t.is((await codec.decode([old]))[0], old);
  const writeOnly = new AesGcmPayloadCodec(codecKeys('x'.repeat(40)), { encrypt: false });
  t.is((await writeOnly.encode([old]))[0], old, 'TEMPORAL_CODEC_ENCRYPT=0 writes clear payloads');
  t.is(text((await writeOnly.decode(await codec.encode([old])))[0]!), '{"name":"Alice"}', 'and still reads encrypted ones');
});

test('keys: TEMPORAL_CODEC_KEYS is id:base64 (32 bytes), newest first, and one derived from SECRET_KEY always decrypts', (t) => {
  const k = Buffer.alloc(32, 3).toString('base64');
  t.deepEqual(parseCodecKeys(`a:${k}, b:${k}`).map((x) => x.id), ['a', 'b']);
  t.throws(() => parseCodecKeys('a:short'), { instanceOf: ConfigError, message: /key "a" must be 32 bytes/ });
  t.throws(() => parseCodecKeys(`no-colon${k}`), { message: /id:base64key/ });
  t.throws(() => parseCodecKeys(`a:${k},a:${k}`), { message: /two keys share an id/ });
  const error = t.throws(() => loadConfig({ TEMPORAL_CODEC_KEYS: `a:${k.slice(0, 10)}` }));
  t.false(error.message.includes(k.slice(0, 10)), 'a key is never echoed');
  const keys = codecKeys('s'.repeat(40), parseCodecKeys(`a:${k}`));
  t.deepEqual(keys.map((x) => x.id), ['a', 'secret-key']);
  t.deepEqual(codecKeys('s'.repeat(40))[0]!.key, keys[1]!.key, 'the same secret derives the same key');
  t.notDeepEqual(codecKeys('t'.repeat(40))[0]!.key, keys[1]!.key);
});

test('an audit event\'s personal fields are set apart wherever they are, and put back where they were', (t) => {
  const data = {
    template: 'invitation', to: 'alice@acme.test', role: 'user',
    changes: { name: { from: 'Alice', to: 'Alicia' }, role: { from: 'user', to: 'admin' } },
    report: { name: 'Alice', email: 'alice@acme.test', card: { number: 'C-1' } }, reason: 'moved away',
  };
  const { kept, personal } = splitPersonal(data);
  t.deepEqual(kept, { template: 'invitation', role: 'user', changes: { role: { from: 'user', to: 'admin' } }, report: { card: { number: 'C-1' } } });
  t.deepEqual(personal, { to: 'alice@acme.test', changes: { name: { from: 'Alice', to: 'Alicia' } }, report: { name: 'Alice', email: 'alice@acme.test' }, reason: 'moved away' });
  t.deepEqual(joinPersonal(kept, JSON.stringify(personal)), data);
  t.deepEqual(joinPersonal(kept, null), kept, 'erased: what stays');
  t.deepEqual(splitPersonal({ to: 'visitor', zoneId: 'z' }), { kept: { to: 'visitor', zoneId: 'z' } });
  t.true(mayBePersonal({ memberId: 'm', type: 'member.updated' }));
  t.true(mayBePersonal({ type: 'scim.request' }));
  t.false(mayBePersonal({ memberId: null, type: 'zone.renamed' }), 'a zone\'s name is nobody\'s');
});

test('retention: the operator\'s choices over the defaults, out-of-bounds ones ignored; cut-offs from the run\'s clock, in calendar months for removals', (t) => {
  const defaults = retentionDefaults({ entryEventRetentionDays: 90 });
  t.deepEqual(defaults, { entryEventDays: 90, visitorDays: 90, messageDays: 30, pseudonymiseAfterMonths: 12 });
  t.like(resolveRetention(defaults, { messageDays: 7, pseudonymiseAfterMonths: 0 }), { messageDays: 7, pseudonymiseAfterMonths: 0, entryEventDays: 90 });
  t.deepEqual(resolveRetention(defaults, { entryEventDays: 400 }), defaults, 'beyond three months is not trusted');
  const cut = retentionCutoffs({ ...defaults, pseudonymiseAfterMonths: 12 }, new Date('2027-03-31T10:00:00Z'));
  t.is(cut.entryEventsBefore.toISOString(), '2026-12-31T10:00:00.000Z');
  t.is(cut.visitsBefore, '2026-12-31');
  t.is(cut.messagesBefore.toISOString(), '2027-03-01T10:00:00.000Z');
  t.is(cut.removedBefore.toISOString(), '2026-03-31T10:00:00.000Z');
  t.is(retentionCutoffs({ ...defaults, pseudonymiseAfterMonths: 0 }, new Date('2027-03-31T10:00:00Z')).removedBefore.toISOString(), '2027-03-31T10:00:00.000Z');
});

// A chain as the database links it (the same function the verifier uses is checked against SQL by privacy.test.ts).
function chain(n: number, name = 'company:c1'): ChainRow[] {
  const rows: ChainRow[] = [];
  let prev = GENESIS;
  for (let i = 1; i <= n; i++) {
    const data = JSON.stringify({ n: i });
    const personal = i % 2 ? JSON.stringify({ email: `p${i}@acme.test` }) : '';
    const salt = personal ? `salt-${i}` : '';
    const row = {
      id: String(100 + i), chain: name, seq: String(i), occurred_at: `2026-12-07T10:00:0${i}.000000Z`, type: 'member.updated', actor: 'test', operator_id: '', member_id: 'm1',
      workflow_id: '', workflow_run_id: '', data, data_sha256: createHash('sha256').update(data).digest('hex'), redacted: '',
      personal, personal_salt: salt, personal_digest: personal ? createHash('sha256').update(salt + personal).digest('hex') : '', prev_hash: prev, hash: '',
    };
    row.hash = linkHash(row);
    prev = row.hash;
    rows.push(row);
  }
  return rows;
}

test('verify: an intact chain holds; a changed field, a changed personal field, a missing, doubled or swapped event each break it at that event, read in the order of the chain, not of the file; erased or redacted rows still hold', (t) => {
  const rows = chain(5);
  t.like(verifyChains(rows), { ok: true, events: 5, chains: [{ chain: 'company:c1', from: 1, to: 5, head: rows[4]!.hash }] });
  t.like(verifyChains(rows.map((r) => (r.id === '103' ? { ...r, actor: 'someone' } : r))), { ok: false, broken: { id: '103', why: 'its fields are not what was hashed' } });
  t.like(verifyChains(rows.map((r) => (r.id === '103' ? { ...r, data: '{"n":33}' } : r))), { ok: false, broken: { id: '103', why: 'its data is not what was hashed' } });
  t.like(verifyChains(rows.map((r) => (r.id === '101' ? { ...r, personal: '{"email":"x@y.z"}' } : r))), { ok: false, broken: { id: '101', why: 'its personal fields are not what was hashed' } });
  t.like(verifyChains(rows.filter((r) => r.id !== '103')), { ok: false, broken: { id: '104', why: 'event 3 of the chain is missing before it' } });
  t.like(verifyChains([rows[0]!, rows[2]!, rows[1]!, rows[3]!]), { ok: true }, 'the file lists events by id; two written at once may have committed the later id first');
  t.like(verifyChains(rows.map((r) => (r.id === '102' ? { ...r, seq: '3' } : r.id === '103' ? { ...r, seq: '2' } : r))), { ok: false, broken: { id: '103', why: 'it does not link to the event before it' } }, 'swapped in the chain');
  t.like(verifyChains([...rows, rows[2]!]), { ok: false, broken: { id: '103', why: 'event 3 of the chain appears twice' } });
  t.like(verifyChains(rows.slice(2)), { ok: true }, 'an export from a date starts mid-chain');
  t.like(verifyChains([{ ...rows[0]!, prev_hash: rows[1]!.hash }]), { ok: false, broken: { why: 'the first event of the chain does not start it' } });
  t.like(verifyChains(rows.map((r) => ({ ...r, personal: '', personal_salt: '' }))), { ok: true }, 'erased: the digest alone still links');
  t.like(verifyChains(rows.map((r) => (r.id === '102' ? { ...r, data: '{"shown":"less"}', redacted: '1' } : r))), { ok: true }, 'a company\'s redacted view links by its digest');
  const two = [...chain(2, 'company:a'), ...chain(2, 'operator:o')].sort((a, b) => a.occurred_at.localeCompare(b.occurred_at));
  t.like(verifyChains(two), { ok: true, chains: [{ chain: 'company:a' }, { chain: 'operator:o' }] });
  t.like(verifyChains([{ ...rows[0]!, hash: '' }]), { ok: false, broken: { why: 'the event has no link (chain, seq, hash)' } });
});
