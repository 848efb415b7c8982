// The administrators' pages in a real browser against the real stack: invite one member, a team
// by CSV, add cards and a door controller, register a card for a member, remove a member behind
// a confirmation; and what the pages refuse (other people's forms, non-admins, open redirects).
import test, { type ExecutionContext } from 'ava';
import type { Browser, Page } from 'playwright-core';
import { apiWorld, PASSWORD, tag, waitForMail, type ApiWorld } from './helpers/api.ts';
import { connectBrowser, DESKTOP, openMenu, openPage, PHONE, screenshot, screenshots } from './helpers/browser.ts';
import { query } from './helpers/database.ts';
import { fileScope } from './helpers/scope.ts';
import { waitFor } from './helpers/wait.ts';
import { webhookReceiver } from './helpers/webhook-receiver.ts';
import { Webhook } from 'standardwebhooks';

const scope = fileScope();
let world: ApiWorld;
let browser: Browser;
test.before(async () => {
  [world, browser] = await Promise.all([apiWorld(scope), connectBrowser(scope)]);
  // The company's first admin creates their password (as org:create's e-mail has them do).
  await world.adminSession();
});

async function signInAsAdmin(t: ExecutionContext, locale: 'fr' | 'en', viewport = DESKTOP, org = world.org): Promise<Page> {
  const page = await openPage(t, browser, { baseURL: world.appUrl, locale, viewport });
  await page.goto('/login');
  await page.getByLabel(locale === 'en' ? 'E-mail address' : 'Adresse e-mail').fill(org.adminEmail);
  await page.getByLabel(locale === 'en' ? 'Password' : 'Mot de passe', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: locale === 'en' ? 'Sign in' : 'Se connecter', exact: true }).click();
  // Admins land on the overview; these tests start from the members list.
  await page.waitForURL(/\/admin$/);
  await openMenu(page);
  await page.getByRole('link', { name: /^(Members|Membres)$/ }).click();
  await page.waitForURL(/\/admin\/members$/);
  // The pages speak the admin's own language (French here) until they choose another one.
  t.is(await page.locator('html').getAttribute('lang'), 'fr');
  if (locale === 'en') {
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(/lang=en/);
  }
  return page;
}

const mainText = async (page: Page) => (await page.locator('main').textContent()) ?? '';

