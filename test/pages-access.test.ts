// Who opens which door, in a real browser against the real stack: an office manager invites a guest
// on a day pass and pastes a team's addresses, narrows a member's access days and reads their doors
// in words; the operator's staff add a zone, set the building's hours, grant a company a suite on a
// schedule, and read who is present now and the access log.
import test, { type ExecutionContext } from 'ava';
import type { Browser, Page } from 'playwright-core';
import { apiWorld, tag, type ApiWorld } from './helpers/api.ts';
import { accessibilityProblems } from './helpers/axe.ts';
import { connectBrowser, signInAs, DESKTOP, PHONE, screenshots } from './helpers/browser.ts';
import { query } from './helpers/database.ts';
import { fileScope } from './helpers/scope.ts';
import { waitFor } from './helpers/wait.ts';
import { signDoorRequest } from '../domain/door/signatures.ts';

const scope = fileScope();
let world: ApiWorld;
let browser: Browser;
test.before(async () => {
  [world, browser] = await Promise.all([apiWorld(scope), connectBrowser(scope)]);
  await world.adminSession();
});

const signIn = (t: ExecutionContext, locale: 'fr' | 'en', viewport = DESKTOP): Promise<Page> => signInAs(t, browser, { baseURL: world.appUrl, email: world.org.adminEmail, locale, viewport });
/** The company may have several sites (the other test adds one): the invitation names ours. */
async function chooseOurSite(page: Page): Promise<void> {
  const site = page.getByLabel('Site', { exact: true });
  if (await site.count()) await site.selectOption(world.org.siteId);
}
const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

