import path from 'node:path';
import test from 'ava';
import { projectRoot } from '../config/index.ts';
import { hashApiKey } from '../domain/api-keys.ts';
import { createEmptyDatabase, query } from './helpers/database.ts';
import { testEnv } from './helpers/env.ts';
import { temporalClient, uniqueTaskQueue } from './helpers/temporal.ts';
import { runCommand } from './helpers/process.ts';

// Port 9 (discard) answers nothing: Temporal is "down" unless a test says otherwise.
const orgCreate = (databaseUrl: string, args: string[], env: NodeJS.ProcessEnv = { TEMPORAL_ADDRESS: '127.0.0.1:9' }) =>
  runCommand(process.execPath, [path.join(projectRoot, 'scripts', 'org-create.ts'), ...args], {
    env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', ...env },
    timeoutMs: 60_000,
  });

test('org:create on a fresh install makes the operator (site, key, first admin) and the first company in one step, and prints one JSON line with keys stored only hashed', async (t) => {
  const url = await createEmptyDatabase();
  const result = await orgCreate(url, ['--name', 'Acme', '--admin-email', 'Office.Manager@Acme.test', '--site', 'Paris HQ', '--locale', 'en', '--brand-color', '#0F766E', '--logo-url', 'https://cdn.acme.test/logo.png', '--wifi-ssid', 'Acme-Members']);
  t.is(result.status, 0, result.stderr);
  const lines = result.stdout.trim().split('\n');
  t.is(lines.length, 1);
  const out = JSON.parse(lines[0]!) as Record<string, string>;
  t.deepEqual(Object.keys(out).sort(), ['adminLifecycle', 'adminMemberId', 'apiKey', 'companyId', 'operatorApiKey', 'operatorId', 'organizationId', 'siteId']);
  t.is(out.organizationId, out.companyId, 'the name integrators knew, kept');
  t.is(out.adminLifecycle, 'pending');
  t.regex(result.stderr, /invitation goes out when the worker next starts/);

  const member = await query(url, 'select organization_id, site_id, email, role, locale, status, operator_admin from member where id = $1', [out.adminMemberId]);
  t.deepEqual(member.rows[0], {
    organization_id: out.companyId,
    site_id: out.siteId,
    email: 'office.manager@acme.test',
    role: 'admin',
    locale: 'en',
    status: 'invited',
    operator_admin: true,
  }, 'one person runs the buildings and the company: one invitation, one password');
  const operator = await query(url, 'select id, name from operator');
  t.deepEqual(operator.rows, [{ id: out.operatorId, name: 'Acme' }]);
  const organization = await query(url, 'select name, brand_color, logo_url, operator_id from organization where id = $1', [out.companyId]);
  t.deepEqual(organization.rows[0], { name: 'Acme', brand_color: '#0f766e', logo_url: 'https://cdn.acme.test/logo.png', operator_id: out.operatorId });
  const site = await query(url, 'select name, operator_id, wifi_ssid from site where id = $1', [out.siteId]);
  t.deepEqual(site.rows[0], { name: 'Paris HQ', operator_id: out.operatorId, wifi_ssid: 'Acme-Members' }, 'members get the network name with their credentials');
  t.deepEqual((await query(url, 'select site_id from company_site where organization_id = $1', [out.companyId])).rows, [{ site_id: out.siteId }]);

  const keys = await query<{ secret_hash: string; prefix: string; organization_id: string | null; operator_id: string | null }>(url, 'select secret_hash, prefix, organization_id, operator_id from api_key order by organization_id nulls first');
  t.is(keys.rowCount, 2);
  t.like(keys.rows[0], { secret_hash: hashApiKey(out.operatorApiKey!), organization_id: null, operator_id: out.operatorId });
  t.like(keys.rows[1], { secret_hash: hashApiKey(out.apiKey!), organization_id: out.companyId });
  t.true(out.apiKey!.startsWith(keys.rows[1]!.prefix));
  // Nowhere in the database do the keys themselves appear.
  const dump = await query(url, 'select row_to_json(k)::text as j from api_key k union all select row_to_json(a)::text from audit_event a');
  t.false(dump.rows.some((r) => String(r.j).includes(out.apiKey!) || String(r.j).includes(out.operatorApiKey!)));

  const audit = await query(url, 'select type, actor from audit_event order by id');
  t.deepEqual(audit.rows, [{ type: 'operator.created', actor: 'cli:org-create' }, { type: 'organization.created', actor: 'cli:org-create' }]);
});

