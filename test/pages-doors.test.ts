// What an operator sees of the doors on a site's page: each door agent's version and list, its
// readers (online, tampered with), and a door silent for more than 2 minutes flagged — in French
// and English, on a phone and a desktop. The heartbeats are sent as an agent sends them (signed).
import test from 'ava';
import type { Browser } from 'playwright-core';
import { signedFetch } from '../scripts/lib/door-client.ts';
import { apiWorld, tag, type ApiWorld } from './helpers/api.ts';
import { accessibilityProblems, cspViolations } from './helpers/axe.ts';
import { connectBrowser, PHONE, screenshots, signInAs } from './helpers/browser.ts';
import { query } from './helpers/database.ts';
import { fileScope } from './helpers/scope.ts';

const scope = fileScope();
let world: ApiWorld;
let browser: Browser;
test.before(async () => {
  [world, browser] = await Promise.all([apiWorld(scope), connectBrowser(scope)]);
  await world.adminSession();
});

async function doorAt(siteId: string, name: string): Promise<{ id: string; secret: string }> {
  return (await world.api.post(`/v1/sites/${siteId}/door-controllers`, { name }, { token: world.operatorKey })).body;
}

const reader = (address: number, more: object = {}) => ({ address, online: true, secureChannel: true, tamper: false, powerFailure: false, ...more });

test('the site page shows each door agent: version, list, readers, events waiting, and a silent door flagged', async (t) => {
  const site = await world.newSite({ name: `Tour Horizon ${tag()}`, timeZone: 'Europe/Paris' });
  const siteId = site.body.id as string;
  const front = await doorAt(siteId, 'Main entrance');
  const back = await doorAt(siteId, 'Loading bay');
  await doorAt(siteId, 'Roof (not installed)');
  const beat = async (door: { id: string; secret: string }, body: object) => {
    const r = await signedFetch({ url: world.appUrl, controller: door.id, secret: door.secret }, 'POST', `/v1/door-controllers/${door.id}/heartbeat`, { occurredAt: new Date().toISOString(), ...body });
    t.is(r.status, 204);
  };
  await beat(front, { agentVersion: '0.1.0', listVersion: 1, queuedEvents: 0, readers: [reader(101), reader(102, { online: false, secureChannel: false })] });
  await beat(back, { agentVersion: '0.1.0', listVersion: 0, queuedEvents: 37, readers: [reader(0, { tamper: true })] });
  // The loading bay went quiet three minutes ago.
  await query(world.url, `update door_controller set last_seen_at = now() - interval '3 minutes' where id = $1`, [back.id]);
  // Bad heartbeats are refused whole, with what is wrong.
  const bad = await signedFetch({ url: world.appUrl, controller: front.id, secret: front.secret }, 'POST', `/v1/door-controllers/${front.id}/heartbeat`, { agentVersion: '0.1.0', listVersion: 1, queuedEvents: -1, readers: [reader(200)] });
  t.is(bad.status, 400);
  t.is(bad.headers.get('content-type'), 'application/problem+json');
  const elsewhere = await signedFetch({ url: world.appUrl, controller: front.id, secret: front.secret }, 'POST', `/v1/door-controllers/${back.id}/heartbeat`, { agentVersion: '0.1.0', listVersion: 1, queuedEvents: 0, readers: [] });
  t.is(elsewhere.status, 403, 'a door reports for itself only');

  for (const [locale, viewport] of [['en', undefined], ['fr', PHONE]] as const) {
    const page = await signInAs(t, browser, { baseURL: world.appUrl, email: world.org.adminEmail, locale, viewport });
    const csp = cspViolations(page);
    await page.goto(`/operator/sites/${siteId}#site-controllers`);
    const row = (name: string) => page.getByRole('row').filter({ hasText: name });
    const doors = page.locator('section', { has: page.locator('#site-controllers') });
    if (locale === 'en') {
      t.regex(await row('Main entrance').innerText(), /v0\.1\.0 · list 1[\s\S]*Reader 101 online[\s\S]*Reader 102 offline/);
      t.notRegex(await row('Main entrance').innerText(), /Silent/);
      t.regex(await row('Loading bay').innerText(), /Silent[\s\S]*v0\.1\.0 · list 0[\s\S]*the server is at 1[\s\S]*37 entry events waiting to upload[\s\S]*Reader 0 online[\s\S]*Tamper/);
      t.regex(await row('Roof').innerText(), /Never[\s\S]*No heartbeat/);
      t.regex(await doors.innerText(), /Silent: nothing heard from this door for more than 2 minutes/);
    } else {
      t.regex(await row('Loading bay').innerText(), /Muet[\s\S]*37 passages en attente d’envoi[\s\S]*Arrachement/);
    }
    t.deepEqual(await accessibilityProblems(page), [], `axe on the site page (${locale})`);
    await doors.scrollIntoViewIfNeeded();
    await screenshots(page, 'operator-site-doors');
    t.deepEqual(csp, []);
  }
});
