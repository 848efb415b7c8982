// Visitors in a real browser against the real stack: a member invites a visitor from "My
// visitors" and cancels another; the visitor's e-mail as it looks; the operator issues a reception
// kiosk link; a walk-in finds their host on the tablet (three letters at least, this site only),
// the host approves from the e-mail's link (opening it decides nothing), and the kiosk says so; a
// host who never answers (a kiosk served with a short wait) leaves the visitor told.
import test, { type ExecutionContext } from 'ava';
import type { Browser, Page } from 'playwright-core';
import { startApi } from './helpers/app.ts';
import { apiWorld, tag, waitForMail, type ApiWorld } from './helpers/api.ts';
import { accessibilityProblems } from './helpers/axe.ts';
import { connectBrowser, signInAs, DESKTOP, onApp, openPage, PHONE, screenshot, screenshots } from './helpers/browser.ts';
import { query } from './helpers/database.ts';
import { fileScope } from './helpers/scope.ts';

const scope = fileScope();
let world: ApiWorld;
let browser: Browser;
const TABLET = { width: 1024, height: 768 };
test.before(async () => {
  [world, browser] = await Promise.all([apiWorld(scope), connectBrowser(scope)]);
  await world.adminSession();
});

const signIn = (t: ExecutionContext, email: string, locale: 'fr' | 'en', viewport = DESKTOP): Promise<Page> => signInAs(t, browser, { baseURL: world.appUrl, email, locale, viewport });

/** An e-mail as its reader sees it, saved as test-output/screenshots/email-<name>.png. */
async function emailScreenshot(t: ExecutionContext, html: string, name: string, viewport = DESKTOP): Promise<void> {
  const page = await openPage(t, browser, { baseURL: world.appUrl, locale: 'en', viewport });
  await page.setContent(html);
  await screenshot(page, `email-${name}`);
}

/** The operator's staff issue a kiosk link for the site: the page shows it once. */
async function kioskLink(t: ExecutionContext, siteId: string): Promise<string> {
  const page = await signIn(t, world.org.adminEmail, 'en');
  await page.goto(`/operator/sites/${siteId}/reception`);
  await page.getByLabel('Name of the tablet').fill(`Lobby ${tag()}`);
  await page.getByRole('button', { name: 'Issue a link' }).click();
  const url = (await page.locator('.panel.secret code').innerText()).trim();
  t.regex(url, /\/reception\/rk_[\w-]{43}$/);
  t.deepEqual(await accessibilityProblems(page), []);
  await screenshots(page, 'operator-reception');
  return onApp(url);
}

