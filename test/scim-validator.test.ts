// scim2-tester (PyPI, through scim2-cli) checks /scim/v2 as a third party would: discovery, then
// Users and Groups created, read, listed, searched, replaced, patched (add, remove, replace each
// attribute) and deleted, with values it makes up from our /Schemas.
// It is given the core schemas and the enterprise extension, not ours: our dates and site must be
// real (a made-up string there is rightly a 400), and the status in it is ours alone, which its
// "read back exactly what I wrote" checks cannot allow for. scim.test.ts covers our extension.
// Answered as written, a user the provider never wrote our extension for reads without it; the
// company's first admin (made by org:create, not by the provider) is first linked by a PUT, as an
// identity provider does when it matches an account that exists.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { SCHEMA } from '../domain/scim/resources.ts';
import { apiWorld } from './helpers/api.ts';
import { testEnv } from './helpers/env.ts';

function scim2(args: string[], token: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // Headers through the environment: a command line is visible to the machine's other users.
    const child = spawn(testEnv.scim2Cli, args, { env: { ...process.env, SCIM_CLI_HEADERS: `Authorization: Bearer ${token}` }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

test('scim2-tester finds no error in /scim/v2 (core User and Group, enterprise extension)', async (t) => {
  const w = await apiWorld(t);
  const base = `${w.appUrl}/scim/v2`;
  const get = async (p: string) => (await w.api.get(p, { token: w.org.apiKey, headers: { Accept: 'application/scim+json' } })).body.Resources as Record<string, unknown>[];
  const dir = path.join(testEnv.workDir, `scim2-${process.pid}`);
  fs.mkdirSync(dir, { recursive: true });
  const schemas = (await get('/scim/v2/Schemas')).filter((s) => s.id !== SCHEMA.onboarding);
  const types = (await get('/scim/v2/ResourceTypes')).map((r) => ({ ...r, schemaExtensions: ((r.schemaExtensions as { schema: string }[] | undefined) ?? []).filter((e) => e.schema !== SCHEMA.onboarding) }));
  const linked = await w.api.call('PUT', `/scim/v2/Users/${w.org.adminMemberId}`, {
    token: w.org.apiKey, headers: { 'Content-Type': 'application/scim+json', Accept: 'application/scim+json' },
    body: { schemas: [SCHEMA.user], userName: w.org.adminEmail, emails: [{ value: w.org.adminEmail, primary: true }], displayName: 'Ada Admin', active: true },
  });
  t.is(linked.status, 200, linked.text);
  t.false(SCHEMA.onboarding in linked.body, 'answered as written: no extension the provider did not write');
  fs.writeFileSync(path.join(dir, 'schemas.json'), JSON.stringify(schemas));
  fs.writeFileSync(path.join(dir, 'types.json'), JSON.stringify(types));

  const { code, output } = await scim2(['--url', base, '--schemas', path.join(dir, 'schemas.json'), '--resource-types', path.join(dir, 'types.json'), 'test'], w.org.apiKey);
  const errors = output.split('\n').flatMap((line, i, lines) => (line.startsWith('ERROR') ? [`${line} ${lines[i + 1]?.trim() ?? ''}`] : []));
  const successes = output.split('\n').filter((l) => /^\s+Successfully|correctly returned|honoured/.test(l)).length;
  t.log(`scim2-tester: ${successes} checks passed, ${errors.length} errors, exit ${code}`);
  t.deepEqual(errors, [], output.slice(-3000));
  t.true(successes >= 40, `the checks ran (${successes} passed):\n${output.slice(-2000)}`);
  t.is(code, 0, output.slice(-2000));
});
