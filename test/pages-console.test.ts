// The admin console as an office manager and the operator's staff use it, in a real browser
// against the real stack: the overview and its lists, the members list acting on several members,
// the member page, card QR codes and their label sheet, card stock from a file, a door
// controller's settings file, the Wi-Fi code on a member's profile, the CSV exports — and axe-core
// on every main page.
import test, { type ExecutionContext } from 'ava';
import type { Browser, Download, Page } from 'playwright-core';
import QRCode from 'qrcode';
import { parse } from 'csv-parse/sync';
import { apiWorld, invitationToken, PASSWORD, tag, waitForMail, type ApiWorld } from './helpers/api.ts';
import { accessibilityProblems, cspViolations } from './helpers/axe.ts';
import { connectBrowser, signInAs, DESKTOP, openPage, PHONE, screenshot, screenshots } from './helpers/browser.ts';
import { query } from './helpers/database.ts';
import { fileScope } from './helpers/scope.ts';
import { waitFor } from './helpers/wait.ts';
import { signDoorRequest } from '../domain/door/signatures.ts';
import { wifiJoinText } from '../web/qr.ts';
import { loadConfig } from '../config/index.ts';

// The address the test apps put in links and QR codes (their configuration's default).
const PUBLIC_URL = loadConfig({ NODE_ENV: 'test' }).http.publicUrl;

const scope = fileScope();
let world: ApiWorld;
let browser: Browser;
test.before(async () => {
  [world, browser] = await Promise.all([apiWorld(scope), connectBrowser(scope)]);
  await world.adminSession();
});

type Org = ApiWorld['org'];
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
// Whatever makes a phone scroll sideways, named, rather than just "it does".
const WIDER_THAN_SCREEN = `[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.visually-hidden, .main-nav')).map((e) => e.tagName + '.' + e.className).slice(0, 5)`;
/** A computed style of the first element matching `selector`. */
const styleOf = (page: Page, selector: string, property: string) => page.evaluate<string>(`getComputedStyle(document.querySelector(${JSON.stringify(selector)})).${property}`);
const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

const signIn = (t: ExecutionContext, org: Org, locale: 'fr' | 'en', viewport = DESKTOP, email = org.adminEmail): Promise<Page> => signInAs(t, browser, { baseURL: world.appUrl, email, locale, viewport });

async function invite(org: Org, body: Record<string, unknown>): Promise<string> {
  const reply = await world.api.post('/v1/members', { role: 'user', siteId: org.siteId, locale: 'en', ...body }, { token: org.apiKey });
  if (reply.status !== 201) throw new Error(`invite failed: ${reply.status} ${reply.text}`);
  return reply.body.id as string;
}

const accept = async (email: string) => {
  const reply = await world.api.post(`/v1/invitations/${encodeURIComponent(await invitationToken(email))}/accept`, { password: PASSWORD });
  if (reply.status !== 201) throw new Error(`accept failed: ${reply.status} ${reply.text}`);
};

const statusOf = async (id: string) => (await query<{ status: string }>(world.url, 'select status from member where id = $1', [id])).rows[0]?.status;
const untilStatus = (id: string, status: string) => waitFor(`member ${id} ${status}`, async () => (await statusOf(id)) === status);

/** The file a download link gives, as text. */
async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]) as [Download, void];
  const chunks: Buffer[] = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
  return { name: download.suggestedFilename(), text: Buffer.concat(chunks).toString('utf8') };
}

async function noSeriousProblems(t: ExecutionContext, page: Page, what: string) {
  t.deepEqual(await accessibilityProblems(page), [], `axe on ${what}`);
}