test.serial('an office manager invites a guest on a day pass (Day badge, kind filter), pastes three addresses at once, and narrows a member’s access days, read back in words', async (t) => {
  const page = await signIn(t, 'en');
  await page.goto('/admin/members/new');
  const guest = `guest-${tag()}@acme.test`;
  await page.getByLabel('E-mail addresses').fill(guest);
  await page.getByLabel('Guest (day pass)').check();
  // A day pass without a full name is refused, naming the field; nothing is written.
  await page.getByLabel('Full name').fill('Camille');
  await page.getByLabel('Day-pass dates').fill(`${inDays(2)} ${inDays(4)}`);
  await chooseOurSite(page);
  await page.getByRole('button', { name: 'Send the invitation' }).click();
  t.regex(await page.locator('.error').first().innerText(), /first and a last name/);
  t.is((await query(world.url, 'select 1 from member where email = $1', [guest])).rowCount, 0);
  await page.getByLabel('Full name').fill('Camille Durand');
  await chooseOurSite(page);
  await page.getByRole('button', { name: 'Send the invitation' }).click();
  await page.waitForURL(/\/admin\/members\/[0-9a-f-]{36}\?done=/);
  t.true(await page.locator('.badge-day').first().isVisible(), 'the Day badge on the member page');
  await screenshots(page, 'admin-member-day-pass');

  await page.goto('/admin/members?kind=day_pass');
  const rows = page.locator('table.members tbody tr');
  t.is(await rows.count(), 1, 'the kind filter shows day passes only');
  t.regex(await rows.first().innerText(), /Camille Durand\s+Day/);
  await screenshots(page, 'admin-members-day-badge');

  // Many addresses pasted at once: one import, each its own invitation.
  await page.goto('/admin/members/new');
  const team = [1, 2, 3].map((i) => `team${i}-${tag()}@acme.test`);
  // As a mail client copies them too: "Name <address>".
  await page.getByLabel('E-mail addresses').fill(`${team[0]}, Team Two <${team[1]}>\n${team[2]}`);
  await page.getByLabel('Generate an access card registration code').uncheck();
  await chooseOurSite(page);
  await page.getByRole('button', { name: 'Send the invitation' }).click();
  await page.waitForURL(/\/admin\/imports\//);
  await waitFor('three invited', async () => (await query(world.url, 'select 1 from member where email = any($1) and card_needed = false', [team])).rowCount === 3);

  // A member's access days: the business week, then their doors in words.
  const member = await world.member();
  await page.goto(`/admin/members/${member.id}`);
  t.regex(await page.locator('dd', { hasText: 'Entrance and common areas' }).innerText(), /Entrance and common areas — every day, at any hour/);
  await page.getByLabel('Business week (Mon–Fri, 6am–10pm)').check();
  await page.getByRole('button', { name: 'Save the access days' }).click();
  await page.waitForURL(/done=access_changed/);
  t.regex(await page.locator('dd', { hasText: 'Entrance and common areas' }).innerText(), /Entrance and common areas — Mon–Fri 06:00–22:00/);
  t.deepEqual(await accessibilityProblems(page), []);
  await screenshots(page, 'admin-member-access-days');
  const phone = await signIn(t, 'fr', PHONE);
  await phone.goto(`/admin/members/${member.id}`);
  t.regex(await phone.locator('dd', { hasText: 'Entrance and common areas' }).innerText(), /lun\.–ven\. 06:00–22:00/);
  await screenshots(phone, 'admin-member-access-days');
});

test.serial('the operator adds a suite, sets the building’s hours, grants the company the suite on a schedule, and reads who is present now and the access log', async (t) => {
  const page = await signIn(t, 'en');
  // A building of its own: its hours change nobody else's doors.
  const siteId = (await world.newSite({ name: `Tower ${tag()}`, timeZone: 'Europe/Paris' })).body.id as string;
  await page.goto(`/operator/sites/${siteId}`);
  await page.getByRole('link', { name: 'Access: zones, hours, present' }).click();
  await page.waitForURL(`**/operator/sites/${siteId}/access`);
  const suite = `Suite ${tag()}`;
  await page.getByLabel('Zone name').fill(suite);
  await page.getByRole('button', { name: 'Add the zone' }).click();
  await page.waitForURL(/done=zone_created/);
  t.true(await page.getByRole('cell', { name: suite }).isVisible());
  // The common zone, named in English when the site was made, renamed in the operator's words.
  const zonesTable = page.locator('section[aria-labelledby="access-zones"] tbody tr');
  const common = zonesTable.first();
  await common.locator('summary', { hasText: 'Rename' }).click();
  await common.getByLabel('New name for Entrance and common areas').fill(`Hall ${tag()}`);
  await common.getByRole('button', { name: 'Save the name' }).click();
  await page.waitForURL(/done=zone_renamed/);
  t.regex(await zonesTable.first().innerText(), /^Hall /);

  // A window that ends before it starts is refused, saying how to write it.
  await page.getByLabel('Weekly hours').fill('mon-fri 22:00-06:00');
  await page.getByRole('button', { name: 'Save the hours' }).click();
  t.regex(await page.locator('#f-weekly-error').innerText(), /ends \(06:00\) before it starts|\+1/);
  await page.getByLabel('Weekly hours').fill('mon-fri 06:00-22:00\nsat 08:00-13:00');
  await page.getByLabel('Closed days').fill('2027-12-25');
  await page.getByRole('button', { name: 'Save the hours' }).click();
  await page.waitForURL(/done=hours_saved/);
  t.regex(await page.locator('section[aria-labelledby="access-hours"]').innerText(), /Mon–Fri 06:00–22:00, Sat 08:00–13:00 \(closed on 2027-12-25\)/);

  // Someone came in: the roll-call shows them; the log shows the refusal too.
  const door = (await world.api.post(`/v1/sites/${siteId}/door-controllers`, { name: `Front ${tag()}` }, { token: world.operatorKey })).body as { id: string; secret: string };
  const member = await world.member({ siteId });
  const number = `W${tag()}`;
  await world.api.post(`/v1/sites/${siteId}/cards`, { cards: [{ number }] }, { token: world.operatorKey });
  await world.api.post(`/v1/members/${member.id}/cards`, { cardNumber: number }, { token: world.org.apiKey });
  const raw = JSON.stringify({ events: [
    { id: crypto.randomUUID(), type: 'denied', cardNumber: 'STRANGER', at: new Date(Date.now() - 60_000).toISOString(), reason: 'unknown_card' },
    { id: crypto.randomUUID(), type: 'granted', cardNumber: number, at: new Date().toISOString() },
  ] });
  const uploaded = await world.api.call('POST', `/v1/door-controllers/${door.id}/events`, { raw, headers: { 'Content-Type': 'application/json', 'X-Door-Controller': door.id, 'X-Signature': signDoorRequest(door.secret, raw) } });
  t.is(uploaded.status, 200);
  await page.goto(`/operator/sites/${siteId}/access`);
  t.regex(await page.locator('section[aria-labelledby="access-present"]').innerText(), new RegExp(`Member ${member.email.split('@')[0]}`));
  t.deepEqual(await accessibilityProblems(page), []);
  await screenshots(page, 'operator-site-access');
  await page.getByRole('link', { name: 'Access log' }).first().click();
  await page.getByLabel('Decision').selectOption('denied');
  await page.getByRole('button', { name: 'Filter' }).click();
  t.is(await page.locator('table.list tbody tr').count(), 1);
  t.regex(await page.locator('table.list tbody tr').innerText(), /Denied\s+card unknown to this door/);
  await screenshots(page, 'operator-access-log');

  // The company's grants: the suite on weekday office hours.
  await page.goto(`/operator/companies/${world.org.companyId}/access`);
  const [zone] = (await query<{ id: string }>(world.url, 'select id from zone where name = $1', [suite])).rows;
  await page.getByLabel('Zone', { exact: true }).selectOption(zone!.id);
  await page.getByLabel('Weekly hours').last().fill('mon-fri 08:00-19:00');
  await page.getByRole('button', { name: 'Grant the zone' }).click();
  await page.waitForURL(/done=grant_saved/);
  t.regex(await page.locator('section[aria-labelledby="grants-list"]').innerText(), new RegExp(`${suite}[\\s\\S]*Mon–Fri 08:00–19:00`));
  t.deepEqual(await accessibilityProblems(page), []);
  await screenshots(page, 'operator-company-zones');
  const grant = await query<{ schedule: unknown }>(world.url, 'select g.schedule from zone_grant g join zone z on z.id = g.zone_id where z.name = $1', [suite]);
  t.deepEqual(grant.rows[0]!.schedule, { weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '19:00' }], closures: [] });
});
