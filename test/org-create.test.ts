import { spawnSync } from 'node:child_process';
import path from 'node:path';
import test from 'ava';
import { projectRoot } from '../config/index.ts';
import { hashApiKey } from '../domain/api-keys.ts';
import { createEmptyDatabase, query } from './helpers/database.ts';
import { testEnv } from './helpers/env.ts';
import { temporalClient, uniqueTaskQueue } from './helpers/temporal.ts';

// Port 9 (discard) answers nothing: Temporal is "down" unless a test says otherwise.
const orgCreate = (databaseUrl: string, args: string[], env: NodeJS.ProcessEnv = { TEMPORAL_ADDRESS: '127.0.0.1:9' }) =>
  spawnSync(process.execPath, [path.join(projectRoot, 'scripts', 'org-create.ts'), ...args], {
    env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });

test('org:create makes an organisation, its admin and site, and prints one JSON line with a key stored only hashed', async (t) => {
  const url = await createEmptyDatabase();
  const result = orgCreate(url, ['--name', 'Acme', '--admin-email', 'Office.Manager@Acme.test', '--site', 'Paris HQ', '--locale', 'en', '--brand-color', '#0F766E', '--logo-url', 'https://cdn.acme.test/logo.png', '--wifi-ssid', 'Acme-Members']);
  t.is(result.status, 0, result.stderr);
  const lines = result.stdout.trim().split('\n');
  t.is(lines.length, 1);
  const out = JSON.parse(lines[0]!) as Record<string, string>;
  t.deepEqual(Object.keys(out).sort(), ['adminLifecycle', 'adminMemberId', 'apiKey', 'organizationId', 'siteId']);
  t.is(out.adminLifecycle, 'pending');
  t.regex(result.stderr, /invitation goes out when the worker next starts/);

  const member = await query(url, 'select organization_id, site_id, email, role, locale, status from member where id = $1', [out.adminMemberId]);
  t.deepEqual(member.rows[0], {
    organization_id: out.organizationId,
    site_id: out.siteId,
    email: 'office.manager@acme.test',
    role: 'admin',
    locale: 'en',
    status: 'invited',
  });
  const organization = await query(url, 'select name, brand_color, logo_url from organization where id = $1', [out.organizationId]);
  t.deepEqual(organization.rows[0], { name: 'Acme', brand_color: '#0f766e', logo_url: 'https://cdn.acme.test/logo.png' });
  t.is((await query(url, 'select wifi_ssid from site where id = $1', [out.siteId])).rows[0]?.wifi_ssid, 'Acme-Members', 'members get the network name with their credentials');
  const site = await query(url, 'select name, organization_id from site where id = $1', [out.siteId]);
  t.is(site.rows[0]!.name, 'Paris HQ');

  const keys = await query<{ secret_hash: string; prefix: string }>(url, 'select secret_hash, prefix from api_key where organization_id = $1', [out.organizationId]);
  t.is(keys.rowCount, 1);
  t.is(keys.rows[0]!.secret_hash, hashApiKey(out.apiKey!));
  t.true(out.apiKey!.startsWith(keys.rows[0]!.prefix));
  // Nowhere in the database does the key itself appear.
  const dump = await query(url, 'select row_to_json(k)::text as j from api_key k union all select row_to_json(a)::text from audit_event a');
  t.false(dump.rows.some((r) => String(r.j).includes(out.apiKey!)));

  const audit = await query(url, 'select type, actor from audit_event where organization_id = $1', [out.organizationId]);
  t.deepEqual(audit.rows, [{ type: 'organization.created', actor: 'cli:org-create' }]);
});

test('org:create refuses bad arguments with a usage line and writes nothing', async (t) => {
  const url = await createEmptyDatabase();
  for (const args of [
    ['--name', 'Acme', '--admin-email', 'not-an-email', '--site', 'HQ'],
    ['--admin-email', 'a@acme.test', '--site', 'HQ'],
    ['--name', 'Acme', '--admin-email', 'a@acme.test', '--site', 'HQ', '--time-zone', 'Mars/Olympus'],
    ['--name', 'Acme', '--admin-email', 'a@acme.test', '--site', 'HQ', '--bogus'],
    ['--name', 'Acme', '--admin-email', 'a@acme.test', '--site', 'HQ', '--brand-color', 'teal'],
    ['--name', 'Acme', '--admin-email', 'a@acme.test', '--site', 'HQ', '--logo-url', 'http://acme.test/logo.png'],
  ]) {
    const result = orgCreate(url, args);
    t.is(result.status, 1, args.join(' '));
    t.regex(result.stderr, /^Error: .+\nusage: npm run org:create/, args.join(' '));
    t.notRegex(result.stderr, /\n\s+at /);
  }
  // Arguments are checked before anything connects: the database is still empty.
  const tables = await query(url, "select count(*)::int as n from information_schema.tables where table_schema = 'public'");
  t.is(tables.rows[0]!.n, 0);
});

test('org:create starts the first admin’s lifecycle at once when Temporal answers', async (t) => {
  const url = await createEmptyDatabase();
  const taskQueue = uniqueTaskQueue();
  const result = orgCreate(url, ['--name', 'Acme', '--admin-email', 'boss@acme.test', '--site', 'Paris'], {
    TEMPORAL_ADDRESS: testEnv.temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
  });
  t.is(result.status, 0, result.stderr);
  const out = JSON.parse(result.stdout) as Record<string, string>;
  t.is(out.adminLifecycle, 'started');
  const client = await temporalClient(t);
  const description = await client.workflow.getHandle(`member-${out.adminMemberId}`).describe();
  t.is(description.status.name, 'RUNNING');
  t.is(description.taskQueue, taskQueue);
  await client.workflow.getHandle(`member-${out.adminMemberId}`).terminate('test over');
});

test('every command answers --help with its usage, changing nothing', (t) => {
  const commands: [string, RegExp][] = [
    ['scripts/start.ts', /^usage: npm start/],
    ['scripts/org-create.ts', /^usage: npm run org:create -- --name .*--wifi-ssid/],
    ['scripts/door-sim.ts', /^usage: npm run door-sim/],
    ['scripts/member-demo.ts', /^usage: npm run demo:member/],
    ['scripts/history-export.ts', /^usage: npm run history:export/],
    ['scripts/migrate.ts', /^usage: npm run migrate/],
    ['scripts/temporal-setup.ts', /^usage: npm run temporal:setup/],
    ['scripts/emails-preview.ts', /^usage: npm run emails:preview/],
    ['worker/main.ts', /^usage: npm run worker/],
    ['api/main.ts', /^usage: npm run api/],
    ['bench/run.ts', /^usage: npm run bench/],
    ['drills/run.ts', /^usage: npm run drills/],
  ];
  for (const [script, usage] of commands) {
    // No variables at all: a command that went on past --help would fail on a missing database or key.
    const result = spawnSync(process.execPath, [path.join(projectRoot, script), '--help'], { env: { PATH: process.env.PATH }, encoding: 'utf8', timeout: 30_000 });
    t.is(result.status, 0, `${script}: ${result.stderr}`);
    t.regex(result.stdout, usage, script);
    t.is(result.stderr, '', `${script} prints no stack trace`);
  }
});