test('org:create again on an install that has its operator adds a company (--company), at the named site or a new one', async (t) => {
  const url = await createEmptyDatabase();
  const first = JSON.parse((await orgCreate(url, ['--name', 'Workways', '--admin-email', 'ops@workways.test', '--site', 'Tour Horizon'])).stdout) as Record<string, string>;
  const second = await orgCreate(url, ['--name', 'Workways', '--company', 'Atelier Lumière', '--admin-email', 'rh@atelier.test', '--site', 'Tour Horizon']);
  t.is(second.status, 0, second.stderr);
  const out = JSON.parse(second.stdout) as Record<string, string | null>;
  t.is(out.operatorId, first.operatorId);
  t.is(out.operatorApiKey, null, 'the operator\'s key is shown once, when the operator is made');
  t.is(out.siteId, first.siteId, 'the same building: one door, one card stock');
  t.not(out.companyId, first.companyId);
  const company = await query(url, 'select name from organization where id = $1', [out.companyId]);
  t.is(company.rows[0]!.name, 'Atelier Lumière');
  const admin = await query(url, 'select operator_admin, role from member where id = $1', [out.adminMemberId]);
  t.deepEqual(admin.rows[0], { operator_admin: false, role: 'admin' }, 'a company\'s admin, not the operator\'s');
  const third = JSON.parse((await orgCreate(url, ['--name', 'Studio Nord', '--admin-email', 'a@nord.test', '--site', 'Lille Euralille'])).stdout) as Record<string, string>;
  t.not(third.siteId, first.siteId, 'a site of a new name is added to the operator');
  t.deepEqual((await query(url, 'select count(*)::int as n from operator')).rows[0], { n: 1 });
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
    const result = await orgCreate(url, args);
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
  const result = await orgCreate(url, ['--name', 'Acme', '--admin-email', 'boss@acme.test', '--site', 'Paris'], {
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

test('every command answers --help with its usage, changing nothing', async (t) => {
  const commands: [string, RegExp][] = [
    ['scripts/start.ts', /^usage: npm start/],
    ['scripts/org-create.ts', /^usage: npm run org:create -- --name .*--company.*--wifi-ssid/],
    ['scripts/door-sim.ts', /^usage: npm run door-sim/],
    ['scripts/member-demo.ts', /^usage: npm run demo:member/],
    ['scripts/history-export.ts', /^usage: npm run history:export/],
    ['scripts/migrate.ts', /^usage: npm run migrate/],
    ['scripts/temporal-setup.ts', /^usage: npm run temporal:setup/],
    ['scripts/emails-preview.ts', /^usage: npm run emails:preview/],
    ['worker/main.ts', /^usage: npm run worker/],
    ['server/main.ts', /^usage: npm run api/],
    ['bench/run.ts', /^usage: npm run bench/],
    ['drills/run.ts', /^usage: npm run drills/],
    ['scripts/schemathesis.ts', /^usage: npm run schemathesis/],
  ];
  for (const [script, usage] of commands) {
    // No variables at all: a command that went on past --help would fail on a missing database or key.
    const result = await runCommand(process.execPath, [path.join(projectRoot, script), '--help'], { env: { PATH: process.env.PATH }, timeoutMs: 30_000 });
    t.is(result.status, 0, `${script}: ${result.stderr}`);
    t.regex(result.stdout, usage, script);
    t.is(result.stderr, '', `${script} prints no stack trace`);
  }
});
