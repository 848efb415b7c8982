// The member's account over HTTP: invitation links, sign-in, sign-out, password reset.
import test from 'ava';
import { apiWorld, invitationToken, PASSWORD, problemOf, tag, waitForMail, type ApiWorld } from './helpers/api.ts';
import { query } from './helpers/database.ts';
import { fileScope } from './helpers/scope.ts';

const scope = fileScope();
let world: ApiWorld;
test.before(async () => {
  world = await apiWorld(scope);
});

const problem = 'application/problem+json';

async function invited(): Promise<{ email: string; id: string; token: string }> {
  const email = `inv-${tag()}@acme.test`;
  const r = await world.api.post('/v1/members', { email, name: 'Inès Vidal' }, { token: world.org.apiKey });
  return { email, id: r.body.id, token: encodeURIComponent(await invitationToken(email)) };
}

test('opening the invitation link (GET) consumes nothing; the POST creates the password and signs in; the link is then used', async (t) => {
  const { api } = world;
  const m = await invited();
  for (let i = 0; i < 3; i++) {
    const look = await api.get(`/v1/invitations/${m.token}`);
    t.is(look.status, 200);
    t.like(look.body, { valid: true, email: m.email, name: 'Inès Vidal' });
  }
  t.deepEqual(problemOf(await api.post(`/v1/invitations/${m.token}/accept`, { password: 'short' })), { status: 400, type: 'password-rejected', contentType: problem });
  t.deepEqual(problemOf(await api.post(`/v1/invitations/${m.token}/accept`, { password: 'eleven char' })), { status: 400, type: 'password-rejected', contentType: problem });
  for (const password of [' '.repeat(12), 'aaaaaaaaaaaa', 'abababababab', 'Password1234', 'motdepasse2026!', '123456789012']) {
    t.deepEqual(problemOf(await api.post(`/v1/invitations/${m.token}/accept`, { password })), { status: 400, type: 'password-rejected', contentType: problem }, JSON.stringify(password));
  }
  const accepted = await api.post(`/v1/invitations/${m.token}/accept`, { password: PASSWORD });
  t.is(accepted.status, 201, accepted.text);
  t.is(accepted.body.memberId, m.id);
  const cookie = accepted.headers.get('set-cookie')!;
  t.regex(cookie, /^mo_session=[^;]+; path=\/; expires=[^;]+; samesite=lax; httponly/);

  const me = await api.get('/v1/me', { token: accepted.body.token });
  t.like(me.body, { id: m.id, email: m.email, organization: { id: world.org.companyId }, site: { id: world.org.siteId, name: world.org.siteName } });
  const byCookie = await api.get('/v1/me', { headers: { Cookie: cookie.split(';')[0]! } });
  t.is(byCookie.status, 200, 'the cookie works as the session');

  t.deepEqual(problemOf(await api.get(`/v1/invitations/${m.token}`)), { status: 410, type: 'invitation-used', contentType: problem });
  t.deepEqual(problemOf(await api.post(`/v1/invitations/${m.token}/accept`, { password: PASSWORD })), { status: 410, type: 'invitation-used', contentType: problem });
  const [row] = (await query<{ password_hash: string }>(world.url, 'select password_hash from member where id = $1', [m.id])).rows;
  t.regex(row!.password_hash, /^scrypt\$/);
  t.false(row!.password_hash.includes(PASSWORD));
});

test('forged, replaced and expired invitation links answer clear problems, never success', async (t) => {
  const { api, org } = world;
  t.deepEqual(problemOf(await api.get('/v1/invitations/not-a-token')), { status: 404, type: 'invitation-invalid', contentType: problem });
  const m = await invited();
  const [id] = decodeURIComponent(m.token).split('.');
  t.deepEqual(problemOf(await api.get(`/v1/invitations/${id}.forgedSignature`)), { status: 404, type: 'invitation-invalid', contentType: problem });

  const resent = await api.post(`/v1/members/${m.id}/invitation/resend`, undefined, { token: org.apiKey });
  t.is(resent.status, 200, resent.text);
  t.truthy(Date.parse(resent.body.invitationExpiresAt));
  t.deepEqual(problemOf(await api.post(`/v1/invitations/${m.token}/accept`, { password: PASSWORD })), { status: 410, type: 'invitation-replaced', contentType: problem });
  const fresh = encodeURIComponent(await invitationToken(m.email, 2));
  await query(world.url, `update auth_token set expires_at = now() - interval '1 second' where id = $1`, [decodeURIComponent(fresh).split('.')[0]]);
  t.deepEqual(problemOf(await api.post(`/v1/invitations/${fresh}/accept`, { password: PASSWORD })), { status: 410, type: 'invitation-expired', contentType: problem });
});

test('sign in, sign out; a wrong password and an unknown address get the same answer', async (t) => {
  const { api } = world;
  const m = await world.member();
  const wrong = await api.post('/v1/auth/login', { email: m.email, password: 'not the password' });
  const unknown = await api.post('/v1/auth/login', { email: `nobody-${tag()}@acme.test`, password: 'not the password' });
  t.deepEqual(problemOf(wrong), { status: 401, type: 'invalid-credentials', contentType: problem });
  t.is(unknown.body.title, wrong.body.title);
  const session = await api.post('/v1/auth/login', { email: m.email.toUpperCase(), password: PASSWORD });
  t.is(session.status, 200, session.text);
  t.is((await api.get('/v1/me', { token: session.body.token })).status, 200);
  t.is((await api.post('/v1/auth/logout', undefined, { token: session.body.token })).status, 204);
  t.deepEqual(problemOf(await api.get('/v1/me', { token: session.body.token })), { status: 401, type: 'invalid-credentials', contentType: problem });
  t.is((await api.get('/v1/me', { token: m.token })).status, 200, 'other sessions live on');
  t.deepEqual(problemOf(await api.get('/v1/me', { token: `${session.body.token.split('.')[0]}.tampered` })), { status: 401, type: 'invalid-credentials', contentType: problem });
});

