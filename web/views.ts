// The pages' templates: Handlebars views inside one layout, with partials and the pages'
// translations (web/locales). Compiled once at start-up; a page render is Handlebars only.
import fs from 'node:fs/promises';
import path from 'node:path';
import Handlebars from 'handlebars';
import { projectRoot } from '../config/index.ts';
import { loadTranslations } from '../i18n/translations.ts';

export const PAGE_LOCALES = ['fr', 'en'] as const;
export type PageLocale = (typeof PAGE_LOCALES)[number];
export const isPageLocale = (value: unknown): value is PageLocale => PAGE_LOCALES.includes(value as PageLocale);

const VIEWS_DIR = path.join(projectRoot, 'web', 'views');

/** What every page's template may read beside its own data. */
export interface PageRoot {
  locale: PageLocale;
  timeZone: string;
  [key: string]: unknown;
}

export interface PageViews {
  render(view: string, root: PageRoot): string;
  /** A translation outside a template (redirect messages, titles), plain text. */
  translate(locale: PageLocale, key: string, values?: Record<string, unknown>): string;
  has(locale: PageLocale, key: string): boolean;
}

async function filesUnder(dir: string, suffix: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith(suffix)).map((e) => path.join(e.parentPath, e.name));
}

const nameOf = (dir: string, file: string, suffix: string) => path.relative(dir, file).slice(0, -suffix.length).split(path.sep).join('/');

export async function loadPageViews(): Promise<PageViews> {
  const env = Handlebars.create();
  const textEnv = Handlebars.create();
  // {{plural count "card" "cards"}}: French counts 0 and 1 as singular, English only 1.
  textEnv.registerHelper('plural', (n: unknown, one: unknown, other: unknown, options: Handlebars.HelperOptions) => {
    const count = Number(n);
    return (options.data.root.locale === 'fr' ? count < 2 : count === 1) ? one : other;
  });
  textEnv.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).map(String).join(''));
  // {{de name}}: "de Beta", but "d’Acme Conseil": French elides "de" before a vowel.
  textEnv.registerHelper('de', (name: unknown) => elidedDe(String(name)));
  const tables = await loadTranslations(path.join(projectRoot, 'web', 'locales'), PAGE_LOCALES);
  const strings = new Map<PageLocale, Map<string, Handlebars.TemplateDelegate>>();
  for (const [locale, table] of tables) {
    strings.set(locale, new Map([...table].map(([key, source]) => [key, textEnv.compile(source, { noEscape: true })])));
  }
  const translate = (locale: PageLocale, key: string, values: Record<string, unknown> = {}) => {
    const compiled = strings.get(locale)?.get(key);
    if (!compiled) throw new Error(`no page translation "${key}" in ${locale}`);
    return compiled({ ...values, locale });
  };

  const formats = new Map<string, Intl.DateTimeFormat>();
  const formatDate = (value: unknown, root: PageRoot, style: 'long' | 'short') => {
    if (value === null || value === undefined || value === '') return '';
    const date = new Date(value as string);
    if (Number.isNaN(date.getTime())) return String(value);
    const id = `${root.locale}|${root.timeZone}|${style}`;
    let format = formats.get(id);
    if (!format) {
      format = new Intl.DateTimeFormat(root.locale === 'en' ? 'en-GB' : 'fr-FR', { dateStyle: style === 'long' ? 'long' : 'medium', timeStyle: 'short', timeZone: root.timeZone });
      formats.set(id, format);
    }
    return format.format(date);
  };
  const rootOf = (options: Handlebars.HelperOptions) => options.data.root as PageRoot;
  const safe = (text: string) => new Handlebars.SafeString(Handlebars.escapeExpression(text));

  env.registerHelper({
    /** {{t "key" "part" name=value}}: segments joined into the key; the whole text escaped. */
    t: (...args: unknown[]) => {
      const options = args.at(-1) as Handlebars.HelperOptions;
      return safe(translate(rootOf(options).locale, args.slice(0, -1).map(String).join(''), { ...rootOf(options), ...options.hash }));
    },
    /** A translation when the key exists, else the fallback as it is (audit types, reasons). */
    tOr: (key: unknown, fallback: unknown, options: Handlebars.HelperOptions) => {
      const locale = rootOf(options).locale;
      return safe(strings.get(locale)?.has(String(key)) ? translate(locale, String(key), { ...rootOf(options), ...options.hash }) : String(fallback ?? ''));
    },
    date: (value: unknown, options: Handlebars.HelperOptions) => formatDate(value, rootOf(options), 'long'),
    /** A calendar day (YYYY-MM-DD, a date at a site): no time, no time zone. */
    day: (value: unknown, options: Handlebars.HelperOptions) => {
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return '';
      return new Intl.DateTimeFormat(rootOf(options).locale === 'en' ? 'en-GB' : 'fr-FR', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${value}T12:00:00Z`));
    },
    shortDate: (value: unknown, options: Handlebars.HelperOptions) => formatDate(value, rootOf(options), 'short'),
    eq: (a: unknown, b: unknown) => a === b,
    startsWith: (text: unknown, prefix: unknown) => typeof text === 'string' && text.startsWith(String(prefix)),
    not: (a: unknown) => !a,
    /** The first truthy value (like JavaScript's ||), so it also picks a label: (or name email). */
    or: (...args: unknown[]) => args.slice(0, -1).find(Boolean) ?? false,
    and: (...args: unknown[]) => args.slice(0, -1).every(Boolean),
    json: (value: unknown) => JSON.stringify(value ?? null),
    concat: (...args: unknown[]) => args.slice(0, -1).map(String).join(''),
    join: (list: unknown, separator: unknown) => (Array.isArray(list) ? list.map(String).join(String(separator)) : ''),
    includes: (list: unknown, item: unknown) => Array.isArray(list) && list.includes(item),
    sum: (...args: unknown[]) => args.slice(0, -1).reduce((total: number, n) => total + Number(n ?? 0), 0),
  });

  const partialsDir = path.join(VIEWS_DIR, 'partials');
  for (const file of await filesUnder(partialsDir, '.hbs')) {
    env.registerPartial(nameOf(partialsDir, file, '.hbs'), env.compile(await fs.readFile(file, 'utf8')));
  }
  const layout = env.compile(await fs.readFile(path.join(VIEWS_DIR, 'layout.hbs'), 'utf8'));
  const views = new Map<string, Handlebars.TemplateDelegate>();
  for (const file of await filesUnder(VIEWS_DIR, '.hbs')) {
    if (file.startsWith(partialsDir + path.sep) || file.endsWith(`${path.sep}layout.hbs`)) continue;
    const source = await fs.readFile(file, 'utf8');
    // compile() is lazy: parse now, so a broken template stops start-up instead of a first visit.
    Handlebars.parse(source);
    views.set(nameOf(VIEWS_DIR, file, '.hbs'), env.compile(source));
  }

  return {
    render(view, root) {
      const template = views.get(view);
      if (!template) throw new Error(`no page view ${view}`);
      return layout({ ...root, body: new Handlebars.SafeString(template(root)) });
    },
    translate,
    has: (locale, key) => strings.get(locale)?.has(key) ?? false,
  };
}

/** French "de" before a name: elided before a vowel (or a mute-h word we cannot know: kept). */
export function elidedDe(name: string): string {
  return /^[aeiouyàâäéèêëîïôöùûüÿæœ]/i.test(name.trim()) ? `d’${name}` : `de ${name}`;
}
