// The SMTP sink of the benchmarks and drills counts e-mails by subject and Message-ID: both must
// read as the sender wrote them, whatever encoding and folding nodemailer chose.
import test from 'ava';
import nodemailer from 'nodemailer';
import { startSmtpSink } from '../scripts/lib/smtp-sink.ts';
import { waitFor } from './helpers/wait.ts';

test('the sink decodes long accented subjects, keeps Message-IDs, and refuses mail while down', async (t) => {
  const sink = await startSmtpSink();
  t.teardown(() => sink.down());
  const transport = nodemailer.createTransport({ url: sink.url });
  t.teardown(() => transport.close());
  const subject = 'Départ de Zoé Lefèvre-Dubois, membre de l’espace Bastille depuis 2024 : rapport';
  await transport.sendMail({ from: 'a@onboarding.test', to: 'Admin <Admin@Acme.test>', subject, text: 'x', messageId: '<one@onboarding.test>' });
  await transport.sendMail({ from: 'a@onboarding.test', to: 'admin@acme.test', subject, text: 'x', messageId: '<one@onboarding.test>' });
  const [first] = await waitFor('two deliveries', () => (sink.to('admin@acme.test').length === 2 ? sink.to('admin@acme.test') : undefined));
  t.is(first!.subject, subject);
  t.is(first!.messageId, '<one@onboarding.test>');
  t.is(sink.redeliveries(), 1);

  await sink.down();
  await t.throwsAsync(nodemailer.createTransport({ url: sink.url }).sendMail({ from: 'a@onboarding.test', to: 'admin@acme.test', subject: 'down', text: 'x' }));
  await sink.up();
  await transport.sendMail({ from: 'a@onboarding.test', to: 'admin@acme.test', subject: 'back', text: 'x' });
  t.is(sink.to('admin@acme.test').at(-1)!.subject, 'back');
});
