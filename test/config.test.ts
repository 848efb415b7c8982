import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { ConfigError, loadConfig, parseDuration, projectRoot } from '../config/index.ts';
import { testEnv } from './helpers/env.ts';

test('defaults run the whole stack embedded', (t) => {
  const config = loadConfig({});
  t.true(config.database.embedded);
  t.false(config.temporal.external);
  t.true(config.mail.catcher);
  t.is(config.http.publicUrl, 'http://127.0.0.1:3000');
  t.is(config.temporal.uiPort, 8233);
  t.deepEqual(config.lifecycle.invitationRemindersMs, [2 * 86_400_000, 5 * 86_400_000]);
  t.is(config.lifecycle.cardOverdueAfterMs, 14 * 86_400_000);
});

test('a real service named in the environment replaces the embedded one', (t) => {
  const config = loadConfig({
    DATABASE_URL: 'postgres://u:p@db.internal:5432/onboarding',
    TEMPORAL_ADDRESS: 'temporal.internal:7233',
    SMTP_URL: 'smtp://mail.internal:25',
  });
  t.false(config.database.embedded);
  t.true(config.temporal.external);
  t.is(config.temporal.address, 'temporal.internal:7233');
  t.false(config.mail.catcher);
});

const badValues: [string, string][] = [
  ['DATABASE_URL', 'nonsense'],
  ['DATABASE_URL', 'mysql://x@y/z'],
  ['PORT', 'eighty'],
  ['PORT', '70000'],
  ['TEMPORAL_ADDRESS', 'http://localhost:7233'],
  ['SMTP_URL', 'mail.example.com'],
  ['PUBLIC_URL', 'example.com'],
  ['NODE_ENV', 'staging'],
  ['LOG_LEVEL', 'loud'],
  ['INVITATION_EXPIRES_AFTER', 'a week'],
  ['CARD_REMINDERS', '3d,soon'],
];
for (const [variable, value] of badValues) {
  test(`${variable}=${value} is refused with an error naming ${variable}`, (t) => {
    const error = t.throws(() => loadConfig({ [variable]: value }), { instanceOf: ConfigError });
    t.is(error?.variable, variable);
    t.true(error?.message.startsWith(`${variable}: `));
  });
}

test('production needs a real SMTP server', (t) => {
  const error = t.throws(() => loadConfig({ NODE_ENV: 'production' }), { instanceOf: ConfigError });
  t.is(error?.variable, 'SMTP_URL');
});

test('production needs its own SECRET_KEY, and a short one is refused without being echoed', (t) => {
  const missing = t.throws(() => loadConfig({ NODE_ENV: 'production', SMTP_URL: 'smtp://mail.example.test' }), { instanceOf: ConfigError });
  t.is(missing?.variable, 'SECRET_KEY');
  const short = t.throws(() => loadConfig({ SECRET_KEY: 'hunter2-is-my-secret' }), { instanceOf: ConfigError });
  t.is(short?.variable, 'SECRET_KEY');
  t.false(short!.message.includes('hunter2'), short!.message);
});

test('durations read as people write them', (t) => {
  t.is(parseDuration('90s'), 90_000);
  t.is(parseDuration('1h30m'), 5_400_000);
  t.is(parseDuration('2d'), 172_800_000);
  t.is(parseDuration('250'), 250);
  t.is(parseDuration('2 days'), undefined);
  t.is(parseDuration('5x'), undefined);
});

test('npm start with a bad variable exits non-zero with one line naming it', (t) => {
  const result = spawnSync(process.execPath, [path.join(projectRoot, 'scripts', 'start.ts')], {
    env: { PATH: process.env.PATH, DATABASE_URL: 'nonsense' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  t.is(result.status, 2);
  const lines = result.stderr.trim().split('\n');
  t.is(lines.length, 1, result.stderr);
  t.regex(lines[0]!, /^Configuration error: DATABASE_URL: /);
  t.notRegex(result.stderr, /\n\s+at /);
  t.is(result.stdout, '');
});

test('npm start with an unreachable DATABASE_URL says so in one line, without the password', (t) => {
  const result = spawnSync(process.execPath, [path.join(projectRoot, 'scripts', 'start.ts')], {
    env: { PATH: process.env.PATH, DATABASE_URL: 'postgres://onboarding:s3cret@127.0.0.1:1/onboarding', LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  t.is(result.status, 1);
  const lines = result.stderr.trim().split('\n');
  t.is(lines.length, 1, result.stderr);
  t.regex(lines[0]!, /^Error: DATABASE_URL: cannot connect to postgres:\/\/onboarding:\*\*\*@127\.0\.0\.1:1\/onboarding/);
  t.false(result.stderr.includes('s3cret'));
});

test('npm start with the embedded database port taken says which setting to change', async (t) => {
  const blocker = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => blocker.once('listening', resolve));
  t.teardown(() => blocker.close());
  const port = (blocker.address() as net.AddressInfo).port;
  const dataDir = path.join(testEnv.workDir, `busy-${process.pid}`);
  fs.mkdirSync(dataDir, { recursive: true });

  const child = spawn(process.execPath, [path.join(projectRoot, 'scripts', 'start.ts')], {
    env: { PATH: process.env.PATH, DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(port), LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  t.is(code, 1);
  const lines = stderr.trim().split('\n');
  t.is(lines.length, 1, stderr);
  t.regex(lines[0]!, new RegExp(`^Error: embedded PostgreSQL did not start on port ${port} \\(.*could not create any TCP/IP sockets.*\\); set EMBEDDED_POSTGRES_PORT or DATABASE_URL$`));
});
