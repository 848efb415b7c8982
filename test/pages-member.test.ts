// The member's pages in a real browser (Debian's Chromium), against the real app, worker,
// Temporal, PostgreSQL and SMTP catcher: from the invitation e-mail's link to an enrolled card,
// the QR code path, closing the wizard at step 1, and "forgot my password".
import test from 'ava';
import type { Browser, Page } from 'playwright-core';
import { signDoorRequest } from '../domain/door/signatures.ts';
import { apiWorld, PASSWORD, tag, waitForMail, type ApiWorld } from './helpers/api.ts';
import { connectBrowser, DESKTOP, onApp, openMenu, openPage, PHONE, screenshot, screenshots } from './helpers/browser.ts';
import { downloadedBytes } from './helpers/files.ts';
import { fileScope } from './helpers/scope.ts';

const scope = fileScope();
let world: ApiWorld;
let browser: Browser;
let door: { id: string; secret: string };
test.before(async () => {
  [world, browser] = await Promise.all([apiWorld(scope), connectBrowser(scope)]);
  const created = await world.api.post(`/v1/sites/${world.org.siteId}/door-controllers`, { name: 'Main entrance' }, { token: world.operatorKey });
  door = created.body;
});

/** Adds a card to the site's stock over the API: its number and the payload of its QR code. */
async function stockCard(): Promise<{ number: string; qr: string }> {
  const number = `C-${tag()}`;
  const added = await world.api.post(`/v1/sites/${world.org.siteId}/cards`, { cards: [{ number }] }, { token: world.operatorKey });
  return added.body.items[0];
}

async function invite(locale: 'fr' | 'en', name = 'Camille Dupont'): Promise<{ id: string; email: string }> {
  const email = `member-${tag()}@acme.test`;
  const invited = await world.api.post('/v1/members', { email, name, role: 'user', siteId: world.org.siteId, locale }, { token: world.org.apiKey });
  if (invited.status !== 201) throw new Error(invited.text);
  return { id: invited.body.id, email };
}

/** The invitation link of the latest invitation e-mail to `email`, as a path on the app. */
async function invitationLink(email: string): Promise<string> {
  const [mail] = await waitForMail(email, /invit/i);
  const link = /https?:\/\/\S+\/invitations\/\S+/.exec(mail!.text)?.[0];
  if (!link) throw new Error(`no invitation link in ${mail!.text}`);
  return onApp(link);
}

/** Opens the invitation link and creates the password: the member lands on the card wizard. */
async function acceptInvitation(page: Page, email: string, labels: { password: RegExp; confirm: RegExp; submit: RegExp }) {
  await page.goto(await invitationLink(email));
  await page.getByLabel(labels.password).fill(PASSWORD);
  await page.getByLabel(labels.confirm).fill(PASSWORD);
  await page.getByRole('button', { name: labels.submit }).click();
  await page.waitForURL(/\/card/);
}

const FR = { password: /^Nouveau mot de passe/, confirm: /^Saisissez à nouveau/, submit: /S’enregistrer et se connecter/ };
const EN = { password: /^New password/, confirm: /^Type the password again/, submit: /Register and sign in/ };