test('an admin invites a member, gives them a card from the stock, then removes them after confirming', async (t) => {
  const page = await signInAsAdmin(t, 'en');
  await screenshots(page, 'admin-members');

  // Card stock and a door controller, from the building's page (this admin runs the buildings too).
  await page.getByRole('link', { name: 'Buildings', exact: true }).click();
  await screenshots(page, 'operator-sites');
  await page.getByRole('link', { name: world.org.siteName }).click();
  const sitePath = new URL(page.url()).pathname;
  const cardNumber = `B-${tag()}`;
  await page.getByLabel('Cards to add').fill(`${cardNumber}\nB-${tag()},qr-${tag()}-print`);
  await page.getByRole('button', { name: 'Add to the stock' }).click();
  t.regex((await page.getByRole('status').first().textContent()) ?? '', /cards have been added/);
  t.true(await page.getByRole('cell', { name: cardNumber, exact: true }).isVisible());
  await page.getByLabel('Controller name').fill('Main entrance');
  await page.getByRole('button', { name: 'Add a door controller' }).click();
  const secret = (await page.locator('.secret-value').textContent()) ?? '';
  t.regex(secret, /^dcs_/);
  await screenshot(page, 'operator-site.en.desktop');
  // Shown once: the next visit of the site's page no longer has it.
  await page.goto(sitePath);
  t.true(await page.getByRole('cell', { name: 'Main entrance' }).isVisible());
  t.false((await page.content()).includes(secret));
  await screenshots(page, 'operator-site');

  // Invite one person.
  await page.getByRole('link', { name: 'Members', exact: true }).click();
  await page.getByRole('link', { name: 'Invite member' }).click();
  await screenshots(page, 'admin-invite');
  const email = `new-${tag()}@acme.test`;
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel(/^Full name/).fill('Noah Lambert');
  await page.getByRole('radio', { name: 'Administrator' }).check();
  await page.getByRole('radio', { name: 'User' }).check();
  await page.getByLabel('Language of the e-mails').selectOption('en');
  await page.getByRole('button', { name: 'Send the invitation' }).click();
  await page.waitForURL(/\/admin\/members\/[0-9a-f-]{36}\?done=invited/);
  t.regex((await page.getByRole('status').first().textContent()) ?? '', /invitation is on its way/);
  t.is(await page.getByRole('heading', { level: 1 }).textContent(), 'Noah Lambert');
  t.regex(await mainText(page), /Invitation link expires/);
  await waitForMail(email, /invites you/);

  // The same address again: refused on the e-mail field, with a link to the existing member.
  await page.goto('/admin/members/new');
  await page.getByLabel('E-mail address').fill(email.toUpperCase());
  await page.getByRole('button', { name: 'Send the invitation' }).click();
  t.is(await page.getByLabel('E-mail address').getAttribute('aria-invalid'), 'true');
  t.true(await page.getByRole('link', { name: 'See this member' }).isVisible());
  await page.getByRole('link', { name: 'See this member' }).click();

  // A new invitation link (the old one dies), and a change of permissions, without leaving the page.
  await page.getByRole('button', { name: 'Resend the invitation' }).click();
  await page.waitForURL(/done=invitation_resent/);
  await waitForMail(email, /invites you/, 2);
  await page.getByRole('radio', { name: 'Administrator' }).check();
  await page.getByRole('button', { name: 'Change permissions' }).click();
  await page.waitForURL(/done=role_changed/);
  t.regex(await mainText(page), /PermissionsAdministrator/);

  // "Register an access card for…" even before they have a password.
  await page.getByLabel('Card number').fill('NOT-IN-STOCK');
  await page.getByRole('button', { name: 'Register the card' }).click();
  // This admin runs the buildings too: told where to add the card, not to ask an administrator.
  t.regex((await page.getByRole('alert').textContent()) ?? '', /not in the site's card stock\. Check the number, or add the card to the stock from the building's page/);
  // The language switch of a page answering a form leads to that page, not to the form's address.
  t.regex((await page.getByRole('link', { name: 'Français' }).getAttribute('href')) ?? '', /^\/admin\/members\/[0-9a-f-]{36}\?lang=fr$/);
  await page.getByLabel('Card number').fill(cardNumber);
  await page.getByRole('button', { name: 'Register the card' }).click();
  await page.waitForURL(/done=member_card_registered/);
  t.regex((await page.getByRole('status').first().textContent()) ?? '', /card is registered for this member/);
  t.is(await page.getByRole('heading', { name: 'Register an access card for Noah Lambert' }).count(), 1);
  t.regex(await mainText(page), new RegExp(`${cardNumber} \\(Assigned\\)`));
  t.regex(await mainText(page), /Card registered/, 'the history shows it');
  await screenshots(page, 'admin-member');

  // "Remove user" is at the bottom and asks first; cancelling changes nothing.
  const memberPath = new URL(page.url()).pathname;
  await page.getByRole('link', { name: 'Remove user' }).click();
  await screenshots(page, 'admin-remove');
  await page.getByRole('link', { name: 'Cancel' }).click();
  await page.waitForURL(new RegExp(`${memberPath}$`));
  t.regex(await mainText(page), /Invited/);
  await page.getByRole('link', { name: 'Remove user' }).click();
  await page.getByLabel(/^Reason/).fill('Left the company');
  await page.getByRole('button', { name: 'Yes, remove this user' }).click();
  await page.waitForURL(/done=removed/);
  t.is(await page.locator('.page-head .badge').textContent(), 'Removed');
  t.is(await page.getByRole('link', { name: 'Remove user' }).count(), 0);
  await waitForMail(email, /was removed/);
  const [card] = (await query<{ state: string }>(world.url, 'select state from card where number = $1', [cardNumber])).rows;
  t.is(card!.state, 'revoked');
});

