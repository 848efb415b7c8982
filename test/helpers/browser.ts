// The run's one headless Chromium (started by scripts/test.ts), a fresh browser context per test,
// and screenshots kept as test output under test-output/screenshots (not committed).
import fs from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { projectRoot } from '../../config/index.ts';
import { testEnv } from './env.ts';
import type { Scope } from './scope.ts';
import { PASSWORD } from './api.ts';

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 900 };
export const SCREENSHOTS_DIR = path.join(projectRoot, 'test-output', 'screenshots');

/** This test file's connection to the run's browser, closed after its last test. */
export async function connectBrowser(file: Scope): Promise<Browser> {
  const browser = await chromium.connect(testEnv.browserEndpoint);
  file.teardown(() => browser.close());
  return browser;
}

/** A new browser context (cookies, language, window size of its own) on the app at `baseURL`. */
export async function openPage(
  t: Scope,
  browser: Browser,
  options: { baseURL: string; locale: 'fr' | 'en'; viewport?: { width: number; height: number } },
): Promise<Page> {
  const context = await browser.newContext({
    baseURL: options.baseURL,
    locale: options.locale === 'fr' ? 'fr-FR' : 'en-GB',
    viewport: options.viewport ?? PHONE,
    timezoneId: 'Europe/Paris',
  });
  // Generous for a loaded 2-core machine; every wait is on something the page must show.
  context.setDefaultTimeout(30_000);
  t.teardown(() => context.close());
  return context.newPage();
}

/** A new page signed in on the login form as `email` (the tests' one password), in `locale`. */
export async function signInAs(t: Scope, browser: Browser, options: { baseURL: string; email: string; locale: 'fr' | 'en'; viewport?: { width: number; height: number } }): Promise<Page> {
  const { locale } = options;
  const page = await openPage(t, browser, { baseURL: options.baseURL, locale, viewport: options.viewport ?? DESKTOP });
  await page.goto(`/login?lang=${locale}`);
  await page.getByLabel(locale === 'en' ? 'E-mail address' : 'Adresse e-mail').fill(options.email);
  await page.getByLabel(locale === 'en' ? 'Password' : 'Mot de passe', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: locale === 'en' ? 'Sign in' : 'Se connecter', exact: true }).click();
  await page.waitForURL(/\/(admin|me)$/).catch(async (e: Error) => {
    // Still on the sign-in page: say what it says (a wrong password, a refusal).
    throw new Error(`${page.url()}: ${(await page.getByRole('alert').textContent({ timeout: 1000 }).catch(() => '')) ?? ''} ${e.message}`);
  });
  return page;
}

/** Saves the whole page as test-output/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await fs.mkdir(SCREENSHOTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS_DIR, `${name}.png`), fullPage: true });
}

/** The path and query of an e-mailed link, on the app under test (e-mails carry PUBLIC_URL). */
export function onApp(link: string): string {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
}

/**
 * The page as it stands in both languages: test-output/screenshots/<name>.<fr|en>.<phone|desktop>.png.
 * Reloads the same address with the other `lang`, then comes back to the page's own language.
 */
export async function screenshots(page: Page, name: string): Promise<void> {
  const lang = (await page.locator('html').getAttribute('lang')) === 'en' ? 'en' : 'fr';
  const other = lang === 'fr' ? 'en' : 'fr';
  const size = (page.viewportSize()?.width ?? 0) < 600 ? 'phone' : 'desktop';
  const inLanguage = (code: string) => {
    const url = new URL(page.url());
    url.searchParams.set('lang', code);
    return url.toString();
  };
  await screenshot(page, `${name}.${lang}.${size}`);
  await page.goto(inLanguage(other));
  await screenshot(page, `${name}.${other}.${size}`);
  await page.goto(inLanguage(lang));
}

/** Phones show the header's links behind the Menu button: opens it when it is there. */
export async function openMenu(page: Page): Promise<void> {
  const menu = page.locator('details.phone-menu > summary');
  if ((await menu.isVisible()) && !(await page.locator('details.phone-menu[open]').count())) await menu.click();
}
