// The operator's "Personal data" page in a real browser: the durations over the CNIL defaults,
// a refused value said next to its field, the audit chains' heads, and the whole audit trail
// downloaded and checked offline by `npm run audit:verify`.
import test from 'ava';
import type { Browser } from 'playwright-core';
import { apiWorld, type ApiWorld } from './helpers/api.ts';
import { accessibilityProblems } from './helpers/axe.ts';
import { connectBrowser, DESKTOP, PHONE, screenshots, signInAs } from './helpers/browser.ts';
import { auditVerify, downloadedBytes } from './helpers/files.ts';
import { fileScope } from './helpers/scope.ts';

const scope = fileScope();
let world: ApiWorld;
let browser: Browser;
test.before(async () => {
  [world, browser] = await Promise.all([apiWorld(scope), connectBrowser(scope)]);
  await world.adminSession();
});

test('the operator sets how long personal data is kept, sees a refused value explained, and downloads an audit trail that verifies offline', async (t) => {
  await world.member();
  const page = await signInAs(t, browser, { baseURL: world.appUrl, email: world.org.adminEmail, locale: 'en', viewport: DESKTOP });
  await page.goto('/operator');
  await page.getByRole('link', { name: 'Personal data' }).click();
  await page.getByRole('heading', { name: 'How long it is kept' }).waitFor();
  t.regex(await page.locator('main').innerText(), /Default 90; applied now: 90\./);
  t.deepEqual(await accessibilityProblems(page), []);
  await screenshots(page, 'operator-privacy');

  await page.getByLabel('Passages at the doors (days)').fill('120');
  await page.getByRole('button', { name: 'Save the durations' }).click();
  t.is(await page.locator('.field.has-error').count(), 1, 'the field says what is wrong');
  await page.getByLabel('Passages at the doors (days)').fill('30');
  await page.getByLabel('A removed member\'s name, address and Wi-Fi (months after the removal)').fill('6');
  await page.getByRole('button', { name: 'Save the durations' }).click();
  await page.getByText('The durations are saved').waitFor();
  t.regex(await page.locator('main').innerText(), /Default 90; applied now: 30\./);
  t.is(await page.getByLabel('Passages at the doors (days)').inputValue(), '30');
  const retention = await world.api.get('/v1/retention', { token: world.operatorKey });
  t.like(retention.body, { settings: { entryEventDays: 30, pseudonymiseAfterMonths: 6 } });

  const chains = await page.locator('table.list tbody tr').count();
  t.true(chains >= 2, 'the operator\'s chain and its companies\'');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the whole audit trail (CSV)' }).click()]);
  const verified = await auditVerify(await downloadedBytes(download));
  t.is(verified.code, 0, verified.out);
  t.regex(verified.out, /OK: \d+ event\(s\) verified in \d+ chain\(s\)/);
  t.regex(verified.out, new RegExp(`operator:[0-9a-f-]{36}: events 1–\\d+`));

  const phone = await signInAs(t, browser, { baseURL: world.appUrl, email: world.org.adminEmail, locale: 'fr', viewport: PHONE });
  await phone.goto('/operator/privacy');
  t.regex(await phone.locator('main').innerText(), /Par défaut 90 ; appliqué : 30\./);
  await screenshots(phone, 'operator-privacy');
  await world.api.put('/v1/retention', {}, { token: world.operatorKey });
});