test('an admin invites a team from a CSV file and follows the import to its end, rows in error listed', async (t) => {
  const page = await signInAsAdmin(t, 'fr', PHONE);
  await screenshots(page, 'admin-members');
  await page.getByRole('link', { name: 'Inviter membre' }).click();
  await screenshots(page, 'admin-invite');
  const marker = tag();
  const csv = `email,name,role,locale\nteam-${marker}-1@acme.test,Léa Martin,user,fr\nteam-${marker}-2@acme.test,Hugo Blanc,admin,en\nnot-an-address,Nobody,user,fr\n`;

  await page.getByLabel('Fichier CSV').setInputFiles({ name: 'team.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Inviter l’équipe' }).click();
  await page.waitForURL(/\/admin\/imports\/[0-9a-f-]{36}$/);
  // The page follows the import by itself until it ends.
  await page.getByRole('heading', { name: 'Import terminé' }).waitFor();
  const text = await mainText(page);
  t.regex(text, /Lignes traitées : 3 sur 3/);
  t.regex(text, /Invités\s*2/);
  t.regex(text, /4\s*En échec\s*Une valeur n’est pas valide dans : email\./, 'the row in error says why, in French, numbered as the spreadsheet counts (header = row 1)');
  await screenshots(page, 'admin-import');
  await waitForMail(`team-${marker}-2@acme.test`, /invites you/);

  // The list finds them, filtered by status and searched by name.
  await page.goto(`/admin/members?q=${marker}&status=invited&lang=fr`);
  t.is(await page.locator('tbody tr').count(), 2);
  await page.getByLabel('Nom ou e-mail').fill('Hugo Blanc');
  await page.getByRole('button', { name: 'Filtrer' }).click();
  t.is(await page.locator('tbody tr').count(), 1);
  t.true(await page.getByRole('link', { name: 'Hugo Blanc' }).isVisible());
});

test('forms carry a token only our pages know; members cannot open admin pages; next= stays on this site', async (t) => {
  const app = world.appUrl;
  // A form posted from elsewhere (no token, or a cross-site request) is refused and changes nothing.
  const forged = await fetch(`${app}/login`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `email=${encodeURIComponent(world.org.adminEmail)}&password=${encodeURIComponent(PASSWORD)}`, redirect: 'manual' });
  t.is(forged.status, 403);
  t.falsy(forged.headers.get('set-cookie')?.includes('mo_session='));
  t.regex(await forged.text(), /formulaire a expiré|form has expired/);

  // The session cookie is HttpOnly and SameSite=Lax.
  const page = await signInAsAdmin(t, 'en');
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'mo_session');
  t.like(session, { httpOnly: true, sameSite: 'Lax' });


  // The last administrator cannot remove themselves (a company of their own here, so the
  // other tests' invitations make no second admin): the confirmation page says why.
  const alone = await world.newCompany();
  await world.adminSession(alone);
  const lastAdmin = await signInAsAdmin(t, 'en', DESKTOP, alone);
  await lastAdmin.goto(`/admin/members/${alone.adminMemberId}/remove`);
  // Refused up front: no confirmation to click through first.
  t.regex((await lastAdmin.getByRole('alert').textContent()) ?? '', /last administrator/);
  t.is(await lastAdmin.getByRole('button', { name: 'Yes, remove this user' }).count(), 0);
  await lastAdmin.goto(`/admin/members/${alone.adminMemberId}`);
  t.not(await lastAdmin.locator('.page-head .badge').textContent(), 'Removed');

  // A member who is not an admin gets a 403 page, in their language.
  const member = await world.member();
  const memberPage = await openPage(t, browser, { baseURL: app, locale: 'en', viewport: PHONE });
  await memberPage.goto('/login?next=//evil.example/steal');
  await memberPage.getByLabel('E-mail address').fill(member.email);
  await memberPage.getByLabel('Password').fill(PASSWORD);
  await memberPage.getByRole('button', { name: 'Sign in', exact: true }).click();
  await memberPage.waitForURL(new RegExp(`^${app}/me$`));
  const refused = await memberPage.goto('/admin/members');
  t.is(refused!.status(), 403);
  t.is(await memberPage.getByRole('heading', { level: 1 }).textContent(), 'Access refused');

  // Signed out, a page sends to the sign-in and back.
  const anonymous = await openPage(t, browser, { baseURL: app, locale: 'fr', viewport: PHONE });
  await anonymous.goto('/admin/members');
  await anonymous.waitForURL(/\/login\?next=%2Fadmin%2Fmembers/);
  t.is(await anonymous.getByRole('heading', { level: 1 }).textContent(), 'Connexion');
});

test('a mistyped address gets a page in a browser and problem+json from the API', async (t) => {
  const page = await openPage(t, browser, { baseURL: world.appUrl, locale: 'en', viewport: PHONE });
  const answer = await page.goto('/no/such/page');
  t.is(answer!.status(), 404);
  t.is(await page.getByRole('heading', { level: 1 }).textContent(), 'Page not found');
  const api = await fetch(`${world.appUrl}/v1/no-such-thing`);
  t.is(api.status, 404);
  t.is(api.headers.get('content-type'), 'application/problem+json');
});