test('a member goes from the invitation e-mail to a card enrolled at the door, in French on a phone', async (t) => {
  const member = await invite('fr');
  const card = await stockCard();
  const page = await openPage(t, browser, { baseURL: world.appUrl, locale: 'fr', viewport: PHONE });

  // Opening the link only shows the form (mail scanners open links first); opening it twice is fine.
  const link = await invitationLink(member.email);
  await page.goto(link);
  await page.goto(link);
  t.is(await page.getByRole('heading', { level: 1 }).textContent(), 'Créez votre mot de passe');
  await screenshots(page, 'invitation');

  // Two different passwords: the error is tied to its field, and nothing is created.
  await page.getByLabel(FR.password).fill(PASSWORD);
  await page.getByLabel(FR.confirm).fill('something else entirely');
  await page.getByRole('button', { name: FR.submit }).click();
  const confirm = page.getByLabel(FR.confirm);
  t.is(await confirm.getAttribute('aria-invalid'), 'true');
  t.regex((await page.locator(`#${await confirm.getAttribute('aria-describedby')}`).textContent()) ?? '', /pas identiques/);
  t.regex((await page.getByRole('alert').textContent()) ?? '', /Il y a un problème/);

  // Too short: said on the password field, in the reader's language.
  await page.getByLabel(FR.password).fill('court');
  await page.getByLabel(FR.confirm).fill('court');
  await page.getByRole('button', { name: FR.submit }).click();
  t.regex((await page.locator('#f-password-error').textContent()) ?? '', /au moins 12 caractères/);
  await screenshot(page, 'invitation-error.fr.phone');

  await page.getByLabel(FR.password).fill(PASSWORD);
  await page.getByLabel(FR.confirm).fill(PASSWORD);
  await page.getByRole('button', { name: FR.submit }).click();
  await page.waitForURL(/\/card/);
  t.regex((await page.getByRole('status').textContent()) ?? '', /mot de passe est créé/);
  await screenshots(page, 'card-step1');

  // Step 1 → step 2 (QR) → step 3 (PIN at the door).
  await page.getByRole('button', { name: 'Je confirme avoir une carte en ma possession' }).click();
  await page.getByRole('heading', { name: /Scannez le code QR/ }).waitFor();
  await screenshots(page, 'card-step2');
  await page.getByRole('link', { name: /pas de code QR/ }).click();
  const pinHeading = page.getByRole('heading', { name: /^Tapez le code PIN \*\d{4} à la porte$/ });
  await pinHeading.waitFor();
  const pin = /\*\d{4}/.exec((await pinHeading.textContent())!)![0];
  await screenshots(page, 'card-step3');

  // The door controller reports the PIN and the card: the open page moves on by itself.
  const raw = JSON.stringify({ type: 'pin_entered', pin, cardNumber: card.number, occurredAt: new Date().toISOString() });
  const decision = await world.api.call('POST', '/v1/door-events', {
    raw,
    headers: { 'Content-Type': 'application/json', 'X-Door-Controller': door.id, 'X-Signature': signDoorRequest(door.secret, raw) },
  });
  t.is(decision.body.decision, 'enrolled', decision.text);
  await page.getByRole('heading', { name: 'Votre carte est enregistrée' }).waitFor();
  t.regex((await page.locator('main').textContent()) ?? '', new RegExp(`La carte ${card.number} est à vous`));
  await screenshots(page, 'card-done');
  // The admin's page of this member names the door, not its id.
  const adminPage = await fetch(`${world.appUrl}/admin/members/${member.id}`, { headers: { Cookie: `mo_session=${await world.adminSession()}`, Accept: 'text/html' } });
  const history = /<section class="panel" aria-labelledby="member-history">([\s\S]*?)<\/section>/.exec(await adminPage.text())?.[1] ?? '';
  t.regex(history, /Contrôleur de porte «\s?Main entrance\s?»|Door controller “Main entrance”/, 'the door by its name');
  t.notRegex(history.replace(/<[^>]+>/g, ''), /[0-9a-f]{8}-[0-9a-f]{4}-/, 'no id in the history');

  // The profile shows the card and, once access is granted, the Wi-Fi details.
  await page.goto('/me');
  t.regex((await page.locator('main').textContent()) ?? '', new RegExp(`La carte ${card.number} est enregistrée à votre nom`));
  for (const deadline = Date.now() + 30_000; !(await page.getByRole('heading', { name: 'Wi-Fi' }).isVisible()); ) {
    if (Date.now() > deadline) t.fail('the Wi-Fi details never appeared on the profile');
    await page.reload();
  }
  t.true(await page.getByText('Identifiant', { exact: true }).isVisible());
  await screenshots(page, 'profile');
  // "Download my data": the zip of everything kept about them (GDPR art. 15 and 20).
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Télécharger mes données' }).click()]);
  t.regex(download.suggestedFilename(), new RegExp(`^my-data-${member.id}\\.zip$`));
  const zip = await downloadedBytes(download);
  t.is(zip.subarray(0, 4).toString('latin1'), 'PK\u0003\u0004', 'a zip');
  t.true(['profile.json', 'history.csv', 'entry-events.json', 'wifi-sessions.csv'].every((name) => zip.includes(name)));

  // The language can be switched, and stays switched.
  await page.getByRole('link', { name: 'English' }).click();
  t.is(await page.getByRole('heading', { name: 'Access card' }).count(), 1);
  await page.goto('/card');
  t.is(await page.getByRole('heading', { name: 'Your card is registered' }).count(), 1);
  await screenshots(page, 'card-done');
});