test('the overview counts members by status, lists who needs action with each a click away, draws onboarding by week, and exports the audit log', async (t) => {
  const org = await world.newCompany();
  await world.adminSession(org);
  // Short deadlines for this company, so an invitation expires and a card falls overdue for real
  // (a lifecycle keeps the durations it started with).
  const deadlines = (overrides: object | null) => query(world.url, 'update organization set lifecycle_overrides = $1 where id = $2', [overrides && JSON.stringify(overrides), org.companyId]);
  await deadlines({ invitationExpiresAfterMs: 1500, invitationRemindersMs: [] });
  const marker = tag();
  const expired = await invite(org, { email: `late-${marker}@acme.test`, name: 'Lena Late' });
  await deadlines({ cardOverdueAfterMs: 1500, cardRemindersMs: [] });
  const overdueEmail = `card-${marker}@acme.test`;
  const overdue = await invite(org, { email: overdueEmail, name: 'Omar Overdue' });
  await accept(overdueEmail);
  await Promise.all([untilStatus(expired, 'invitation_expired'), untilStatus(overdue, 'card_overdue')]);
  await deadlines(null);
  await invite(org, { email: `start-${marker}@acme.test`, name: 'Stella Start', startsOn: inDays(3) });
  await invite(org, { email: `leave-${marker}@acme.test`, name: 'Leo Leaving', endsOn: inDays(3) });

  // The company's colour and logo in the header, as in its e-mails.
  // (A logo inline as a data: URL, which the pages' CSP allows like https: ones, so the
  // screenshot shows one without reaching out of this machine.)
  const logo = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#ffffff"/><path d="M9 24 16 7l7 17M11.5 18h9" stroke="#0f766e" stroke-width="3" fill="none" stroke-linecap="round"/></svg>')}`;
  await query(world.url, `update organization set brand_color = '#0f766e', logo_url = $2 where id = $1`, [org.companyId, logo]);
  const page = await signIn(t, org, 'en');
  const csp = cspViolations(page);
  t.is(new URL(page.url()).pathname, '/admin', 'admins land on the overview');
  t.is(await styleOf(page, 'header.top', 'backgroundColor'), 'rgb(15, 118, 110)');
  t.is(await styleOf(page, 'header.top .brand', 'color'), 'rgb(255, 255, 255)', 'white on a dark colour');
  t.is(await page.locator('header.top .brand img').getAttribute('src'), logo);
  t.true(await page.locator('header.top .brand img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth > 0), 'the logo is shown');
  t.is(await page.getByRole('heading', { level: 1 }).textContent(), 'Overview');
  const tile = (status: string) => page.getByRole('list', { name: 'Members by status' }).getByRole('link', { name: new RegExp(`^\\d+ ${status}$`) });
  t.regex((await tile('Invitation expired').innerText()).replace(/\s+/g, ' '), /^1 Invitation expired$/);
  t.regex((await tile('Card overdue').innerText()).replace(/\s+/g, ' '), /^1 Card overdue$/);
  const list = (name: RegExp) => page.getByRole('region', { name });
  t.true(await list(/^Invitations expired/).getByRole('link', { name: 'Lena Late' }).isVisible(), 'expired list');
  t.true(await list(/^Cards overdue/).getByRole('link', { name: 'Omar Overdue' }).isVisible(), 'overdue list');
  t.true(await list(/^Starting this week/).getByRole('link', { name: 'Stella Start' }).isVisible(), 'starting list');
  t.true(await list(/^Leaving this week/).getByRole('link', { name: 'Leo Leaving' }).isVisible(), 'leaving list');
  t.false(await list(/^Starting this week/).getByText('Leo Leaving').isVisible());

  // The chart: an SVG drawn by the server, its figures in a table for screen readers.
  const chart = page.getByRole('img', { name: 'Onboarding, week by week' });
  t.true(await chart.isVisible(), 'the chart');
  t.is(await chart.locator('rect').count(), 24, 'two bars a week for twelve weeks');
  const thisWeek = await page.locator('.visually-hidden table tbody tr').last().locator('td').allTextContents();
  const [invitedThisWeek] = (await query<{ n: number }>(world.url, `select count(distinct a.member_id)::int as n from audit_event a join member m on m.id = a.member_id where m.organization_id = $1 and a.type = 'member.invited' and a.occurred_at >= date_trunc('week', now())`, [org.companyId])).rows;
  t.true(invitedThisWeek!.n >= 4, `invited this week: ${invitedThisWeek!.n}`);
  // The company's first admin was invited by its creation this week (no member.invited of their own): counted too.
  t.deepEqual(thisWeek.map(Number), [invitedThisWeek!.n + 1, 0], 'this week: everyone invited, the first admin included; nobody fully onboarded yet');
  await noSeriousProblems(t, page, 'the overview');
  await screenshots(page, 'admin-overview');
  await screenshot(page, 'overview');

  // The audit log as a spreadsheet: this company's events only.
  const audit = await downloaded(page, () => page.getByRole('link', { name: 'Audit log (CSV)' }).click());
  t.is(audit.name, 'audit.csv');
  const rows = parse(audit.text, { columns: true, bom: true }) as Record<string, string>[];
  t.true(rows.some((r) => /expired/.test(r.type ?? '') && r.member_id === expired), 'the expiry in the audit CSV');
  t.false(audit.text.includes(world.org.adminEmail), 'nothing of another company');

  // Each list leads to the members list, filtered.
  await list(/^Cards overdue/).getByRole('link', { name: 'Open in the members list (1)' }).click();
  await page.waitForURL(/\/admin\/members\?status=card_overdue$/);
  t.is(await page.locator('.chips a[aria-current]').innerText().then((s) => s.replace(/\s+/g, ' ')), 'Card overdue 1');
  t.deepEqual(await page.locator('table.members tbody tr td:nth-child(2) a').allTextContents(), ['Omar Overdue']);
  await page.goto('/admin');
  await list(/^Starting this week/).getByRole('link', { name: 'Open in the members list (1)' }).click();
  await page.waitForURL(/due=starting/);
  t.regex(await page.getByText(/^Showing:/).textContent() ?? '', /Starting this week/);
  t.deepEqual(await page.locator('table.members tbody tr td:nth-child(2) a').allTextContents(), ['Stella Start']);

  // A phone: the tiles wrap, nothing scrolls sideways.
  const phone = await signIn(t, org, 'fr', PHONE);
  t.is(await phone.getByRole('heading', { level: 1 }).textContent(), 'Vue d’ensemble');
  t.deepEqual(await phone.evaluate<string[]>(WIDER_THAN_SCREEN), [], 'no sideways scrolling');
  await screenshots(phone, 'admin-overview');

  // The operator's staff see every company, and which need action.
  const operator = await signIn(t, world.org, 'en');
  await operator.getByRole('link', { name: 'Overview', exact: true }).click();
  await operator.waitForURL(/\/operator$/);
  const companyName = (await query<{ name: string }>(world.url, 'select name from organization where id = $1', [org.companyId])).rows[0]!.name;
  const row = operator.getByRole('row').filter({ has: operator.getByRole('link', { name: companyName, exact: true }) });
  t.is(await row.locator('td').last().innerText(), '2', 'an expired invitation and an overdue card');
  t.true(await operator.getByRole('region', { name: /^Cards overdue/ }).getByRole('link', { name: 'Omar Overdue' }).isVisible());
  await noSeriousProblems(t, operator, 'the operator overview');
  await screenshots(operator, 'operator-overview');
  // The operator's staff open a member of any of its companies from there (support).
  await operator.getByRole('link', { name: 'Omar Overdue' }).click();
  t.is(await operator.getByRole('heading', { level: 1 }).textContent(), 'Omar Overdue');
  t.deepEqual(csp, [], 'no inline style or script refused by the CSP');
});

test('the members list filters by chip, searches, sorts, acts on several members at once and exports what it shows', async (t) => {
  const org = await world.newCompany();
  await world.adminSession(org);
  await query(world.url, `update organization set brand_color = '#fde047' where id = $1`, [org.companyId]);
  const other = await world.newSite({ name: `Lyon ${tag()}`, timeZone: 'Europe/Paris' }, org);
  const marker = tag();
  const ana = await invite(org, { email: `ana-${marker}@acme.test`, name: 'Ana Costa' });
  const bruno = await invite(org, { email: `bruno-${marker}@acme.test`, name: 'Bruno Petit' });
  const zoe = await invite(org, { email: `zoe-${marker}@acme.test`, name: 'Zoé Arnaud' });
  // A name a spreadsheet would run as a formula if exported as it is.
  await invite(org, { email: `formula-${marker}@acme.test`, name: '=HYPERLINK("http://evil.test")' });

  const page = await signIn(t, org, 'en');
  const csp = cspViolations(page);
  await page.getByRole('link', { name: 'Members', exact: true }).click();
  t.is(await styleOf(page, 'header.top .brand', 'color'), 'rgb(17, 24, 39)', 'dark text on a light colour');
  const chip = (name: string) => page.getByRole('navigation', { name: 'Status' }).getByRole('link', { name: new RegExp(`^${name} \\d+$`) });
  t.is((await chip('All').innerText()).replace(/\s+/g, ' '), 'All 5');
  t.is((await chip('Invited').innerText()).replace(/\s+/g, ' '), 'Invited 4');
  const names = () => page.locator('table.members tbody tr td:nth-child(2) a').allTextContents();

  // Sorting: by name A→Z, then Z→A; the header says which way for screen readers.
  await page.getByRole('link', { name: 'Member', exact: true }).click();
  await page.waitForURL(/sort=name$/);
  t.deepEqual(await names(), ['=HYPERLINK("http://evil.test")', 'Ada Admin', 'Ana Costa', 'Bruno Petit', 'Zoé Arnaud']);
  t.is(await page.getByRole('columnheader', { name: 'Member', exact: true }).getAttribute('aria-sort'), 'ascending');
  await page.getByRole('link', { name: 'Member', exact: true }).click();
  await page.waitForURL(/sort=-name$/);
  t.deepEqual(await names(), ['Zoé Arnaud', 'Bruno Petit', 'Ana Costa', 'Ada Admin', '=HYPERLINK("http://evil.test")']);
  // Search keeps the order; a chip keeps the search.
  await page.getByLabel('Name or e-mail').fill('o');
  await page.getByRole('button', { name: 'Filter' }).click();
  await chip('Invited').click();
  t.deepEqual(await names(), ['Zoé Arnaud', 'Bruno Petit', 'Ana Costa', '=HYPERLINK("http://evil.test")'], 'names or addresses with an o (formula-…), Z→A');
  t.regex(page.url(), /status=invited/);
  t.regex(page.url(), /q=o/);
  t.regex(page.url(), /sort=-name/);
  await noSeriousProblems(t, page, 'the members list');
  await screenshots(page, 'admin-members-list');

  // Nothing selected: said, nothing done; a box carrying something else than a member is the same.
  await page.getByRole('button', { name: 'Apply' }).click();
  t.regex(await page.getByRole('status').first().innerText(), /Select at least one member/);
  await page.locator('input[name=ids]').first().evaluate((box) => { (box as unknown as { value: string; checked: boolean }).value = 'not-a-member'; (box as unknown as { checked: boolean }).checked = true; });
  await page.getByRole('button', { name: 'Apply' }).click();
  t.regex(await page.getByRole('status').first().innerText(), /Select at least one member/);
  // Unknown filters and orders, and a cursor that is not one, show the list rather than an error.
  for (const query of ['status=nope&sort=shoe-size', 'cursor=not-a-cursor&sort=name', `cursor=${Buffer.from('["name","x","y"]').toString('base64url')}`]) {
    t.is((await page.goto(`/admin/members?${query}`))?.status(), 200, query);
    t.true((await names()).length > 0, query);
  }

  // Resend to two at once.
  await page.goto('/admin/members?status=invited&sort=name');
  await page.getByRole('checkbox', { name: 'Select Ana Costa' }).check();
  await page.getByRole('checkbox', { name: 'Select Bruno Petit' }).check();
  await page.getByLabel('With the selected members:').selectOption('resend');
  await page.getByRole('button', { name: 'Apply' }).click();
  t.regex(await page.getByRole('status').first().innerText(), /Invitation sent again to 2 members/);
  await Promise.all([waitForMail(`ana-${marker}@acme.test`, /invites you/, 2), waitForMail(`bruno-${marker}@acme.test`, /invites you/, 2)]);

  // Move one to the other site.
  await page.getByRole('checkbox', { name: 'Select Zoé Arnaud' }).check();
  await page.getByLabel('With the selected members:').selectOption('site');
  await page.getByLabel('Site to move them to').selectOption(other.body.id);
  await page.getByRole('button', { name: 'Apply' }).click();
  t.regex(await page.getByRole('status').first().innerText(), /1 member moved/);
  t.is((await query<{ site_id: string }>(world.url, 'select site_id from member where id = $1', [zoe])).rows[0]!.site_id, other.body.id);

  // "Select all" (a script's convenience) ticks the page's boxes.
  await page.getByRole('checkbox', { name: 'Select every member of this page' }).check();
  t.is(await page.locator('input[name=ids]:checked').count(), await page.locator('input[name=ids]').count());
  await page.getByRole('checkbox', { name: 'Select every member of this page' }).uncheck();

  // Remove two: one confirmation page naming them both.
  await page.getByRole('checkbox', { name: 'Select Ana Costa' }).check();
  await page.getByRole('checkbox', { name: 'Select Bruno Petit' }).check();
  await page.getByLabel('With the selected members:').selectOption('remove');
  await page.getByRole('button', { name: 'Apply' }).click();
  t.is(await page.getByRole('heading', { level: 1 }).textContent(), 'Remove these 2 members?');
  t.deepEqual(await page.locator('ul.named strong').allTextContents(), ['Ana Costa', 'Bruno Petit']);
  t.is(await statusOf(ana), 'invited', 'nothing happens before the confirmation');
  await noSeriousProblems(t, page, 'the bulk removal confirmation');
  // The answer to a form: no address to reload in the other language.
  await screenshot(page, 'admin-bulk-remove.en.desktop');
  await page.getByLabel(/^Reason/).fill('Contract ended');
  await page.getByRole('button', { name: 'Yes, remove these 2 members' }).click();
  t.regex(await page.getByRole('status').first().innerText(), /2 members removed/);
  await Promise.all([untilStatus(ana, 'removed'), untilStatus(bruno, 'removed')]);

  // The export is the filtered list, every page of it, formulas kept as text.
  await chip('Removed').click();
  const removed = await downloaded(page, () => page.getByRole('link', { name: 'Export as CSV' }).click());
  t.is(removed.name, 'members.csv');
  const rows = parse(removed.text, { columns: true, bom: true }) as Record<string, string>[];
  t.deepEqual(rows.map((r) => r.name).sort(), ['Ana Costa', 'Bruno Petit']);
  t.deepEqual(rows.map((r) => r.status), ['removed', 'removed']);
  await page.goto('/admin/members');
  const all = parse((await downloaded(page, () => page.getByRole('link', { name: 'Export as CSV' }).click())).text, { columns: true, bom: true }) as Record<string, string>[];
  t.is(all.length, 5);
  t.true(all.some((r) => r.name === `'=HYPERLINK("http://evil.test")`), 'a formula is exported as text');
  t.is(all.find((r) => r.name === 'Zoé Arnaud')!.site, other.body.name, 'the site by its name');

  // A search that finds nobody says so and offers the way back.
  await page.goto('/admin/members?q=nobody-at-all');
  t.true(await page.getByText('No member matches').isVisible());
  await page.getByRole('link', { name: 'Show every member' }).click();
  t.is((await names()).length, 5);

  const phone = await signIn(t, org, 'fr', PHONE);
  await phone.goto('/admin/members');
  t.deepEqual(await phone.evaluate<string[]>(WIDER_THAN_SCREEN), [], 'the list fits a phone');
  await screenshots(phone, 'admin-members-list');
  t.deepEqual(csp, []);
});

test('the member page keeps status, deadlines and actions beside the history, names who did what, copies what people copy, and reads the offboarding report after removal', async (t) => {
  const org = await world.newCompany();
  await world.adminSession(org);
  const cardNumber = `M-${tag()}`;
  const added = await world.api.post(`/v1/sites/${org.siteId}/cards`, { cards: [{ number: cardNumber }] }, { token: world.operatorKey });
  t.is(added.status, 201);
  const email = `page-${tag()}@acme.test`;
  const id = await invite(org, { email, name: 'Paula Page' });

  const page = await signIn(t, org, 'en');
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  const csp = cspViolations(page);
  await page.goto(`/admin/members/${id}`);
  await page.getByLabel('Card number').fill(cardNumber);
  await page.getByRole('button', { name: 'Register the card' }).click();
  await page.waitForURL(/done=member_card_registered/);

  // Two columns on a desktop: the side column to the right of the history, level with it.
  const side = (await page.locator('.member-side').boundingBox())!;
  const history = (await page.getByRole('region', { name: 'History' }).boundingBox())!;
  t.true(side.x > history.x + history.width - 1, 'the side column is to the right');
  t.true(side.y < history.y + history.height, 'and beside it, not below');
  t.true(await page.locator('.member-side').getByRole('button', { name: 'Resend the invitation' }).isVisible(), 'the actions are in the side column');

  // Names, not ids: the history says who in words.
  const cells = await page.getByRole('region', { name: 'History' }).locator('td').allInnerTexts();
  t.true(cells.includes('Ada Admin'), cells.join(' | '));
  t.false(cells.some((c) => UUID.test(c)), `no id in the history: ${cells.join(' | ')}`);

  // Copy buttons put the text on the clipboard and say so.
  await page.getByRole('button', { name: 'Copy E-mail address' }).click();
  t.is(await page.evaluate<string>('navigator.clipboard.readText()'), email);
  t.is(await page.getByRole('status').filter({ hasText: 'Copied' }).count(), 1, 'said beside the button, to screen readers too');
  await page.getByRole('button', { name: 'Copy Member ID (for the API)' }).click();
  t.is(await page.evaluate<string>('navigator.clipboard.readText()'), id);
  await noSeriousProblems(t, page, 'the member page');
  await screenshots(page, 'admin-member-page');
  await screenshot(page, 'member-page');

  // The history as a spreadsheet, in the page's words.
  const csv = await downloaded(page, () => page.getByRole('link', { name: 'Download as CSV' }).click());
  const events = parse(csv.text, { columns: true, bom: true }) as Record<string, string>[];
  t.deepEqual(events.slice(0, 1).map((e) => [e.type, e.event]), [['member.invited', 'Invited']]);
  t.true(events.some((e) => e.type === 'card.registered' && e.by === 'Ada Admin'), JSON.stringify(events.map((e) => [e.type, e.by])));

  // Removed: the report reads as a checklist.
  await page.getByRole('link', { name: 'Remove user' }).click();
  await page.getByLabel(/^Reason/).fill('Moved to Lyon');
  await page.getByRole('button', { name: 'Yes, remove this user' }).click();
  await page.waitForURL(/done=removed/);
  // The offboarding finishes in the background; the page reloads itself once its report is written.
  const report = page.getByRole('region', { name: 'Offboarding report' });
  await report.getByText(/^Removed by/).waitFor();
  t.regex(await report.innerText(), /Removed by Ada Admin/);
  t.regex(await report.innerText(), new RegExp(`Access card ${cardNumber} revoked`));
  t.regex(await report.innerText(), /Reason: .?Moved to Lyon/);
  t.regex(await report.innerText(), /The member was told by e-mail/);
  await noSeriousProblems(t, page, 'a removed member');
  await screenshots(page, 'admin-member-removed');

  const phone = await signIn(t, org, 'en', PHONE);
  await phone.goto(`/admin/members/${id}`);
  const phoneSide = (await phone.locator('.member-side').boundingBox())!;
  const phoneMain = (await phone.locator('.member-main').boundingBox())!;
  t.true(phoneSide.y + phoneSide.height <= phoneMain.y + 1, 'one column on a phone, the status first');
  await screenshots(phone, 'admin-member-removed');
  t.deepEqual(csp, []);
});

test('cards show their QR codes, a batch prints as a sheet of labels, card stock comes from a CSV file, and a door controller gets its settings as a file', async (t) => {
  const page = await signIn(t, world.org, 'en');
  const csp = cspViolations(page);
  await page.goto('/operator/sites');
  await page.getByRole('link', { name: world.org.siteName }).click();
  const sitePath = new URL(page.url()).pathname;
  const [{ n: before }] = (await query<{ n: number }>(world.url, 'select count(*)::int as n from card where site_id = $1', [world.org.siteId])).rows as [{ n: number }];

  // A file with a bad row: said with its row, nothing imported.
  const bad = tag();
  await page.getByLabel('Or import a CSV file').setInputFiles({ name: 'cards.csv', mimeType: 'text/csv', buffer: Buffer.from(`number,qr\nL-${bad}-1,\nL ${bad} 2,\n`) });
  await page.getByRole('button', { name: 'Import the cards' }).click();
  t.regex(await page.getByRole('alert').innerText(), /Row 3 \(L \w+ 2\): a card number is made of letters, digits, - and _ only.*Nothing was imported/s, 'the row as a spreadsheet numbers it (the header is row 1)');
  t.is((await query<{ n: number }>(world.url, 'select count(*)::int as n from card where site_id = $1', [world.org.siteId])).rows[0]!.n, before);

  // A supplier's file: three cards, one with its printed QR payload.
  const batch = tag();
  const printed = `printed-${batch}-0123456789`;
  await page.getByLabel('Or import a CSV file').setInputFiles({ name: 'cards.csv', mimeType: 'text/csv', buffer: Buffer.from(`\uFEFFnumber,qr\nL-${batch}-1,${printed}\nL-${batch}-2,\nL-${batch}-3,\n`) });
  await page.getByRole('button', { name: 'Import the cards' }).click();
  await page.waitForURL(/done=cards_imported/);
  t.regex(await page.getByText(/^3 cards added\./).innerText(), /Print the labels of these 3 cards/);
  const qrOf = (number: string) => page.getByRole('img', { name: `QR code of card ${number}` });
  t.true(await qrOf(`L-${batch}-1`).isVisible(), 'each stock card drawn as a QR code');

  await page.getByRole('link', { name: 'Print the labels of these 3 cards' }).click();
  t.is(await page.getByRole('heading', { level: 1 }).textContent(), `Card labels, ${world.org.siteName}`);
  t.deepEqual(await page.locator('.label-number').allTextContents(), [`L-${batch}-1`, `L-${batch}-2`, `L-${batch}-3`], 'the batch only, by number');
  // The drawing is the code of the card's registration page, as the qrcode library draws it.
  const drawn = await qrOf(`L-${batch}-1`).locator('path').last().getAttribute('d');
  const expected = await QRCode.toString(`${PUBLIC_URL}/q/${printed}`, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  t.is(drawn ?? '', /stroke="#000000" d="([^"]+)"/.exec(expected)![1]!);
  t.true(await page.getByRole('button', { name: 'Print' }).isVisible());
  await noSeriousProblems(t, page, 'the label sheet');
  await screenshots(page, 'operator-labels');
  await screenshot(page, 'qr-sheet');
  // Printed: only the labels, three to a row.
  await page.emulateMedia({ media: 'print' });
  t.false(await page.locator('header.top').isVisible());
  const [first, second] = await Promise.all([page.locator('.label').nth(0).boundingBox(), page.locator('.label').nth(1).boundingBox()]);
  t.is(first!.y, second!.y, 'labels side by side');
  await screenshot(page, 'operator-labels.en.print');
  await page.emulateMedia({ media: 'screen' });

  // A batch name that is not one (or not even a time) prints the whole stock, never an error.
  for (const added of ['garbage', '2026-13-45 99:99:99+00', "'; drop table card; --"]) {
    const reply = await page.goto(`/operator/sites/${world.org.siteId}/labels?${new URLSearchParams({ added })}`);
    t.is(reply?.status(), 200, added);
    t.regex(await page.locator('main p').nth(1).innerText(), /one per card in stock/);
  }

  // A door controller: its secret with a copy button, and a file with everything to set it up.
  await page.goto(sitePath);
  await page.getByLabel('Controller name').fill('Back door');
  await page.getByRole('button', { name: 'Add a door controller' }).click();
  const secret = (await page.locator('.secret-value').textContent()) ?? '';
  t.true(await page.getByRole('button', { name: 'Copy Secret', exact: true }).isVisible(), 'the secret has a copy button');
  t.true(await page.getByRole('button', { name: 'Copy Controller id', exact: true }).isVisible(), 'and so has the controller id');
  const file = await downloaded(page, () => page.getByRole('link', { name: 'Download as a configuration file' }).click());
  t.regex(file.name, /^door-controller-[0-9a-f-]{36}\.env$/);
  const settings = Object.fromEntries(file.text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(/=(.*)/s).slice(0, 2)));
  t.is(settings.DOOR_CONTROLLER_SECRET, secret);
  t.is(settings.PUBLIC_URL, PUBLIC_URL);
  t.regex(file.text, /^# The door agent’s wiring[^\n]*\n#SERIAL_PORT=\/dev\/ttyUSB0\n#SERIAL_BAUD=9600\n#READERS=0\n#READER_KEY=\n/m, 'the door agent\'s settings to fill in');
  // The file's settings are the ones the platform accepts: the controller reads its access list.
  const list = await fetch(`${world.appUrl}/v1/door-controllers/${settings.DOOR_CONTROLLER_ID}/access-list`, { headers: { 'X-Door-Controller': settings.DOOR_CONTROLLER_ID!, 'X-Signature': signDoorRequest(settings.DOOR_CONTROLLER_SECRET!, '') } });
  t.is(list.status, 200);
  await noSeriousProblems(t, page, 'the site page');
  await screenshots(page, 'operator-site-cards');
  t.deepEqual(csp, []);
});

test('a member\'s profile shows a "join this network" QR code beside their Wi-Fi details', async (t) => {
  await query(world.url, `update site set wifi_ssid = $1 where id = $2`, ['Acme; "Guest"', world.org.siteId]);
  const cardNumber = `W-${tag()}`;
  t.is((await world.api.post(`/v1/sites/${world.org.siteId}/cards`, { cards: [{ number: cardNumber }] }, { token: world.operatorKey })).status, 201);
  const member = await world.member();
  t.is((await world.api.post(`/v1/members/${member.id}/cards`, { cardNumber }, { token: world.org.apiKey })).status, 200);
  await untilStatus(member.id, 'active');

  const page = await signIn(t, world.org, 'en', PHONE, member.email);
  const csp = cspViolations(page);
  t.is(new URL(page.url()).pathname, '/me');
  const wifi = page.getByRole('region', { name: 'Wi-Fi' });
  const username = (await wifi.locator('dd code').nth(1).textContent())!;
  const password = (await wifi.locator('dd code').nth(2).textContent())!;
  const qr = wifi.getByRole('img', { name: 'QR code to join the network Acme; "Guest"' });
  t.true(await qr.isVisible());
  const text = wifiJoinText({ ssid: 'Acme; "Guest"', username, password });
  t.is(text, `WIFI:T:WPA2-EAP;S:Acme\\; \\"Guest\\";E:PEAP;PH2:MSCHAPV2;I:${username};P:${password};;`, 'special characters escaped');
  const expected = await QRCode.toString(text, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  t.is((await qr.locator('path').last().getAttribute('d')) ?? '', /stroke="#000000" d="([^"]+)"/.exec(expected)![1]!);
  await noSeriousProblems(t, page, 'the profile');
  await screenshots(page, 'member-profile-wifi');
  const desktop = await signIn(t, world.org, 'fr', DESKTOP, member.email);
  await screenshots(desktop, 'member-profile-wifi');
  t.deepEqual(csp, []);
});

test('axe-core finds no serious or critical problem on any main page, in either language, on a phone or a desktop', async (t) => {
  // A company with nobody yet but its admin: the overview says where to begin.
  const fresh = await world.newCompany();
  await world.adminSession(fresh);
  const start = await signIn(t, fresh, 'en');
  t.is(await start.getByRole('heading', { name: 'No members yet' }).count(), 1);
  t.true(await start.locator('.empty-state').getByRole('link', { name: 'Invite member' }).isVisible(), 'the next step, a click away');
  t.deepEqual(await accessibilityProblems(start), [], 'the getting-started overview');
  await screenshots(start, 'admin-overview-empty');
  const member = await world.member();
  const [company] = (await query<{ id: string }>(world.url, 'select id from organization where id = $1', [world.org.companyId])).rows;
  const [webhook] = [await world.api.post('/v1/webhooks', { url: 'https://receiver.example/hooks', events: 'all' }, { token: world.org.apiKey })];
  t.is(webhook.status, 201);
  // The delivery log names the member each event was about.
  const heard = await world.member();
  await waitFor('a delivery about the new member', async () => (await query(world.url, 'select 1 from webhook_delivery d join webhook_event e on e.id = d.event_id where d.endpoint_id = $1 and e.member_id = $2', [webhook.body.id, heard.id])).rowCount);
  const log = await signIn(t, world.org, 'en');
  await log.goto(`/admin/webhooks/${webhook.body.id}`);
  t.is(await log.getByRole('link', { name: `Member ${heard.email.split('@')[0]}` }).first().getAttribute('href'), `/admin/members/${heard.id}`);
  const pages = [
    '/admin', '/admin/members', '/admin/members/new', `/admin/members/${member.id}`, `/admin/members/${member.id}/remove`, '/admin/sites', '/admin/api-keys',
    '/admin/webhooks', `/admin/webhooks/${webhook.body.id}`, '/operator', '/operator/companies', `/operator/companies/${company!.id}`, '/operator/sites',
    `/operator/sites/${world.org.siteId}`, `/operator/sites/${world.org.siteId}/labels`, `/operator/sites/${world.org.siteId}/access`,
    `/operator/sites/${world.org.siteId}/access-log`, `/operator/companies/${company!.id}/access`, `/operator/sites/${world.org.siteId}/reception`, '/me', '/visitors', '/admin/visitors',
  ];
  for (const [locale, viewport] of [['en', DESKTOP], ['fr', PHONE]] as const) {
    const page = await signIn(t, world.org, locale, viewport);
    const csp = cspViolations(page);
    for (const path of pages) {
      const reply = await page.goto(path);
      t.is(reply?.status(), 200, path);
      t.deepEqual(await accessibilityProblems(page), [], `${path} (${locale}, ${viewport.width}px)`);
    }
    t.deepEqual(csp, []);
  }
  // Signed out: the sign-in and password pages.
  const visitor = await openPage(t, browser, { baseURL: world.appUrl, locale: 'fr', viewport: PHONE });
  for (const path of ['/login', '/forgot-password']) {
    await visitor.goto(path);
    t.deepEqual(await accessibilityProblems(visitor), [], path);
  }
});
