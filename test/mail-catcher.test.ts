import path from 'node:path';
import test from 'ava';
import nodemailer from 'nodemailer';
import type { CaughtMail } from '../services/mail-catcher.ts';
import { startMailCatcher } from '../services/mail-catcher.ts';
import { freePort } from '../scripts/lib/ports.ts';
import { startApi } from './helpers/app.ts';
import { migratedOrm } from './helpers/database.ts';
import { testEnv } from './helpers/env.ts';
import { uniqueTaskQueue } from './helpers/temporal.ts';
import { waitFor } from './helpers/wait.ts';

test('mail sent over SMTP to the catcher can be read on the dev pages', async (t) => {
  const { orm } = await migratedOrm(t);
  const catcher = await startMailCatcher({ dir: path.join(testEnv.workDir, `mail-${process.pid}`), port: await freePort() });
  t.teardown(() => catcher.stop());
  const { url } = await startApi(t, { orm, taskQueue: uniqueTaskQueue(), mailCatcher: catcher });

  const transport = nodemailer.createTransport(catcher.smtpUrl);
  t.teardown(() => transport.close());
  await transport.sendMail({
    from: 'Onboarding <onboarding@example.test>',
    to: 'camille@example.test',
    subject: 'Bienvenue <chez> Acme',
    text: 'Créez votre mot de passe.',
    html: '<p>Créez votre <b>mot de passe</b>.</p>',
  });

  const [mail] = await waitFor('the message to be listed', async () => {
    const list = (await (await fetch(`${url}/dev/mail.json`)).json()) as CaughtMail[];
    return list.length > 0 ? list : undefined;
  });
  t.is(mail!.subject, 'Bienvenue <chez> Acme');
  t.deepEqual(mail!.to, ['camille@example.test']);
  t.is(mail!.text.trim(), 'Créez votre mot de passe.');

  const index = await (await fetch(`${url}/dev/mail`)).text();
  t.true(index.includes('Bienvenue &lt;chez&gt; Acme'), 'the subject is listed, escaped');
  const page = await fetch(`${url}/dev/mail/${mail!.id}`);
  t.is(page.status, 200);
  t.true((await page.text()).includes('Créez votre mot de passe.'));
  const html = await fetch(`${url}/dev/mail/${mail!.id}/html`);
  t.regex(html.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  t.true((await html.text()).includes('<b>mot de passe</b>'));
  t.is((await fetch(`${url}/dev/mail/..%2F..%2Fetc%2Fpasswd`)).status, 404, 'ids cannot walk out of the mail folder');
});

test('there are no mail pages in production', async (t) => {
  const { orm } = await migratedOrm(t);
  const catcher = await startMailCatcher({ dir: path.join(testEnv.workDir, `mail-prod-${process.pid}`), port: await freePort() });
  t.teardown(() => catcher.stop());
  const { url } = await startApi(t, {
    orm,
    taskQueue: uniqueTaskQueue(),
    mailCatcher: catcher,
    env: { NODE_ENV: 'production', SMTP_URL: 'smtp://mail.example.test:25', SECRET_KEY: 'a-deployment-secret-key-of-48-characters-long!!' },
  });
  const response = await fetch(`${url}/dev/mail`);
  t.is(response.status, 404);
  t.regex(response.headers.get('content-type') ?? '', /problem\+json/);
});
