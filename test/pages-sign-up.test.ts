// Joining in a real browser (Debian's Chromium) against the real app, worker, Temporal, PostgreSQL
// and SMTP: "S'inscrire" with automatic join (French, phone) and with an admin's approval
// (English, desktop), the seat limit said in words, "Plan & billing" for admins only, and a lost
// card changed by the member and by an admin.
import test from 'ava';
import type { Browser, Page } from 'playwright-core';
import { apiWorld, PASSWORD, tag, waitForMail, type ApiWorld } from './helpers/api.ts';
import { connectBrowser, DESKTOP, onApp, openMenu, openPage, PHONE, screenshot, screenshots, signInAs } from './helpers/browser.ts';
import { fileScope } from './helpers/scope.ts';
import { startOpenIdProvider } from './helpers/oidc.ts';
import { waitFor } from './helpers/wait.ts';

const scope = fileScope();
let world: ApiWorld;
let browser: Browser;
test.before(async () => {
  [world, browser] = await Promise.all([apiWorld(scope), connectBrowser(scope)]);
});

/** A company with a confirmed domain, its join policy and seats, and its admin's session. */
async function company(options: { joinPolicy: 'automatic' | 'approval'; seats?: number }) {
  const { api } = world;
  const created = await world.newCompany();
  const domain = `studio-${tag()}.example`;
  await api.post('/v1/organization/domains', { domain }, { token: created.apiKey });
  await api.put(`/v1/companies/${created.companyId}/domains/${domain}`, { confirmed: true }, { token: world.operatorKey });
  await api.put('/v1/organization/join-policy', { joinPolicy: options.joinPolicy }, { token: created.apiKey });
  if (options.seats !== undefined) await api.put(`/v1/companies/${created.companyId}/seats`, { contracted: options.seats }, { token: world.operatorKey });
  await world.adminSession(created);
  return { ...created, domain };
}

async function signUpLink(email: string): Promise<string> {
  const [mail] = await waitForMail(email, /join|rejoindre/i);
  const link = /https?:\/\/\S+\/sign-up\/\S+/.exec(mail!.text)?.[0];
  if (!link) throw new Error(`no sign-up link in ${mail!.text}`);
  return onApp(link);
}

/** "S'inscrire" from the sign-in page: the address, then the e-mailed link. */
async function signUp(page: Page, email: string, words: { signUp: RegExp; email: RegExp; send: RegExp }) {
  await page.goto('/login');
  await page.getByRole('link', { name: words.signUp }).click();
  await page.getByLabel(words.email).fill(email);
  await page.getByRole('button', { name: words.send }).click();
  await page.getByRole('status').waitFor();
}

test('"S\'inscrire" with automatic join, in French on a phone: the address, the link, name and password, then the card wizard', async (t) => {
  const c = await company({ joinPolicy: 'automatic' });
  const email = `camille-${tag()}@${c.domain}`;
  const page = await openPage(t, browser, { baseURL: world.appUrl, locale: 'fr', viewport: PHONE });
  await page.goto('/login');
  await screenshots(page, 'login');
  await signUp(page, email, { signUp: /^S’inscrire$/, email: /^Votre adresse e-mail professionnelle/, send: /M’envoyer un lien/ });
  t.regex((await page.getByRole('status').textContent()) ?? '', /Si .* peut s’inscrire, un e-mail est en route/);
  await screenshots(page, 'sign-up-sent');

  const link = await signUpLink(email);
  await page.goto(link);
  await page.goto(link);
  t.regex((await page.getByRole('heading', { level: 1 }).textContent()) ?? '', /^Rejoindre /);
  await screenshots(page, 'sign-up-link');
  await page.getByLabel('Votre nom').fill('Camille Inscrite');
  await page.getByLabel(/^Nouveau mot de passe/).fill(PASSWORD);
  await page.getByLabel(/^Saisissez à nouveau/).fill(PASSWORD);
  await page.getByRole('button', { name: 'Créer mon compte' }).click();
  await page.waitForURL(/\/card/);
  t.regex((await page.getByRole('status').textContent()) ?? '', /Bienvenue/);
  await page.getByRole('button', { name: 'Je confirme avoir une carte en ma possession' }).waitFor();
  await screenshot(page, 'sign-up-joined.fr.phone');

  // The same link again: used.
  await page.goto(link);
  t.is(await page.getByRole('heading', { level: 1 }).textContent(), 'Ce lien a déjà servi');
});