test.serial('My visitors: a member invites a visitor (their e-mail shows the PIN, the page never does), sees who is expected, and cancels a visit', async (t) => {
  const host = await world.member({ name: 'Camille Durand' });
  const page = await signIn(t, host.email, 'en');
  await page.getByRole('link', { name: 'My visitors' }).first().click();
  await page.waitForURL(/\/visitors$/);
  const visitor = `jules-${tag()}@example.net`;
  await page.getByLabel("Visitor's e-mail address").fill(visitor);
  await page.getByLabel("Visitor's name").fill('Jules Petit');
  await page.getByLabel('Arrival time').fill('14:30');
  await page.getByLabel('Message to your visitor').fill('Ask for me at the 3rd floor reception.');
  await page.getByRole('button', { name: 'Invite', exact: true }).click();
  await page.waitForURL(/\/visitors\?done=visitor_invited/);
  const row = page.locator('table.visits tbody tr', { hasText: 'Jules Petit' });
  t.regex(await row.innerText(), /expected/);
  t.notRegex(await page.content(), /#\d{6}/, 'the host never sees the PIN');
  const [mail] = await waitForMail(visitor, /entry code/);
  t.regex(mail!.text, /#\d{6}/);
  await emailScreenshot(t, mail!.html!, 'visit-invitation.en');
  // The same in French, on a phone, for a second visitor.
  const french = `lea-${tag()}@example.net`;
  await page.getByLabel("Visitor's e-mail address").fill(french);
  await page.getByLabel('Français').check();
  await page.getByRole('button', { name: 'Invite', exact: true }).click();
  await page.waitForURL(/done=visitor_invited/);
  const [frMail] = await waitForMail(french, /code d'entrée/);
  await emailScreenshot(t, frMail!.html!, 'visit-invitation.fr.phone', PHONE);
  t.deepEqual(await accessibilityProblems(page), []);
  await screenshots(page, 'my-visitors');

  // A date in the past is refused, naming the field; nothing is written.
  await page.getByLabel("Visitor's e-mail address").fill(`late-${tag()}@example.net`);
  await page.getByLabel('Date of the visit').fill('2020-01-01');
  await page.getByRole('button', { name: 'Invite', exact: true }).click();
  t.regex(await page.locator('#f-date-error').innerText(), /past/);

  await page.goto('/visitors');
  await page.getByRole('button', { name: `Cancel the visit of ${french}` }).click();
  await page.waitForURL(/done=visit_cancelled/);
  t.regex(await page.locator('table.visits tbody tr', { hasText: french }).innerText(), /cancelled/);
  await waitForMail(french, /annulée/);

  const phone = await signIn(t, host.email, 'fr', PHONE);
  await phone.goto('/visitors');
  t.deepEqual(await accessibilityProblems(phone), []);
  await screenshots(phone, 'my-visitors');
  // The company's admins see every visitor of the company.
  const admin = await signIn(t, world.org.adminEmail, 'en');
  await admin.goto('/admin/visitors');
  t.regex(await admin.locator('table.visits', { hasText: 'Jules Petit' }).first().innerText(), /Camille Durand/);
  await screenshots(admin, 'admin-visitors');
});

test.serial('the reception kiosk: a walk-in finds their host by three letters (never fewer, never another site), the host approves from the e-mail, the kiosk says so', async (t) => {
  const site = await world.newSite({ name: `Lyon ${tag()}`, timeZone: 'Europe/Paris' });
  const host = await world.member({ name: 'Camille Durand', siteId: site.body.id });
  // Namesakes: one at another site, one removed here — neither is ever offered.
  await world.member({ name: 'Camille Dupont' });
  const kiosk = await kioskLink(t, site.body.id);

  const tablet = await openPage(t, browser, { baseURL: world.appUrl, locale: 'fr', viewport: TABLET });
  await tablet.goto(kiosk);
  t.deepEqual(await accessibilityProblems(tablet), []);
  await screenshots(tablet, 'reception-kiosk');
  await tablet.getByLabel('Votre nom').fill('Jules Petit');
  const visitor = `walkin-${tag()}@example.net`;
  await tablet.getByLabel('Votre adresse e-mail').fill(visitor);
  await tablet.getByLabel('Qui venez-vous voir ?').fill('Ca');
  await tablet.getByRole('button', { name: 'Trouver mon hôte' }).click();
  t.regex(await tablet.locator('#f-q-error').innerText(), /au moins 3 lettres/);
  t.is(await tablet.locator('input[name="hostId"]').count(), 0, 'fewer than three letters: nobody shown');
  await tablet.getByLabel('Qui venez-vous voir ?').fill('Cam');
  await tablet.getByRole('button', { name: 'Trouver mon hôte' }).click();
  const offered = await tablet.locator('input[name="hostId"]').evaluateAll((inputs) => inputs.map((i) => (i as unknown as { value: string }).value));
  t.deepEqual(offered, [host.id], "this site's Camille only, not the other site's");
  t.is((await tablet.locator('fieldset label').innerText()).trim(), 'Camille D.', 'first name and initial');
  t.false((await tablet.content()).includes('Durand'));
  t.deepEqual(await accessibilityProblems(tablet), []);
  await screenshot(tablet, 'reception-kiosk-host.fr.desktop');
  await tablet.getByRole('button', { name: 'Lui demander de me laisser entrer' }).click();
  await tablet.waitForURL(/\/reception\/rk_[\w-]+\/visits\//);
  t.regex(await tablet.locator('h2').innerText(), /Nous avons prévenu Camille D\./);
  t.deepEqual(await accessibilityProblems(tablet), []);
  await screenshots(tablet, 'reception-kiosk-waiting');

  const [ask] = await waitForMail(host.email, /is asking for you/);
  const link = /http\S+\/visits\/answer\/\S+/.exec(ask!.text)![0];
  const hostPage = await openPage(t, browser, { baseURL: world.appUrl, locale: 'en', viewport: PHONE });
  await hostPage.goto(onApp(link));
  t.is((await query<{ status: string }>(world.url, 'select status from visit where visitor_email = $1', [visitor])).rows[0]!.status, 'awaiting_host', 'opening the link decides nothing');
  t.deepEqual(await accessibilityProblems(hostPage), []);
  await screenshots(hostPage, 'visit-answer');
  await hostPage.getByRole('button', { name: 'Let them in' }).click();
  t.regex(await hostPage.locator('.notice').innerText(), /receives their code/);
  await tablet.locator('h2', { hasText: 'Vous pouvez entrer' }).waitFor();
  await screenshots(tablet, 'reception-kiosk-approved');
  const [pinMail] = await waitForMail(visitor, /code d'entrée/);
  t.regex(pinMail!.text, /#\d{6}/);
});

test.serial('the reception kiosk: a host who does not answer in time leaves the visitor told, on the tablet and by e-mail', async (t) => {
  const site = await world.newSite({ name: `Lille ${tag()}`, timeZone: 'Europe/Paris' });
  await world.member({ name: 'Noor Haddad', siteId: site.body.id });
  // The same stack, served with a three-second wait instead of fifteen minutes.
  const quick = await startApi(scope, { orm: world.orm, taskQueue: world.taskQueue, env: { VISIT_APPROVAL_WAIT: '3s' } });
  const kiosk = await kioskLink(t, site.body.id);
  const tablet = await openPage(t, browser, { baseURL: quick.url, locale: 'en', viewport: TABLET });
  await tablet.goto(kiosk);
  await tablet.getByLabel('Your name').fill('Sam Lee');
  const visitor = `walkin-${tag()}@example.net`;
  await tablet.getByLabel('Your e-mail address').fill(visitor);
  await tablet.getByLabel('Whom are you visiting?').fill('noo');
  await tablet.getByRole('button', { name: 'Find my host' }).click();
  await tablet.getByRole('button', { name: 'Ask them to let me in' }).click();
  await tablet.locator('h2', { hasText: 'Sorry' }).waitFor();
  t.regex(await tablet.locator('.panel p').innerText(), /could not reach Noor H\. in time/);
  t.deepEqual(await accessibilityProblems(tablet), []);
  await screenshots(tablet, 'reception-kiosk-unanswered');
  await waitForMail(visitor, /Your visit to/);
  t.is((await query<{ status: string }>(world.url, 'select status from visit where visitor_email = $1', [visitor])).rows[0]!.status, 'unanswered');
});
