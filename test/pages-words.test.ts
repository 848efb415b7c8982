// Every word the pages can show exists in both languages: the keys written in the templates, and
// the ones built from the product's values (statuses, roles, stages, refusals, flash messages).
import fs from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { projectRoot } from '../config/index.ts';
import { MEMBER_STATUSES } from '../db/entities/index.ts';
import { loadPageViews, PAGE_LOCALES } from '../web/views.ts';

const VIEWS = path.join(projectRoot, 'web', 'views');
const ROUTES = path.join(projectRoot, 'web', 'routes');

async function read(dir: string, suffix: string): Promise<{ name: string; text: string }[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return Promise.all(
    entries.filter((e) => e.isFile() && e.name.endsWith(suffix)).map(async (e) => ({ name: path.relative(dir, path.join(e.parentPath, e.name)), text: await fs.readFile(path.join(e.parentPath, e.name), 'utf8') })),
  );
}

test('every translation key the templates and routes use exists in French and English', async (t) => {
  const views = await loadPageViews();
  const templates = await read(VIEWS, '.hbs');
  const keys = new Set<string>();
  // {{t "a.b"}} and (t "a.b" name=…): one literal segment, maybe hash arguments, is the whole key.
  for (const { text } of templates) {
    for (const m of text.matchAll(/[{(]t "([\w.-]+)"([^})]*)/g)) if (/^\s*$|^\s+\w+=/.test(m[2]!)) keys.add(m[1]!);
  }
  // Keys made of a prefix and one of the product's values.
  const families: Record<string, readonly string[]> = {
    'status.': MEMBER_STATUSES,
    'roles.': ['user', 'admin'],
    'languages.': ['fr', 'en'],
    'account_stage.': ['invited', 'expired', 'password_set'],
    'card_stage.': ['not_started', 'pin_revealed', 'enrolled'],
    'methods.': ['qr', 'door', 'admin'],
    'card_state.': ['stock', 'assigned', 'revoked'],
    'rejections.': ['unknown_card', 'card_of_another_site', 'card_already_assigned', 'card_revoked', 'invalid_qr_code'],
    'import.outcomes.': ['skipped', 'failed'],
  };
  for (const [prefix, values] of Object.entries(families)) for (const value of values) keys.add(prefix + value);
  for (const reason of ['invitation_expired', 'invitation_used', 'invitation_replaced', 'invitation_invalid']) keys.add(`invitation_dead.${reason}.title`).add(`invitation_dead.${reason}.body`);
  for (const kind of ['csrf', 'not_found', 'forbidden', 'too_many', 'unavailable', 'internal', 'invalid', 'operator_only']) keys.add(`error.${kind}.title`).add(`error.${kind}.body`);
  for (const { name } of templates) if (!name.startsWith('partials') && name !== 'layout.hbs') keys.add(`titles.${name.slice(0, -4).replace(/[/\\]/g, '_')}`);
  // Flash messages and errors named in the routes' code.
  for (const { text } of await read(ROUTES, '.ts')) {
    for (const m of text.matchAll(/done=([a-z_]+)/g)) keys.add(`flash.${m[1]}`);
    for (const m of text.matchAll(/render\.t\(ctx, '([\w.]+)'/g)) keys.add(m[1]!);
  }
  for (const m of (await fs.readFile(path.join(projectRoot, 'web', 'page.ts'), 'utf8')).matchAll(/render\.t\(ctx, '([\w.]+)'/g)) keys.add(m[1]!);
  keys.add('flash.reinvited').add('flash.invited');

  t.true(keys.size > 150, `only ${keys.size} keys found: the scan is broken`);
  const missing = PAGE_LOCALES.flatMap((locale) => [...keys].filter((key) => !views.has(locale, key)).map((key) => `${locale}: ${key}`));
  t.deepEqual(missing, []);
});

test('the layout renders a page in each language with its lang attribute, title and language switch', async (t) => {
  const views = await loadPageViews();
  for (const locale of PAGE_LOCALES) {
    const html = views.render('error', {
      locale,
      timeZone: 'Europe/Paris',
      pageName: 'error',
      kind: 'not_found',
      static: { app_css: '/static/app.css', poll_js: '/static/poll.js' },
      languages: [{ code: 'fr', name: 'Français', url: '/?lang=fr', current: locale === 'fr' }, { code: 'en', name: 'English', url: '/?lang=en', current: locale === 'en' }],
    });
    t.regex(html, new RegExp(`<html lang="${locale}">`));
    t.regex(html, locale === 'fr' ? /<title>Un problème est survenu · Accueil des membres<\/title>/ : /<title>Something went wrong · Member onboarding<\/title>/);
    t.regex(html, locale === 'fr' ? /<h1>Page introuvable<\/h1>/ : /<h1>Page not found<\/h1>/);
    t.regex(html, /hreflang="en" aria-current="true"|hreflang="fr" aria-current="true"/);
  }
});