test('the same address in two companies: the password picks the account, or the caller names the company', async (t) => {
  const { api } = world;
  const email = `twice-${tag()}@acme.test`;
  const other = await world.newCompany();
  for (const org of [world.org, other]) {
    await api.post('/v1/members', { email }, { token: org.apiKey });
  }
  const mails = await waitForMail(email, /invite/, 2);
  const links = mails.map((mail) => decodeURIComponent(/\/invitations\/([^\s]+)/.exec(mail.text)![1]!));
  for (const link of links) t.is((await api.post(`/v1/invitations/${encodeURIComponent(link)}/accept`, { password: PASSWORD })).status, 201);
  const ambiguous = await api.post('/v1/auth/login', { email, password: PASSWORD });
  t.deepEqual(problemOf(ambiguous), { status: 400, type: 'organization-required', contentType: problem });
  t.is(ambiguous.body.organizations.length, 2);
  const chosen = await api.post('/v1/auth/login', { email, password: PASSWORD, companyId: other.companyId });
  t.is(chosen.body.companyId, other.companyId);
  // The field's name before "company" is read and answered for one more version, marked deprecated.
  const formerly = await api.post('/v1/auth/login', { email, password: PASSWORD, organizationId: world.org.companyId });
  t.like(formerly.body, { companyId: world.org.companyId, organizationId: world.org.companyId });
  const me = await api.get('/v1/me', { token: formerly.body.token });
  t.like(me.body, { company: { id: world.org.companyId }, organization: { id: world.org.companyId } });
  const schemas = (await api.get('/openapi.json')).body.components.schemas;
  t.true(schemas.Session.properties.organizationId.deprecated);
  t.true(schemas.Login.properties.organizationId.deprecated);
  t.true(schemas.Me.properties.organization.deprecated);
});

test('password reset: always 202; the e-mailed code sets a new password once and ends the other sessions; 5 wrong tries kill it', async (t) => {
  const { api } = world;
  const m = await world.member();
  const unknown = await api.post('/v1/auth/password-reset', { email: `ghost-${tag()}@acme.test` });
  const known = await api.post('/v1/auth/password-reset', { email: m.email });
  t.is(unknown.status, 202);
  t.is(known.status, 202);
  t.deepEqual(unknown.body, known.body, 'no account enumeration');
  const [mail] = await waitForMail(m.email, /reset/i);
  const code = /\b(\d{6})\b/.exec(mail!.text)![1]!;
  t.notRegex(mail!.subject, /\d{6}/, 'lock screens show the subject: the code is only in the body');
  t.regex(mail!.text, /15 minutes/);

  const newPassword = 'a brand new passphrase';
  const wrongCode = code === '000000' ? '000001' : '000000';
  t.deepEqual(problemOf(await api.post('/v1/auth/password-reset/confirm', { email: m.email, code: wrongCode, password: newPassword })), { status: 400, type: 'reset-code-invalid', contentType: problem });
  t.deepEqual(problemOf(await api.post('/v1/auth/password-reset/confirm', { email: m.email, code, password: 'short' })), { status: 400, type: 'password-rejected', contentType: problem });
  const reset = await api.post('/v1/auth/password-reset/confirm', { email: m.email, code, password: newPassword });
  t.is(reset.status, 200, reset.text);
  t.deepEqual(problemOf(await api.get('/v1/me', { token: m.token })), { status: 401, type: 'invalid-credentials', contentType: problem }, 'the old session ended');
  t.is((await api.get('/v1/me', { token: reset.body.token })).status, 200);
  t.deepEqual(problemOf(await api.post('/v1/auth/password-reset/confirm', { email: m.email, code, password: newPassword })), { status: 400, type: 'reset-code-invalid', contentType: problem }, 'used once');
  t.is((await api.post('/v1/auth/login', { email: m.email, password: newPassword })).status, 200);

  // Five wrong tries and even the right code is refused.
  await api.post('/v1/auth/password-reset', { email: m.email });
  const [second] = await waitForMail(m.email, /reset/i, 2); // newest first
  const code2 = /\b(\d{6})\b/.exec(second!.text)![1]!;
  const wrong2 = code2 === '000000' ? '000001' : '000000';
  for (let i = 0; i < 5; i++) await api.post('/v1/auth/password-reset/confirm', { email: m.email, code: wrong2, password: newPassword });
  t.deepEqual(problemOf(await api.post('/v1/auth/password-reset/confirm', { email: m.email, code: code2, password: newPassword })), { status: 400, type: 'reset-code-invalid', contentType: problem });
  const { rows } = await query<{ attempts: number }>(world.url, `select attempts from auth_token where member_id = $1 and purpose = 'password_reset' order by created_at desc limit 1`, [m.id]);
  t.is(rows[0]!.attempts, 5);
});

test('wrong passwords for one account from one address: five are free, then each next try waits longer (429 with Retry-After)', async (t) => {
  const { api } = world;
  const email = `limited-${tag()}@acme.test`;
  const replies = [];
  for (let i = 0; i < 7; i++) replies.push(await api.post('/v1/auth/login', { email, password: 'guess number ' + i }));
  t.true(replies.slice(0, 6).every((r) => r.status === 401), 'five free tries, and a sixth that sets the first delay');
  t.deepEqual(problemOf(replies[6]!), { status: 429, type: 'rate-limited', contentType: problem });
  t.true(Number(replies[6]!.headers.get('retry-after')) >= 1);
});
