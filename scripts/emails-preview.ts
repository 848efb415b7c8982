// npm run emails:preview: every e-mail in every language, rendered with sample data into
// <DATA_DIR>/email-previews/<template>.<locale>.html and .txt, plus an index.html to browse them.
import fs from 'node:fs/promises';
import path from 'node:path';
import { EMAIL_LOCALES, EMAIL_TEMPLATES } from '../mail/catalog.ts';
import { loadEmailRenderer } from '../mail/render.ts';
import { sampleEmailData } from '../mail/samples.ts';
import { loadConfigOrExit, runMain } from '../lib/cli.ts';

const usage = 'usage: npm run emails:preview\nWrites every e-mail in both languages, HTML and text, to <DATA_DIR>/email-previews/ (open index.html).';

runMain(async () => {
  const config = loadConfigOrExit();
  const dir = path.join(config.dataDir, 'email-previews');
  await fs.mkdir(dir, { recursive: true });
  const renderer = await loadEmailRenderer();
  const rows: string[] = [];
  for (const template of EMAIL_TEMPLATES) {
    for (const locale of EMAIL_LOCALES) {
      const email = renderer.render(template, locale, sampleEmailData(template, { publicUrl: config.http.publicUrl }));
      const base = path.join(dir, `${template}.${locale}`);
      await fs.writeFile(`${base}.html`, email.html);
      await fs.writeFile(`${base}.txt`, `Subject: ${email.subject}\n\n${email.text}`);
      console.log(`${base}.html`);
      console.log(`${base}.txt`);
      const name = `${template}.${locale}`;
      rows.push(`<tr><td>${template}</td><td>${locale}</td><td><a href="${name}.html">${email.subject.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)}</a></td><td><a href="${name}.txt">text</a></td></tr>`);
    }
  }
  const index = path.join(dir, 'index.html');
  await fs.writeFile(
    index,
    `<!doctype html><html lang="en"><meta charset="utf-8"><title>E-mail previews</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:900px;margin:2rem auto}td{padding:.3rem .8rem;border-bottom:1px solid #e5e7eb}</style>
<h1>E-mail previews</h1><table>${rows.join('\n')}</table></html>\n`,
  );
  console.log(index);
}, usage);
