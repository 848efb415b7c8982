// The templates themselves: every e-mail in every language renders complete, escaped, with
// absolute links and a readable text part; a broken template or translation stops the loader.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { EMAIL_LOCALES, EMAIL_TEMPLATES, type EmailTemplate } from '../mail/catalog.ts';
import { EmailTemplateError, loadEmailRenderer, textColorOn, TEMPLATES_DIR } from '../mail/render.ts';
import { sampleEmailData } from '../mail/samples.ts';
import { linksIn } from './helpers/smtp.ts';

const PUBLIC_URL = 'https://members.example.org';
const rendererOnce = loadEmailRenderer();

for (const template of EMAIL_TEMPLATES) {
  for (const locale of EMAIL_LOCALES) {
    test(`${template} (${locale}) renders complete: subject, HTML and text, every placeholder filled, absolute links`, async (t) => {
      const renderer = await rendererOnce;
      const data = sampleEmailData(template, { publicUrl: PUBLIC_URL });
      const email = renderer.render(template, locale, data);

      t.true(email.subject.length > 5 && !/[\r\n]/.test(email.subject), 'a one-line subject');
      for (const [part, text] of Object.entries(email)) t.false(/\{\{|\}\}/.test(text), `no placeholder left in the ${part}`);
      t.regex(email.html, new RegExp(`^<!doctype html>\\s*<html lang="${locale}"`, 'i'));
      t.true(email.html.includes(`<title>${email.subject.replace(/&/g, '&amp;').replace(/'/g, '&#x27;')}</title>`), 'the subject is the title');
      t.true(email.html.includes(data.company.brandColor), "the company's colour");
      for (const link of linksIn(email.html)) t.true(link.startsWith(`${PUBLIC_URL}`), `${link} is absolute, on PUBLIC_URL`);
      for (const link of linksIn(email.html)) t.true(email.text.includes(link), `${link} is also in the text part`);

      // The text part is written to be read: no markup, short lines of words, the greeting first.
      t.false(/<\/?[a-z][^>]*>/i.test(email.text), 'no HTML in the text part');
      t.true(email.text.startsWith(locale === 'fr' ? `Bonjour ${data.recipient.name},` : `Hello ${data.recipient.name},`));
      t.true(email.text.includes(data.company.name));
      t.false(/\n{3,}/.test(email.text), 'no runs of blank lines');
      t.true(email.html.includes(data.recipient.name) && email.text.includes(data.recipient.name));
    });
  }
}

test('French and English differ for every e-mail, and each subject says what it is about', async (t) => {
  const renderer = await rendererOnce;
  const subjects = (locale: 'fr' | 'en') => EMAIL_TEMPLATES.map((template) => renderer.render(template, locale, sampleEmailData(template)).subject);
  const fr = subjects('fr');
  const en = subjects('en');
  for (const [i, template] of EMAIL_TEMPLATES.entries()) t.not(fr[i], en[i], `${template} is translated`);
  t.is(new Set(fr).size, EMAIL_TEMPLATES.length, 'no two French subjects alike');
  t.is(fr[EMAIL_TEMPLATES.indexOf('invitation')], 'Atelier Lumière vous invite à créer votre compte');
  t.is(en[EMAIL_TEMPLATES.indexOf('card_instructions')], 'Register your access card');
  // Lock screens show subjects: the code is in the body only.
  t.is(en[EMAIL_TEMPLATES.indexOf('password_reset')], 'Your password reset code');
});

test('every value is escaped in the HTML part and left as written in the text part', async (t) => {
  const renderer = await rendererOnce;
  const evil = '<img src=x onerror=alert(1)> & "Bob" \'O\'Brien\'';
  const data = sampleEmailData('offboarding_report', {
    common: { recipient: { name: evil, email: 'a@example.org' }, member: { name: evil, email: 'b@example.org' }, company: { name: 'R&D <Lab>', brandColor: '#0f766e', logoUrl: null } },
  });
  data.report.reason = '</td></tr><script>x()</script>';
  const email = renderer.render('offboarding_report', 'en', data);
  t.false(email.html.includes('<img src=x'), 'no injected element');
  t.false(email.html.includes('<script>'), 'no injected script');
  t.true(email.html.includes('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt; &amp; &quot;Bob&quot;'));
  t.true(email.html.includes('R&amp;D &lt;Lab&gt;'));
  t.true(email.text.includes(`Hello ${evil},`), 'the text part keeps the name as written');
  t.true(email.text.includes('</td></tr><script>x()</script>'));
  t.is(email.subject, `${evil} was removed: report`);
});

