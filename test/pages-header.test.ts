// The header and the words an admin meets, in French: on a phone the menu sits behind a Menu
// button (a native <details>, no script), the platform's own key named in the reader's language,
// a company admin told whom to ask about a card that is not in stock.
import test, { type ExecutionContext } from 'ava';
import type { Browser, Page } from 'playwright-core';
import { apiWorld, PASSWORD, tag, type ApiWorld } from './helpers/api.ts';
import { accessibilityProblems } from './helpers/axe.ts';
import { connectBrowser, DESKTOP, openPage, PHONE, screenshot } from './helpers/browser.ts';
import { fileScope } from './helpers/scope.ts';

const scope = fileScope();
let world: ApiWorld;
let browser: Browser;
test.before(async () => {
  [world, browser] = await Promise.all([apiWorld(scope), connectBrowser(scope)]);
  await world.adminSession();
});

/** Signed in as a company's first admin, in French (their language), where they land. */
async function signIn(t: ExecutionContext, viewport: typeof PHONE, org = world.org): Promise<Page> {
  const page = await openPage(t, browser, { baseURL: world.appUrl, locale: 'fr', viewport });
  await page.goto('/login');
  await page.getByLabel('Adresse e-mail').fill(org.adminEmail);
  await page.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
  await page.waitForURL(/\/(admin|operator)/);
  return page;
}

const mainText = async (page: Page) => (await page.locator('main').textContent()) ?? '';

test('on a phone (390×844) the admin menu sits behind a Menu button: keyboard-opened, every link whole and on screen, no script needed', async (t) => {
  const page = await signIn(t, PHONE);
  const menu = page.locator('details.phone-menu > summary');
  t.true(await menu.isVisible(), 'a Menu button');
  t.is(await page.getByRole('link', { name: 'Clés d’API' }).count(), 0, 'the links wait behind it');
  await screenshot(page, 'phone-menu-closed.fr.phone');
  // By keyboard: Tab reaches the button, Enter opens it (a native <details>).
  await menu.focus();
  await page.keyboard.press('Enter');
  t.is(await page.locator('details.phone-menu[open]').count(), 1);
  // "Register my access card" sits in the menu while the card is due (Workways' profile menu).
  for (const name of ['Vue d’ensemble', 'Membres', 'Clés d’API', 'Webhooks', 'Entreprises', 'Immeubles', 'Mon profil', 'Enregistrer ma carte d’accès']) {
    const link = page.getByRole('link', { name, exact: true });
    t.true(await link.isVisible(), `${name} visible`);
    const box = (await link.boundingBox())!;
    t.true(box.x >= 0 && box.x + box.width <= PHONE.width, `${name} whole on screen`);
  }
  const signOut = page.getByRole('button', { name: 'Se déconnecter' });
  t.true(await signOut.isVisible());
  t.true(((await signOut.boundingBox())!.y + 44) <= PHONE.height, 'sign-out reachable without scrolling sideways');
  t.is(await page.locator('script:not([src])').count(), 0, 'no inline script');
  t.deepEqual(await accessibilityProblems(page), []);
  await screenshot(page, 'phone-menu-open.fr.phone');
  await page.getByRole('link', { name: 'Clés d’API', exact: true }).click();
  await page.waitForURL(/\/admin\/api-keys/);
  // In French: the key the platform made is named in French, and "de" is elided before a vowel.
  t.regex(await mainText(page), /Clé initiale/);
  t.notRegex(await mainText(page), /Initial key|Operator key/);
  t.regex(await mainText(page), /Clés d’Acme/);

  // A desktop shows the links in the bar and no Menu button.
  const desktop = await signIn(t, DESKTOP);
  t.false(await desktop.locator('details.phone-menu > summary').isVisible());
  t.true(await desktop.getByRole('link', { name: 'Clés d’API', exact: true }).isVisible());
});

test('a company admin entering a card that is not in stock is told to ask the front desk, not "your administrator" (they are the administrator)', async (t) => {
  const org = await world.newCompany();
  await world.adminSession(org);
  const invited = await world.api.post('/v1/members', { email: `stockless-${tag()}@acme.test`, name: 'Lou Stockless', locale: 'fr' }, { token: org.apiKey });
  const page = await signIn(t, DESKTOP, org);
  await page.goto(`/admin/members/${invited.body.id}`);
  await page.getByLabel('Numéro de carte').fill('PAS-EN-STOCK');
  await page.locator('form[action$="/card"] button[type="submit"]').click();
  const alert = (await page.getByRole('alert').textContent()) ?? '';
  t.regex(alert, /demandez à l’accueil de l’immeuble d’ajouter la carte au stock/);
  t.notRegex(alert, /administrateur/);
});
