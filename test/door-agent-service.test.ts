// The door agent installs as the README says (a venv, `pip install ./door-agent`, the `door-agent`
// command), its systemd unit is one systemd accepts, and a bad setting stops it naming the variable.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { DOOR_AGENT_DIR } from '../scripts/lib/door-agent.ts';
import { runCommand } from './helpers/process.ts';

const python = process.env.TEST_DOOR_AGENT_PYTHON ?? '';

test('pip installs the door-agent command from door-agent/, and its systemd unit verifies', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'door-agent-install-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const env = { PATH: process.env.PATH, HOME: dir, PIP_DISABLE_PIP_VERSION_CHECK: '1' };
  // Offline (the machine may have loopback only): the wheel built with the tests' own setuptools,
  // then installed alone into a fresh venv (its dependencies are the ones the tests run on).
  const source = fs.mkdtempSync(path.join(dir, 'src-'));
  fs.cpSync(DOOR_AGENT_DIR, source, { recursive: true, filter: (p) => !p.includes('__pycache__') && !p.endsWith('.egg-info') });
  const wheel = await runCommand(python, ['-m', 'pip', 'wheel', '--quiet', '--no-deps', '--no-build-isolation', '--no-index', '--wheel-dir', path.join(dir, 'dist'), source], { env, timeoutMs: 120_000 });
  t.is(wheel.status, 0, wheel.stderr);
  t.is((await runCommand(python, ['-m', 'venv', path.join(dir, 'venv')], { env, timeoutMs: 60_000 })).status, 0);
  const [built] = fs.readdirSync(path.join(dir, 'dist'));
  t.regex(built!, /^door_agent-0\.1\.0-py3-none-any\.whl$/);
  const pip = await runCommand(path.join(dir, 'venv', 'bin', 'pip'), ['install', '--quiet', '--no-deps', '--no-index', path.join(dir, 'dist', built!)], { env, timeoutMs: 120_000 });
  t.is(pip.status, 0, pip.stderr);
  const command = path.join(dir, 'venv', 'bin', 'door-agent');
  const version = await runCommand(command, ['--version'], { env, timeoutMs: 30_000 });
  t.is(version.stdout.trim(), 'door-agent 0.1.0');

  // A bad setting: exit 2, the variable named, before any serial port is opened.
  const config = path.join(dir, 'door-agent.env');
  fs.writeFileSync(config, 'PUBLIC_URL=https://onboarding.example.com\nDOOR_CONTROLLER_ID=3f1c2a9e-8b7d-4c6e-9f00-1a2b3c4d5e6f\nDOOR_CONTROLLER_SECRET=dcs_x\nSERIAL_PORT=/dev/ttyUSB0\nREADERS=101\nREADER_KEY=00112233\n');
  const refused = await runCommand(command, ['--config', config], { env, timeoutMs: 30_000 });
  t.is(refused.status, 2);
  t.regex(refused.stderr, /READER_KEY must be 32 hex digits/);

  // The unit as shipped, pointed at this install: what systemd itself checks.
  const unit = fs.readFileSync(path.join(DOOR_AGENT_DIR, 'door-agent.service'), 'utf8');
  t.regex(unit, /^ExecStart=\/opt\/door-agent\/bin\/door-agent --config \/etc\/door-agent\/door-agent\.env$/m);
  t.regex(unit, /^KillSignal=SIGTERM$/m);
  t.regex(unit, /^StateDirectory=door-agent$/m);
  t.regex(unit, /^Restart=always$/m);
  const here = path.join(dir, 'door-agent.service');
  fs.writeFileSync(here, unit.replace('/opt/door-agent/bin/door-agent', command));
  const analyze = spawnSync('systemd-analyze', ['verify', here], { encoding: 'utf8' });
  if (analyze.error) t.log('systemd-analyze is not installed here: the unit was checked field by field only');
  else t.notRegex(analyze.stderr, /door-agent\.service/, analyze.stderr);
});
