// Turns a template name, a language and the e-mail's data into {subject, html, text}.
//
// At load: each e-mail's MJML is put into the layout and compiled once, strictly (an MJML error is
// a load error naming the file), and the resulting HTML becomes a Handlebars template; the
// translations are read and checked (same keys in every language). Per send: Handlebars only,
// which is what keeps a warm render far below a millisecond.
//
// MJML validates colours, so the layout uses two stand-in colours for the company's colour
// and the text colour readable on it, swapped for Handlebars expressions after compiling.
import fs from 'node:fs/promises';
import path from 'node:path';
import Handlebars from 'handlebars';
import mjml2html from 'mjml';
import { projectRoot } from '../config/index.ts';
import { textColorOn } from '../domain/companies/brand.ts';
import { loadTranslations, TranslationError } from '../i18n/translations.ts';
import { EMAIL_LOCALES, EMAIL_TEMPLATES, type EmailData, type EmailLocale, type EmailTemplate } from './catalog.ts';

export const TEMPLATES_DIR = path.join(projectRoot, 'templates');

const BRAND_COLOR_STAND_IN = /#010203/gi;
const ON_BRAND_COLOR_STAND_IN = /#010204/gi;
const CONTENT_SLOT = '<!-- content -->';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export interface EmailRenderer {
  render<T extends EmailTemplate>(template: T, locale: EmailLocale, data: EmailData<T>): RenderedEmail;
}

export class EmailTemplateError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'EmailTemplateError';
  }
}

type Strings = Map<string, Handlebars.TemplateDelegate>;
type Root = Record<string, unknown> & { locale: EmailLocale; timeZone: string };

export { textColorOn };

async function readText(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new EmailTemplateError(file, (error as Error).message);
  }
}