test('the card\'s QR code opened on a phone: sign in first, then one tap registers that card', async (t) => {
  const member = await invite('en', 'Quentin Roux');
  const card = await stockCard();
  const setup = await openPage(t, browser, { baseURL: world.appUrl, locale: 'en', viewport: DESKTOP });
  await acceptInvitation(setup, member.email, EN);
  await screenshots(setup, 'card-step1');

  const phone = await openPage(t, browser, { baseURL: world.appUrl, locale: 'en', viewport: PHONE });
  await phone.goto(`/q/${card.qr}`);
  await phone.waitForURL(/\/login\?next=/);
  t.true(await phone.getByText('Sign in to register the card you just scanned.').isVisible());
  await screenshots(phone, 'login');
  await phone.getByLabel('E-mail address').fill(member.email);
  await phone.getByLabel('Password').fill(PASSWORD);
  await phone.getByRole('button', { name: 'Sign in', exact: true }).click();
  await phone.waitForURL(new RegExp(`/q/${card.qr}$`));
  await screenshots(phone, 'qr');
  await phone.getByRole('button', { name: 'Register this card' }).click();
  await phone.getByRole('heading', { name: 'Your card is registered' }).waitFor();
  t.regex((await phone.locator('main').textContent()) ?? '', new RegExp(`Card ${card.number} is yours`));

  // A card that is not in the stock is refused with the reason, on the same page.
  const other = await invite('en');
  const second = await openPage(t, browser, { baseURL: world.appUrl, locale: 'en', viewport: PHONE });
  await acceptInvitation(second, other.email, EN);
  await second.goto('/q/not-a-card-of-ours');
  // Explained as soon as the page opens: no "register this card?" for a code that would be refused.
  t.regex((await second.getByRole('alert').textContent()) ?? '', /not one of an access card|not in your site's card stock/);
  t.is(await second.getByRole('button', { name: 'Register this card' }).count(), 0);
});

test('closing the wizard at step 1 sends one instructions e-mail with the PIN and a link back to the wizard', async (t) => {
  const member = await invite('en', 'Claire Petit');
  const page = await openPage(t, browser, { baseURL: world.appUrl, locale: 'en', viewport: PHONE });
  await acceptInvitation(page, member.email, EN);
  await screenshots(page, 'card-step1');
  await page.getByRole('button', { name: 'Close' }).click();
  await page.waitForURL(/\/me\?done=instructions_sent/);
  t.regex((await page.getByRole('status').textContent()) ?? '', /e-mailed you the instructions/);
  await screenshots(page, 'profile-card-pending');

  const [mail] = await waitForMail(member.email, /Register your access card/);
  t.regex(mail!.text, /\*\d{4}/);
  const link = /https?:\/\/\S+\/card\b/.exec(mail!.text)?.[0];
  t.truthy(link, mail!.text);
  await page.goto(onApp(link!));
  // The close revealed the PIN, so the wizard picks up at step 2.
  await page.getByRole('heading', { name: /Scan your card's QR code/ }).waitFor();
  t.is((await waitForMail(member.email, /Register your access card/)).length, 1);
});

test('forgotten password: e-mail, 6-digit code, new password; a wrong code is refused on its field', async (t) => {
  const member = await invite('fr', 'Inès Moreau');
  const page = await openPage(t, browser, { baseURL: world.appUrl, locale: 'fr', viewport: PHONE });
  await acceptInvitation(page, member.email, FR);
  await openMenu(page);
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.waitForURL(/\/login\?done=signed_out/);

  await page.getByRole('link', { name: 'Mot de passe oublié ?' }).click();
  await screenshots(page, 'forgot-password');
  await page.getByLabel('Adresse e-mail').fill(member.email);
  await page.getByRole('button', { name: 'M’envoyer un code' }).click();
  await page.waitForURL(/\/forgot-password\/code/);
  await screenshots(page, 'reset-password');
  const [mail] = await waitForMail(member.email, /réinitialisation/);
  const code = /\b(\d{6})\b/.exec(mail!.text)![1]!;

  const newPassword = 'another long passphrase 42';
  await page.getByLabel('Code de vérification').fill(code === '000000' ? '111111' : '000000');
  await page.getByLabel(FR.password).fill(newPassword);
  await page.getByLabel(FR.confirm).fill(newPassword);
  await page.getByRole('button', { name: 'Modifier mon mot de passe' }).click();
  t.is(await page.getByLabel('Code de vérification').getAttribute('aria-invalid'), 'true');

  await page.getByLabel('Code de vérification').fill(code);
  await page.getByLabel(FR.password).fill(newPassword);
  await page.getByLabel(FR.confirm).fill(newPassword);
  await page.getByRole('button', { name: 'Modifier mon mot de passe' }).click();
  await page.waitForURL(/\/me\?done=password_changed/);
  t.regex((await page.getByRole('status').textContent()) ?? '', /mot de passe a été modifié/);

  // The new password opens the account; the old one no longer does.
  const fresh = await openPage(t, browser, { baseURL: world.appUrl, locale: 'fr', viewport: DESKTOP });
  await fresh.goto('/login');
  await fresh.getByLabel('Adresse e-mail').fill(member.email);
  await fresh.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD);
  await fresh.getByRole('button', { name: 'Se connecter', exact: true }).click();
  t.regex((await fresh.getByRole('alert').textContent()) ?? '', /incorrect/);
  await screenshot(fresh, 'login-error.fr.desktop');
  await fresh.getByLabel('Mot de passe', { exact: true }).fill(newPassword);
  await fresh.getByRole('button', { name: 'Se connecter', exact: true }).click();
  await fresh.waitForURL(/\/me$/);
});