test('an admin corrects a member and a site from their pages; the history names who did what and says from what to what', async (t) => {
  const org = await world.newCompany();
  await world.adminSession(org);
  const page = await signInAsAdmin(t, 'en', DESKTOP, org);
  const email = `fix-${tag()}@acme.test`;
  const invited = await world.api.post('/v1/members', { email, name: 'Jon Smiht', locale: 'fr' }, { token: org.apiKey });

  await page.goto(`/admin/members/${invited.body.id}`);
  await page.getByLabel('Full name').fill('John Smith');
  await page.getByRole('button', { name: 'Save the details' }).click();
  t.regex((await page.getByRole('status').first().textContent()) ?? '', /details are saved/);
  t.is(await page.getByRole('heading', { level: 1 }).textContent(), 'John Smith');
  await page.getByLabel('Administrator').check();
  await page.getByRole('button', { name: 'Change permissions' }).click();
  await page.waitForURL(/done=role_changed/);
  const history = (await page.getByRole('region', { name: 'History' }).textContent()) ?? '';
  t.regex(history, /Permissions changed \(User → Administrator\)/);
  t.regex(history, /Details changed \(name: Jon Smiht → John Smith\)/);
  t.regex(history, /Ada Admin/, 'the admin by name');
  t.regex(history, /The platform/, 'the platform in words, not "system"');
  t.notRegex(history, /member:[0-9a-f-]{36}|door-controller:|\bsystem\b/);
  await screenshot(page, 'admin-member-history.en.desktop');

  // A company admin reads its sites; the building itself is the operator's to change.
  await page.goto('/admin/sites');
  t.regex(await mainText(page), new RegExp(org.siteName));
  t.is(await page.getByRole('button', { name: 'Save the site' }).count(), 0);
  await screenshots(page, 'admin-sites');
  t.is((await page.goto(`/operator/sites/${org.siteId}`))?.status(), 403);
  t.regex(await mainText(page), /For the building operator/);
  await screenshot(page, 'operator-only.en.desktop');
  const operator = await signInAsAdmin(t, 'en', DESKTOP, world.org);
  await operator.goto(`/operator/sites/${org.siteId}`);
  await operator.getByRole('textbox', { name: /^Address/ }).fill('5 place Bellecour, Lyon');
  await operator.getByLabel('Wi-Fi network name (SSID)').fill('Acme-Members');
  await operator.getByRole('button', { name: 'Save the site' }).click();
  t.regex((await operator.getByRole('status').first().textContent()) ?? '', /site is saved/);
  t.regex(await mainText(operator), /Acme-Members/);
  t.regex(await mainText(operator), /5 place Bellecour/);

  const icon = await fetch(`${world.appUrl}/favicon.ico`);
  t.is(icon.status, 200);
  t.is(icon.headers.get('content-type'), 'image/svg+xml');
});

