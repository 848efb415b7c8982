// npm run demo:member [-- --remove]
// Drives one member through the whole lifecycle on a running stack (`npm start` in another
// terminal, or DATABASE_URL/TEMPORAL_ADDRESS): invitation, password, wizard closed at step 1,
// PIN revealed, a refused card, door enrollment, active; with --remove, the offboarding too.
// Then open the printed Temporal UI link: the workflow's history tells that member's story.
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { Company } from '../db/entities/index.ts';
import { openOrm } from '../db/orm.ts';
import { acceptInvitation } from '../domain/members/accept-invitation.ts';
import { createLifecycleGateway } from '../domain/members/lifecycle-gateway.ts';
import { inviteMember } from '../domain/members/invite-member.ts';
import { createCompanyAtSite } from '../domain/companies/create-company.ts';
import { createSecrets } from '../domain/secrets.ts';
import { resolveSecretKey } from '../services/secret-key.ts';
import { dataConverterFor } from '../services/payload-codec.ts';
import { CommandError, loadConfigOrExit, runMain } from '../lib/cli.ts';
import { cliApiUrl, cliTemporalTarget, withDatabase } from './lib/services.ts';
import { runningStack } from './lib/stack-file.ts';
import { waitFor } from './lib/wait.ts';

const usage = "usage: npm run demo:member [-- --remove]\nDrives one member through the lifecycle on this folder's running stack (npm start in another terminal): invitation, password, PIN, door enrollment, active; --remove also offboards them.";

const DEMO_COMPANY = 'Demo Coworking';

runMain(async () => {
  let values: { remove?: boolean };
  try {
    ({ values } = parseArgs({ options: { remove: { type: 'boolean', default: false } }, strict: true }));
  } catch (error) {
    throw new CommandError(`${(error as Error).message}\n${usage}`);
  }
  const config = loadConfigOrExit();
  const target = cliTemporalTarget(config);
  const connection = await Connection.connect({ ...(target.connectionOptions as object), connectTimeout: '3s' }).catch((error: Error) => {
    throw new CommandError(`Temporal at ${String(target.connectionOptions.address)} did not answer (${error.message}): run \`npm start\` first`);
  });
  const client = new Client({ connection, namespace: target.namespace, dataConverter: dataConverterFor(config, resolveSecretKey(config)) });
  const lifecycles = createLifecycleGateway({ client, taskQueue: config.temporal.taskQueue, defaults: config.lifecycle });
  const secrets = createSecrets(resolveSecretKey(config));

  try {
    await withDatabase(config, async (url) => {
      const orm = await openOrm(url, { poolMax: 2 });
      try {
        const say = (line: string) => process.stdout.write(`${line}\n`);
        const em = orm.em.fork();
        let company = await em.findOne(Company, { name: DEMO_COMPANY });
        if (!company) {
          const created = await createCompanyAtSite(em, { name: DEMO_COMPANY, adminEmail: 'office@demo.test', adminName: 'Olivia Office', siteName: 'Lyon Part-Dieu', actor: 'cli:demo' });
          company = await em.findOneOrFail(Company, created.companyId);
          await lifecycles.startWaiting(orm.em.fork());
          say(`created company ${DEMO_COMPANY} (admin office@demo.test, invited)`);
        }
        const db = em.getKysely();
        const site = await db.selectFrom('company_site').select('site_id as id').where('organization_id', '=', company.id).orderBy('granted_at').limit(1).executeTakeFirstOrThrow();
        const cardNumber = `DEMO-${randomBytes(3).toString('hex').toUpperCase()}`;
        await db.insertInto('card').values({ id: randomUUID(), site_id: site.id, number: cardNumber, qr_token: randomUUID(), state: 'stock', created_at: new Date() }).execute();

        const email = `camille.${randomBytes(2).toString('hex')}@demo.test`;
        const member = await inviteMember(
          { em: orm.em.fork(), lifecycles },
          { companyId: company.id, siteId: site.id, email, name: 'Camille Martin', locale: 'fr', actor: 'cli:demo' },
        );
        say(`invited ${email} → workflow ${member.workflowId}`);

        const token = await waitFor('the invitation', async () => {
          const row = await orm.em.fork().getKysely().selectFrom('auth_token').select('id').where('member_id', '=', member.memberId).where('purpose', '=', 'invitation').where('revoked_at', 'is', null).executeTakeFirst();
          return row?.id;
        });
        await acceptInvitation({ em: orm.em.fork(), lifecycles, secrets }, { token: secrets.signToken(token), password: 'demo password 1234' });
        say('password created from the invitation link');
        await waitFor('awaiting_card (is the worker running?)', async () => (await lifecycles.state(member.memberId)).status === 'awaiting_card');

        await lifecycles.closeWizard(member.memberId, 1, randomUUID());
        say('wizard closed at step 1 → instructions e-mail');
        const { pin } = await lifecycles.confirmCard(member.memberId, `member:${member.memberId}`);
        say(`"I hold a card" → PIN ${pin}`);
        const refused = await lifecycles.scanQr(member.memberId, 'https://cards.example/c/not-a-card-of-ours', `member:${member.memberId}`);
        say(`QR code of a card not in stock → ${refused.decision} (${'reason' in refused ? refused.reason : ''})`);
        const enrolled = await lifecycles.enrollAtDoor(member.memberId, { pin, cardNumber, doorControllerId: 'demo-door' });
        say(`PIN ${pin} + card ${cardNumber} at the door → ${enrolled.decision}`);
        await waitFor('active (is the worker running?)', async () => (await lifecycles.state(member.memberId)).status === 'active');
        say('active: card on the access list, Wi-Fi granted, e-mail sent');

        if (values.remove) {
          await lifecycles.remove(member.memberId, { actor: 'cli:demo', reason: 'demo offboarding' });
          const report = await lifecycles.report(member.memberId);
          say(`removed: card ${report.card?.number} revoked, Wi-Fi revoked: ${report.wifi.revoked}`);
        }
        const uiBase = config.temporal.external ? undefined : (runningStack(config.dataDir)?.temporalUiUrl ?? `http://127.0.0.1:${config.temporal.uiPort}`);
        const ui = uiBase && `${uiBase}/namespaces/${target.namespace}/workflows/${member.workflowId}`;
        if (ui) say(`history: ${ui}`);
        say(`e-mails: ${cliApiUrl(config)}/dev/mail`);
      } finally {
        await orm.close();
      }
    });
  } finally {
    await connection.close();
  }
}, usage);