test('"Sign up" with approval, in English on a desktop: the admins approve from the member page; the seat limit is said in words', async (t) => {
  const c = await company({ joinPolicy: 'approval', seats: 2 });
  const first = `alex-${tag()}@${c.domain}`;
  const second = `blake-${tag()}@${c.domain}`;
  const page = await openPage(t, browser, { baseURL: world.appUrl, locale: 'en', viewport: DESKTOP });
  for (const [email, name] of [[first, 'Alex Asking'], [second, 'Blake Asking']] as const) {
    await signUp(page, email, { signUp: /^Sign up$/, email: /^Your work e-mail address/, send: /Send me a link/ });
    await page.goto(await signUpLink(email));
    t.regex((await page.locator('main').textContent()) ?? '', /An administrator of your company approves new members/);
    await page.getByLabel('Your name').fill(name);
    await page.getByLabel(/^New password/).fill(PASSWORD);
    await page.getByLabel(/^Type the password again/).fill(PASSWORD);
    await page.getByRole('button', { name: 'Send my request' }).click();
    await page.getByRole('heading', { name: 'Your request is sent' }).waitFor();
  }
  await screenshots(page, 'sign-up-pending');
  // Waiting: the password does not open the account yet.
  await page.goto('/login');
  await page.getByLabel('E-mail address').fill(first);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  t.regex((await page.getByRole('alert').textContent()) ?? '', /waits for an administrator's approval/);

  const admin = await signInAs(t, browser, { baseURL: world.appUrl, email: c.adminEmail, locale: 'en' });
  // The overview lists the requests to join among what needs the admin.
  const waiting = admin.locator('section[aria-labelledby="list-awaiting_approval"]');
  t.regex((await waiting.textContent()) ?? '', /Requests to join\s*2[\s\S]*Alex Asking[\s\S]*Blake Asking/);
  const requests = await world.api.get('/v1/members?status=awaiting_approval', { token: c.apiKey });
  const alex = requests.body.items.find((m: { email: string }) => m.email === first);
  const blake = requests.body.items.find((m: { email: string }) => m.email === second);
  await admin.goto(`/admin/members/${alex.id}`);
  await admin.getByRole('heading', { name: 'Request to join' }).waitFor();
  await screenshots(admin, 'member-sign-up-request');
  await admin.getByRole('button', { name: 'Approve' }).click();
  t.regex((await admin.getByRole('status').first().textContent()) ?? '', /request is approved/);
  await waitForMail(first, /Welcome to/);

  // Two seats, both taken (the admin and Alex): Blake's approval is refused in words.
  await admin.goto(`/admin/members/${blake.id}`);
  await admin.getByRole('button', { name: 'Approve' }).click();
  t.regex((await admin.locator('#f-signUp').textContent()) ?? '', /No seat left: 2 of 2 seats used/);
  await screenshot(admin, 'member-sign-up-seats-full.en.desktop');
  await admin.getByRole('button', { name: 'Refuse' }).click();
  await waitForMail(second, /Your request to join/);

  // "Plan & billing": the seats used, the sites, the zones and hours, the operator's billing link.
  await world.api.put('/v1/operator/billing', { url: 'https://billing.example/portal', contact: 'billing@operator.example' }, { token: world.operatorKey });
  await openMenu(admin);
  await admin.getByRole('link', { name: 'Plan & billing' }).click();
  t.regex((await admin.locator('main').textContent()) ?? '', /2 of 2 seats used/);
  t.is(await admin.getByRole('link', { name: 'Open the billing portal' }).getAttribute('href'), 'https://billing.example/portal');
  t.regex((await admin.locator('main').textContent()) ?? '', /Entrance and common areas/);
  await screenshots(admin, 'plan');

  // A user has no such menu entry, and the page answers 403.
  const alexPage = await signInAs(t, browser, { baseURL: world.appUrl, email: first, locale: 'en' });
  await openMenu(alexPage);
  t.is(await alexPage.getByRole('link', { name: 'Plan & billing' }).count(), 0);
  const refused = await alexPage.goto('/admin/plan');
  t.is(refused?.status(), 403);
  t.is((await world.api.get('/v1/plan', { token: (await world.api.post('/v1/auth/login', { email: first, password: PASSWORD })).body.token })).status, 403);
});

test('a lost card: the member declares it from the profile and registers another; an admin can do it for them', async (t) => {
  const member = await world.member({ name: 'Dominique Perdue' });
  const stock = async () => (await world.api.post(`/v1/sites/${world.org.siteId}/cards`, { cards: [{ number: `L-${tag()}` }] }, { token: world.operatorKey })).body.items[0].number as string;
  const first = await stock();
  t.is((await world.api.post(`/v1/members/${member.id}/cards`, { cardNumber: first }, { token: world.org.apiKey })).body.decision, 'enrolled');
  await waitFor('active', async () => ((await world.api.get(`/v1/members/${member.id}`, { token: world.org.apiKey })).body.status === 'active' ? true : undefined));

  const page = await signInAs(t, browser, { baseURL: world.appUrl, email: member.email, locale: 'fr', viewport: PHONE });
  await page.goto('/me');
  await page.getByText('Ma carte est perdue ou abîmée').click();
  await screenshot(page, 'profile-card-lost.fr.phone');
  await page.getByLabel('Elle est abîmée').check();
  await page.getByRole('button', { name: 'Révoquer cette carte et en enregistrer une autre' }).click();
  await page.waitForURL(/\/card/);
  t.regex((await page.getByRole('status').textContent()) ?? '', /ancienne carte est révoquée/);
  t.true(await page.getByRole('button', { name: 'Je confirme avoir une carte en ma possession' }).isVisible(), 'the wizard starts again');
  const detail = await world.api.get(`/v1/members/${member.id}`, { token: world.org.apiKey });
  t.is(detail.body.status, 'awaiting_card');
  const history = await world.api.get(`/v1/members/${member.id}/history`, { token: world.org.apiKey });
  t.true(history.body.items.some((e: { type: string; data: { cause?: string } }) => e.type === 'card.lost' && e.data.cause === 'damaged'), 'the history says why');

  // An admin registers the new card, then changes it again for the member.
  const second = await stock();
  await world.api.post(`/v1/members/${member.id}/cards`, { cardNumber: second }, { token: world.org.apiKey });
  await waitFor('active again', async () => ((await world.api.get(`/v1/members/${member.id}`, { token: world.org.apiKey })).body.status === 'active' ? true : undefined));
  await world.adminSession();
  const admin = await signInAs(t, browser, { baseURL: world.appUrl, email: world.org.adminEmail, locale: 'en' });
  await admin.goto(`/admin/members/${member.id}`);
  await admin.getByRole('button', { name: 'Change the access card for Dominique Perdue' }).click();
  t.regex((await admin.getByRole('status').first().textContent()) ?? '', /old card is revoked/);
  t.regex((await admin.locator('section[aria-labelledby="member-history"]').textContent()) ?? '', new RegExp(`Card declared lost or damaged \\(revoked\\) \\(lost: card ${second}\\)`), 'the history says why');
  await screenshots(admin, 'member-card-lost');
  const after = await world.api.get(`/v1/members/${member.id}`, { token: world.org.apiKey });
  t.like(after.body, { status: 'awaiting_card' });
});

test('the company admin sets domains, the joining rule and single sign-on on "Joining"; the operator confirms the domain and sets the seats', async (t) => {
  const created = await world.newCompany();
  await world.adminSession(created);
  const provider = await startOpenIdProvider(scope, { redirectUri: `${world.appUrl}/sso/callback` });
  const domain = `atelier-${tag()}.example`;
  const admin = await signInAs(t, browser, { baseURL: world.appUrl, email: created.adminEmail, locale: 'fr' });
  await openMenu(admin);
  await admin.getByRole('link', { name: 'Inscription', exact: true }).click();
  await admin.getByLabel('Domaine', { exact: true }).fill('gmail.com');
  await admin.getByRole('button', { name: 'Déclarer ce domaine' }).click();
  t.regex((await admin.locator('#f-domain-error').textContent()) ?? '', /pas une messagerie publique/);
  await admin.getByLabel('Domaine', { exact: true }).fill(domain);
  await admin.getByRole('button', { name: 'Déclarer ce domaine' }).click();
  t.regex((await admin.locator('main').textContent()) ?? '', new RegExp(`${domain} — en attente de confirmation par l’opérateur`));
  await admin.getByLabel('Elle rejoint l’entreprise tout de suite, comme utilisateur').check();
  await admin.getByRole('button', { name: 'Enregistrer', exact: true }).click();
  // A wrong issuer is said at once; the right one is read and saved.
  await admin.getByLabel(/^Émetteur/).fill('http://127.0.0.1:9/nothing-here');
  await admin.getByLabel(/^ID client/).fill(provider.clientId);
  await admin.getByLabel(/^Secret client/).fill(provider.clientSecret);
  await admin.getByLabel(/^Texte du bouton/).fill('Okta');
  await admin.getByRole('button', { name: 'Enregistrer l’authentification unique' }).click();
  t.regex((await admin.locator('#f-issuer-error').textContent()) ?? '', /n’a pas pu être utilisé/);
  await admin.getByLabel(/^Émetteur/).fill(provider.issuer);
  await admin.getByLabel(/^Secret client/).fill(provider.clientSecret);
  await admin.getByRole('button', { name: 'Enregistrer l’authentification unique' }).click();
  t.regex((await admin.getByRole('status').first().textContent()) ?? '', /authentification unique est enregistrée/);
  const settings = await world.api.get('/v1/organization/sign-in', { token: created.apiKey });
  t.like(settings.body, { joinPolicy: 'automatic', sso: { issuer: provider.issuer, label: 'Okta', required: false } });
  t.false(JSON.stringify(settings.body).includes(provider.clientSecret), 'the secret is never answered');
  await screenshots(admin, 'admin-sign-in');

  await world.adminSession();
  const operator = await signInAs(t, browser, { baseURL: world.appUrl, email: world.org.adminEmail, locale: 'en' });
  await operator.goto(`/operator/companies/${created.companyId}`);
  await operator.getByRole('button', { name: `Confirm ${domain}` }).click();
  t.regex((await operator.getByRole('status').first().textContent()) ?? '', /domain is confirmed/);
  await operator.getByLabel(/^Contracted seats/).fill('12');
  await operator.getByRole('button', { name: 'Save the seats' }).click();
  t.regex((await operator.locator('main').textContent()) ?? '', /1 of 12 seats used/);
  await screenshots(operator, 'operator-company-seats');
  t.deepEqual((await world.api.get('/v1/plan', { token: created.apiKey })).body.seats, { used: 1, contracted: 12 });
});