test('the operator adds a company with its site and first admin, sees its key once, plans its end of contract and cancels it', async (t) => {
  const page = await signInAsAdmin(t, 'en', DESKTOP);
  await page.getByRole('link', { name: 'Companies', exact: true }).click();
  await page.waitForURL(/\/operator\/companies$/);
  const name = `Atelier ${tag()}`;
  const adminEmail = `rh-${tag()}@atelier.test`;
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('checkbox', { name: world.org.siteName }).check();
  await page.getByLabel('First administrator’s e-mail').fill(adminEmail);
  await page.getByLabel('First administrator’s name').fill('Inès Robert');
  await page.getByRole('button', { name: 'Add the company' }).click();
  t.regex((await page.getByRole('status').first().textContent()) ?? '', new RegExp(`${name} is created`));
  const key = (await page.locator('.secret-value').textContent()) ?? '';
  t.regex(key, /^mo_/);
  await screenshot(page, 'operator-company-created.en.desktop');
  await waitForMail(adminEmail, /invites you|vous invite/);
  // The key works for the company's HR system, and is not shown again.
  t.is((await world.api.get('/v1/sites', { token: key })).body.items[0].id, world.org.siteId);
  await page.goto('/operator/companies');
  t.false((await page.content()).includes(key));
  await screenshots(page, 'operator-companies');

  await page.getByRole('link', { name }).click();
  const companyPath = new URL(page.url()).pathname;
  // A date next year, in the operator admin's time zone.
  const year = new Date().getFullYear() + 1;
  await page.getByLabel('Date and time').fill(`${year}-06-30T18:00`);
  await page.getByRole('button', { name: `Offboard ${name}` }).click();
  // A confirmation first, naming the company and how many members leave; nothing is planned yet.
  t.regex(await mainText(page), new RegExp(`On .*${year}.*, ${name} leaves: its 1 member is removed then`));
  t.is((await world.api.get(`/v1/companies/${companyPath.split('/').pop()}/offboarding`, { token: world.operatorKey })).status, 404);
  // A POST's answer: its language links lead back to the company page, so one language here.
  await screenshot(page, 'operator-offboard-confirm.en.desktop');
  await page.getByLabel(/To confirm, type the company's name/).fill(`${name} typo`);
  await page.getByRole('button', { name: `I understand, offboard ${name}` }).click();
  t.regex(await mainText(page), /Type the company's name exactly as shown/);
  await page.getByLabel(/To confirm, type the company's name/).fill(name);
  await page.getByRole('button', { name: `I understand, offboard ${name}` }).click();
  await page.waitForURL(/done=offboarding_scheduled/);
  t.regex(await mainText(page), new RegExp(`Every member \\(1 today\\) will be removed on .*${year}`));
  const scheduled = await world.api.get(`/v1/companies/${companyPath.split('/').pop()}/offboarding`, { token: world.operatorKey });
  t.like(scheduled.body, { state: 'scheduled', effectiveAt: new Date(`${year}-06-30T16:00:00Z`).toISOString() }, '18:00 in Paris in summer');
  await screenshots(page, 'operator-company');
  await page.getByRole('button', { name: 'Cancel the offboarding' }).click();
  await page.waitForURL(/done=offboarding_cancelled/);
  t.regex(await mainText(page), /An offboarding was cancelled/);
  t.true(await page.getByRole('button', { name: `Offboard ${name}` }).isVisible(), 'it can be planned again');

  // Now (no date): asked again, then the page follows the removals to the end.
  await page.getByRole('button', { name: `Offboard ${name}` }).click();
  t.regex(await mainText(page), new RegExp(`Right now, ${name} leaves: its 1 member is removed at once`));
  await page.getByLabel(/To confirm, type the company's name/).fill(name);
  await page.getByRole('button', { name: `I understand, offboard ${name}` }).click();
  await page.waitForURL(/done=offboarding_scheduled/);
  await waitFor('the offboarding to complete', async () => {
    await page.goto(companyPath);
    return /Offboarded on/.test(await mainText(page)) ? true : undefined;
  });
  t.regex(await mainText(page), /1 of 1 member removed/);
  t.is(await page.getByRole('button', { name: 'Save the company' }).count(), 0, 'a company that left is no longer edited');
  await screenshots(page, 'operator-company-offboarded');

  const phone = await signInAsAdmin(t, 'fr', PHONE);
  await phone.goto(companyPath);
  await screenshots(phone, 'operator-company');
});

test('an admin makes a SCIM key on the API keys page (shown once, then revoked), and gives a newcomer a first day from the invite form', async (t) => {
  const org = await world.newCompany();
  await world.adminSession(org);
  const page = await signInAsAdmin(t, 'en', DESKTOP, org);
  await page.getByRole('link', { name: 'API keys', exact: true }).click();
  t.regex(await mainText(page), /Initial key/, 'org:create’s key is the first managed key');
  await page.getByLabel('Name', { exact: true }).fill('Okta provisioning');
  await page.getByLabel('SCIM provisioning').check();
  await page.getByRole('button', { name: 'Make the key' }).click();
  const secret = (await page.locator('.secret-value').textContent()) ?? '';
  t.regex(secret, /^mo_/);
  t.regex(await mainText(page), /\/scim\/v2/);
  await screenshot(page, 'admin-api-key-made.en.desktop');
  const users = await fetch(`${world.appUrl}/scim/v2/Users`, { headers: { Authorization: `Bearer ${secret}` } });
  t.is(users.status, 200);
  await page.goto('/admin/api-keys');
  t.notRegex(await mainText(page), new RegExp(secret), 'shown once');
  await screenshots(page, 'admin-api-keys');
  const phone = await signInAsAdmin(t, 'fr', PHONE, org);
  await phone.goto('/admin/api-keys');
  await screenshots(phone, 'admin-api-keys');
  await page.getByRole('button', { name: 'Revoke the key Okta provisioning' }).click();
  t.regex((await page.getByRole('status').first().textContent()) ?? '', /revoked/);
  t.is((await fetch(`${world.appUrl}/scim/v2/Users`, { headers: { Authorization: `Bearer ${secret}` } })).status, 401);

  // Known ahead: scheduled, nothing sent, the invitation's date shown; then the start cleared.
  const startsOn = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);
  const email = `ahead-${tag()}@acme.test`;
  await page.goto('/admin/members/new');
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel(/^First day/).first().fill(startsOn);
  await page.getByRole('button', { name: /^Send the invitation|^Invite/ }).first().click();
  await page.waitForURL(/\/admin\/members\/[0-9a-f-]{36}\?done=scheduled/);
  t.regex(await mainText(page), /Scheduled/);
  t.regex((await page.getByRole('status').first().textContent()) ?? '', /goes out 7 days before/);
  t.regex(await mainText(page), /Invitation not sent yet/);
  t.regex(await mainText(page), /Invitation goes out/);
  await screenshots(page, 'admin-member-scheduled');
  await page.getByRole('textbox', { name: /^First day/ }).fill('');
  await page.getByRole('button', { name: 'Save the dates' }).click();
  t.regex((await page.getByRole('status').first().textContent()) ?? '', /dates are saved/);
  await waitForMail(email, /invit/i);
});

test('the operator connects a site\'s Wi-Fi: an access point with its shared secret shown once, the RADIUS server to enter, a VLAN for a company', async (t) => {
  // Granted to a company of its own: another site for the shared company would change what the
  // other tests' invitations and imports must say.
  const site = await world.newSite({ name: `Wi-Fi ${tag()}`, wifiSsid: 'Acme-Members' }, await world.newCompany());
  const page = await signInAsAdmin(t, 'en', DESKTOP);
  await page.goto(`/operator/sites/${site.body.id}`);
  const panel = page.getByRole('region', { name: 'Wi-Fi (WPA2/WPA3-Enterprise)' });
  t.regex((await panel.textContent()) ?? '', /None yet: until one is added, no access point can let members in/);

  // A hostname is not what RADIUS sees: said next to the field, nothing added.
  await page.getByLabel('Name', { exact: true }).fill('Ground floor AP');
  t.is(await page.getByLabel('Name', { exact: true }).getAttribute('name'), 'clientName');
  await page.getByLabel('IP address').fill('ap.lobby.example');
  await page.getByRole('button', { name: 'Add the access point' }).click();
  t.regex((await page.locator('#f-clientAddress-error').textContent()) ?? '', /IPv4 address/);
  t.is((await query(world.url, 'select count(*)::int as n from radius_client where site_id = $1', [site.body.id])).rows[0]!.n, 0);

  const address = `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;
  await page.getByLabel('IP address').fill(address);
  await page.getByRole('button', { name: 'Add the access point' }).click();
  const secret = (await page.locator('.secret-value').textContent()) ?? '';
  t.regex(secret, /^[\w-]{24}$/, 'a generated secret');
  const created = page.getByRole('status').filter({ hasText: 'Shared secret of Ground floor AP' });
  t.regex((await created.textContent()) ?? '', /127\.0\.0\.1[\s\S]*\d+ \(authentication\), \d+ \(accounting\)/, 'with the server and ports to enter');
  await screenshot(page, 'operator-site-wifi-created.en.desktop');
  await page.goto(`/operator/sites/${site.body.id}`);
  t.false((await page.content()).includes(secret), 'shown once');
  t.true(await page.getByRole('cell', { name: address }).isVisible());

  // The company granted this site gets a VLAN; a bad number is explained.
  const vlanField = page.getByLabel(/^VLAN of /);
  await vlanField.fill('5000');
  await page.getByRole('button', { name: 'Save the VLANs' }).click();
  t.regex((await page.locator('main').textContent()) ?? '', /A VLAN is a number between 1 and 4094/);
  await page.getByLabel(/^VLAN of /).fill('120');
  await page.getByRole('button', { name: 'Save the VLANs' }).click();
  t.regex((await page.getByRole('status').first().textContent()) ?? '', /VLANs are saved/);
  t.is(await page.getByLabel(/^VLAN of /).inputValue(), '120');
  t.deepEqual((await query(world.url, 'select wifi_vlan from company_site where site_id = $1', [site.body.id])).rows, [{ wifi_vlan: 120 }]);
  await screenshots(page, 'operator-site-wifi');

  await page.getByRole('button', { name: 'Remove Ground floor AP' }).click();
  t.regex((await page.getByRole('status').first().textContent()) ?? '', /access point is removed/);
  t.is((await query(world.url, 'select count(*)::int as n from radius_client where site_id = $1', [site.body.id])).rows[0]!.n, 0);
  const audit = await query<{ type: string }>(world.url, `select type from audit_event where type like 'radius_client.%' or type = 'site.wifi_changed' order by id`);
  t.true(['radius_client.created', 'site.wifi_changed', 'radius_client.deleted'].every((type) => audit.rows.some((r) => r.type === type)));

  const phone = await signInAsAdmin(t, 'fr', PHONE);
  await phone.goto(`/operator/sites/${site.body.id}`);
  await screenshots(phone, 'operator-site-wifi');
});

test('an admin adds a webhook on the settings page: its secret shown once, a test event delivered then refused, the log with the receiver\'s answer, a retry, a new secret, off and on, removed', async (t) => {
  const org = await world.newCompany();
  await world.adminSession(org);
  const receiver = await webhookReceiver(t);
  const page = await signInAsAdmin(t, 'en', DESKTOP, org);
  await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
  t.regex(await mainText(page), /No endpoint yet/);
  await screenshots(page, 'admin-webhooks-empty');
  // A refusal names the field and writes nothing.
  await page.getByLabel('URL', { exact: true }).fill('ftp://hr.acme.test/hooks');
  await page.getByRole('button', { name: 'Add the endpoint' }).click();
  t.regex(await page.locator('#f-url-error').textContent() ?? '', /https:\/\//);
  await page.getByLabel('URL', { exact: true }).fill(receiver.url);
  await page.getByLabel('Description').fill('People system');
  await page.getByLabel('Only these events:').check();
  await page.getByLabel(/member\.invited/).check();
  await page.getByLabel(/member\.removed/).check();
  await page.getByRole('button', { name: 'Add the endpoint' }).click();
  const secret = (await page.locator('.secret-value').textContent()) ?? '';
  t.regex(secret, /^whsec_/);
  await screenshot(page, 'admin-webhook-created.en.desktop');
  await page.getByRole('button', { name: 'Send a test event' }).click();
  t.regex((await page.getByRole('status').first().textContent()) ?? '', /delivered/);
  t.truthy(new Webhook(secret).verify(receiver.received[0]!.body, receiver.received[0]!.headers), 'the receiver verifies with the secret shown');
  t.notRegex(await mainText(page), new RegExp(secret.slice(6, 20).replace(/[+/]/g, '.')), 'the secret is shown once');
  receiver.answer({ status: 503, body: 'Service Unavailable: maintenance until 14:00' });
  await page.getByRole('button', { name: 'Send a test event' }).click();
  t.regex((await page.getByRole('status').first().textContent()) ?? '', /not delivered/);
  t.regex(await mainText(page), /HTTP 503/);
  t.regex(await mainText(page), /maintenance until 14:00/);
  await screenshots(page, 'admin-webhook');
  receiver.answer({ status: 200 });
  await page.getByRole('button', { name: 'Retry now (webhook.test)' }).click();
  t.regex((await page.getByRole('status').first().textContent()) ?? '', /Delivered/);
  await page.getByRole('button', { name: 'New secret' }).click();
  const rotated = (await page.locator('.secret-value').textContent()) ?? '';
  t.not(rotated, secret);
  t.regex(await mainText(page), /signed with both the old and the new secret/);
  await page.getByRole('button', { name: 'Turn off' }).click();
  t.regex((await page.getByRole('status').first().textContent()) ?? '', /is off/);
  t.true(await page.getByRole('button', { name: 'Send a test event' }).isDisabled());
  await page.getByRole('button', { name: 'Turn on again' }).click();
  const phone = await signInAsAdmin(t, 'fr', PHONE, org);
  await phone.goto(new URL(page.url()).pathname);
  await screenshots(phone, 'admin-webhook');
  await phone.goto('/admin/webhooks');
  t.regex(await mainText(phone), /People system/);
  await screenshots(phone, 'admin-webhooks');
  await page.getByRole('button', { name: 'Remove the endpoint' }).click();
  await page.waitForURL(/\/admin\/webhooks\?done=webhook_deleted/);
  t.regex(await mainText(page), /No endpoint yet/);
});
