// The door agent's own unit tests (Python's unittest, in door-agent/tests): the rule, the keypad,
// card formats, the journal and its uploads, the configuration. Run once when this file loads, each
// reported here as a test of its own, so `npm test` counts and names them.
import { spawnSync } from 'node:child_process';
import test from 'ava';
import { DOOR_AGENT_DIR } from '../scripts/lib/door-agent.ts';

const python = process.env.TEST_DOOR_AGENT_PYTHON;
if (!python) {
  test('the door agent’s unit tests', (t) => t.fail('TEST_DOOR_AGENT_PYTHON is not set: run the tests with npm test, which installs the door agent’s Python packages'));
} else {
  const run = spawnSync(python, ['-m', 'unittest', 'discover', '-v', '-s', 'tests', '-t', '.'], { cwd: DOOR_AGENT_DIR, env: { PATH: process.env.PATH, PYTHONPATH: DOOR_AGENT_DIR }, encoding: 'utf8', timeout: 60_000 });
  // `test_name (tests.test_rule.Rule.test_name) ... ok`, its failures printed after.
  const results = [...run.stderr.matchAll(/^(\w+) \(([\w.]+)\)(?:\n.*?)? \.\.\. (ok|FAIL|ERROR|skipped.*)$/gm)].map((m) => ({ name: m[1]!, where: m[2]!, outcome: m[3]! }));
  test('the door agent’s unit tests all ran', (t) => {
    t.is(run.status, 0, run.stderr.slice(-4000));
    t.regex(run.stderr, new RegExp(`Ran ${results.length} tests`), 'every test was reported');
    t.true(results.length >= 20);
  });
  for (const r of results) {
    const title = `door agent › ${r.where.split('.').slice(2, -1).join(' › ')} › ${r.name.replace(/^test_/, '').replaceAll('_', ' ')}`;
    test(title, (t) => {
      const failure = run.stderr.split(/^=+$/m).find((block) => block.includes(`${r.name} (${r.where})`));
      t.is(r.outcome, 'ok', failure ?? run.stderr.slice(-2000));
    });
  }
}