test("the header carries the company's logo and colour, with text readable on it", async (t) => {
  const renderer = await rendererOnce;
  const logoUrl = 'https://cdn.example.org/logo.png?v=2&size=large';
  const light = renderer.render('invitation', 'fr', sampleEmailData('invitation', { common: { company: { name: 'Soleil', brandColor: '#ffd500', logoUrl } } }));
  t.true(light.html.includes('src="https://cdn.example.org/logo.png?v&#x3D;2&amp;size&#x3D;large"'), 'the logo, its URL escaped');
  t.true(light.html.includes('alt="Soleil"'));
  t.true(light.html.includes('#ffd500'));
  t.true(light.html.includes('color:#111827'), 'dark text on a light colour');
  const dark = renderer.render('invitation', 'fr', sampleEmailData('invitation', { common: { company: { name: 'Nuit', brandColor: '#1d4ed8', logoUrl: null } } }));
  t.false(dark.html.includes('<img'), 'no logo, no image');
  t.true(dark.html.includes('color:#ffffff'), 'white text on a dark colour');
  t.is(textColorOn('#000000'), '#ffffff');
  t.is(textColorOn('#ffffff'), '#111827');
});

test("dates are shown in the site's time zone and the reader's language", async (t) => {
  const renderer = await rendererOnce;
  const at = (locale: 'fr' | 'en', timeZone: string) =>
    renderer.render('invitation', locale, { ...sampleEmailData('invitation', { common: { timeZone } }), invitation: { url: 'https://x.example/i/1', expiresAt: '2026-12-01T17:00:00.000Z' } }).text;
  t.regex(at('fr', 'Europe/Paris'), /jusqu'au 1 décembre 2026 à 18:00 \(Europe\/Paris\)/);
  t.regex(at('en', 'America/New_York'), /until 1 December 2026 at 12:00 \(America\/New_York\)/);
});

test('data missing a field the e-mail shows is an error, not a blank', async (t) => {
  const renderer = await rendererOnce;
  const { invitation: _dropped, ...incomplete } = sampleEmailData('invitation');
  t.throws(() => renderer.render('invitation', 'fr', incomplete as never), { message: /^invitation \(fr\): "url" not defined/ });
});

async function copyOfTemplates(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'templates-'));
  await fs.cp(TEMPLATES_DIR, dir, { recursive: true });
  return dir;
}

test('an MJML error stops the loader and names the template', async (t) => {
  const dir = await copyOfTemplates();
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'emails', 'card_reminder.mjml');
  await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace('<mj-text>', '<mj-text colour="red">'));
  const error = await t.throwsAsync(loadEmailRenderer({ dir }), { instanceOf: EmailTemplateError });
  t.regex(error!.message, /card_reminder\.mjml: .*colour/);
});

test('a translation missing in one language stops the loader and names the key', async (t) => {
  const dir = await copyOfTemplates();
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'locales', 'en.yaml');
  await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace(/^ {2}wifi_note: .*$/m, ''));
  await t.throwsAsync(loadEmailRenderer({ dir }), { instanceOf: EmailTemplateError, message: /en\.yaml: keys differ from fr\.yaml: missing access_active\.wifi_note/ });
});

test('a broken Handlebars expression in a text part stops the loader and names the file', async (t) => {
  const dir = await copyOfTemplates();
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'emails', 'invitation.txt.hbs');
  await fs.writeFile(file, `${await fs.readFile(file, 'utf8')}{{#if invitation}}`);
  await t.throwsAsync(loadEmailRenderer({ dir }), { instanceOf: EmailTemplateError, message: /invitation\.txt\.hbs/ });
});

test('the catalogue and the templates folder agree: one MJML and one text file per e-mail, nothing else', async (t) => {
  const files = (await fs.readdir(path.join(TEMPLATES_DIR, 'emails'))).sort();
  const expected = EMAIL_TEMPLATES.flatMap((name: EmailTemplate) => [`${name}.mjml`, `${name}.txt.hbs`]).sort();
  t.deepEqual(files, expected);
});

test('a recipient invited without a name is greeted without one (not "Bonjour ops,"); counts agree with their nouns', async (t) => {
  const renderer = await rendererOnce;
  const unnamed = sampleEmailData('invitation', { common: { recipient: { name: 'ops', email: 'ops@acme.example' } } });
  t.true(renderer.render('invitation', 'fr', unnamed).text.startsWith('Bonjour,\n'));
  t.true(renderer.render('invitation', 'en', unnamed).text.startsWith('Hello,\n'));
  const named = sampleEmailData('invitation', { common: { recipient: { name: 'Inès Robert', email: 'ops@acme.example' } } });
  t.true(renderer.render('invitation', 'fr', named).text.startsWith('Bonjour Inès Robert,\n'));

  const one = sampleEmailData('import_finished');
  one.import = { ...one.import, created: 1, total: 1 };
  t.is(renderer.render('import_finished', 'fr', one).subject, 'Import terminé : 1 invitation sur 1 ligne');
  t.is(renderer.render('import_finished', 'en', one).subject, 'Import finished: 1 of 1 row invited');
  const many = sampleEmailData('import_finished');
  many.import = { ...many.import, created: 4, total: 7 };
  t.is(renderer.render('import_finished', 'fr', many).subject, 'Import terminé : 4 invitations sur 7 lignes');
  // "code QR", as the pages say it, in every French e-mail.
  for (const template of EMAIL_TEMPLATES) t.false(/QR code/.test(renderer.render(template, 'fr', sampleEmailData(template)).text), template);
});