export async function loadEmailRenderer(options: { dir?: string } = {}): Promise<EmailRenderer> {
  const dir = options.dir ?? TEMPLATES_DIR;
  // Two environments: HTML escapes every value, text (and subjects) keep them as they are.
  const htmlEnv = Handlebars.create();
  const textEnv = Handlebars.create();
  const compileText = (source: string, file: string) => {
    try {
      Handlebars.parse(source);
    } catch (error) {
      throw new EmailTemplateError(file, (error as Error).message);
    }
    return textEnv.compile(source, { noEscape: true, strict: true });
  };

  // ---- translations ----------------------------------------------------------------------------
  let tables: Awaited<ReturnType<typeof loadTranslations<EmailLocale>>>;
  try {
    tables = await loadTranslations(path.join(dir, 'locales'), EMAIL_LOCALES);
  } catch (error) {
    throw error instanceof TranslationError ? new EmailTemplateError(error.file, error.message.slice(error.file.length + 2)) : error;
  }
  const strings = new Map<EmailLocale, Strings>();
  const keysOf = new Map<EmailLocale, Set<string>>();
  for (const [locale, table] of tables) {
    const file = path.join(dir, 'locales', `${locale}.yaml`);
    const compiled: Strings = new Map();
    for (const [key, source] of table) compiled.set(key, compileText(source, `${file} (${key})`));
    strings.set(locale, compiled);
    keysOf.set(locale, new Set(table.keys()));
  }
  const [first] = EMAIL_LOCALES;
  for (const template of EMAIL_TEMPLATES) {
    for (const part of ['subject', 'preview']) {
      if (!keysOf.get(first)!.has(`${template}.${part}`)) throw new EmailTemplateError(path.join(dir, 'locales', `${first}.yaml`), `${template}.${part} is missing`);
    }
  }

  // ---- helpers (both environments) ---------------------------------------------------------------
  const translate = (segments: unknown[], options: Handlebars.HelperOptions): string => {
    const root = options.data.root as Root;
    const key = segments.map(String).join('');
    const compiled = strings.get(root.locale)?.get(key);
    if (!compiled) throw new Error(`no translation "${key}" in ${root.locale}`);
    return compiled({ ...root, ...options.hash });
  };
  const formats = new Map<string, Intl.DateTimeFormat>();
  const formatDate = (iso: unknown, options: Handlebars.HelperOptions): string => {
    const root = options.data.root as Root;
    const date = new Date(String(iso));
    if (Number.isNaN(date.getTime())) throw new Error(`not a date: ${String(iso)}`);
    const id = `${root.locale}|${root.timeZone}`;
    let format = formats.get(id);
    if (!format) {
      format = new Intl.DateTimeFormat(root.locale === 'en' ? 'en-GB' : 'fr-FR', { dateStyle: 'long', timeStyle: 'short', timeZone: root.timeZone });
      formats.set(id, format);
    }
    return `${format.format(date)} (${root.timeZone})`;
  };
  const helpers = (escape: (s: string) => string | Handlebars.SafeString) => ({
    t: (...args: unknown[]) => escape(translate(args.slice(0, -1), args.at(-1) as Handlebars.HelperOptions)),
    label: (...args: unknown[]) => {
      const options = args.at(-1) as Handlebars.HelperOptions;
      return escape(translate(args.slice(0, -1), options) + translate(['common.colon'], options));
    },
    date: (iso: unknown, options: Handlebars.HelperOptions) => escape(formatDate(iso, options)),
    // {{day "2026-12-09"}}: a date alone (a visit's day), with its weekday.
    day: (date: unknown, options: Handlebars.HelperOptions) =>
      escape(new Intl.DateTimeFormat((options.data.root as Root).locale === 'en' ? 'en-GB' : 'fr-FR', { dateStyle: 'full', timeZone: 'UTC' }).format(new Date(`${String(date)}T12:00:00Z`))),
    // {{plural count "ligne" "lignes"}}: French counts 0 and 1 as singular, English only 1.
    plural: (n: unknown, one: unknown, other: unknown, options: Handlebars.HelperOptions) => {
      const count = Number(n);
      return escape(String((options.data.root as Root).locale === 'fr' ? (count < 2 ? one : other) : count === 1 ? one : other));
    },
  });
  // Translations are plain text: escaped as a whole for HTML (their values included).
  htmlEnv.registerHelper(helpers((s) => new Handlebars.SafeString(Handlebars.escapeExpression(s))));
  textEnv.registerHelper(helpers((s) => s));

  // ---- layouts and e-mails -----------------------------------------------------------------------
  const layoutFile = path.join(dir, 'layout.mjml');
  const layout = await readText(layoutFile);
  if (!layout.includes(CONTENT_SLOT)) throw new EmailTemplateError(layoutFile, `has no ${CONTENT_SLOT} slot`);
  const textLayoutFile = path.join(dir, 'layout.txt.hbs');
  const textLayout = compileText(await readText(textLayoutFile), textLayoutFile);

  const compiled = new Map<EmailTemplate, { html: Handlebars.TemplateDelegate; text: Handlebars.TemplateDelegate }>();
  await Promise.all(
    EMAIL_TEMPLATES.map(async (template) => {
      const mjmlFile = path.join(dir, 'emails', `${template}.mjml`);
      const textFile = path.join(dir, 'emails', `${template}.txt.hbs`);
      const source = layout.replace(CONTENT_SLOT, await readText(mjmlFile));
      let html: string;
      try {
        // The layout's mj-include paths are relative to it; nothing outside the templates folder.
        // No web fonts: MJML would link Google Fonts for Roboto, a third party every reader calls.
        ({ html } = await mjml2html(source, { validationLevel: 'strict', filePath: layoutFile, ignoreIncludes: false, includePath: dir, keepComments: false, fonts: {} }));
      } catch (error) {
        // Line numbers count from the top of the layout, which holds this e-mail at its content slot.
        throw new EmailTemplateError(mjmlFile, `${(error as Error).message.replace(/\s+/g, ' ').trim()} (lines counted in layout.mjml with this file in it)`);
      }
      html = html.replace(BRAND_COLOR_STAND_IN, '{{brand.color}}').replace(ON_BRAND_COLOR_STAND_IN, '{{brand.textColor}}');
      try {
        Handlebars.parse(html);
      } catch (error) {
        throw new EmailTemplateError(mjmlFile, (error as Error).message);
      }
      compiled.set(template, {
        html: htmlEnv.compile(html, { strict: true }),
        text: compileText(await readText(textFile), textFile),
      });
    }),
  );

  return {
    render(template, locale, data) {
      const entry = compiled.get(template);
      const texts = strings.get(locale);
      if (!entry || !texts) throw new Error(`no e-mail template ${template} in ${locale}`);
      const root: Root = {
        ...data,
        // "Bonjour ops," was the address's local part standing in for a name nobody gave.
        recipient: { ...data.recipient, named: hasRealName(data.recipient) },
        locale,
        brand: { color: data.company.brandColor, textColor: textColorOn(data.company.brandColor) },
      };
      try {
        // A subject is one header line whatever the data holds.
        root.subject = texts.get(`${template}.subject`)!(root).replace(/\s+/g, ' ').trim();
        root.preview = texts.get(`${template}.preview`)!(root);
        const text = textLayout(root, { partials: { content: entry.text } })
          .replace(/[ \t]+$/gm, '')
          .replace(/\n{3,}/g, '\n\n');
        return { subject: root.subject as string, html: entry.html(root), text: text.trim() + '\n' };
      } catch (error) {
        // Strict Handlebars names the missing field; say which e-mail it was.
        throw new Error(`${template} (${locale}): ${(error as { message?: string }).message ?? String(error)}`);
      }
    },
  };
}

/** A name someone gave, not one made from the address (what an invitation without a name stores). */
function hasRealName(person: { name: string; email: string }): boolean {
  const name = person.name.trim();
  return name !== '' && name.toLowerCase() !== person.email.split('@')[0]!.toLowerCase();
}
