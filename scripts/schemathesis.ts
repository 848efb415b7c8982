// Fuzzes the running API from its own OpenAPI document with schemathesis (PyPI, pinned, installed
// into the user's cache on first use), as a third party would check it:
//
//   npm run schemathesis -- --key <API key> [--url <API>] [--max-examples 25]
//
// The checks: no 5xx, every answer as the document says, 405 with Allow for a standard method a
// path does not take. --url defaults to this folder's npm start. Use a scratch stack: the fuzzer
// invites, changes and removes members with the key it is given. Exits with schemathesis's code.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pythonTool, SCHEMATHESIS } from '../services/python-tools.ts';
import { CommandError, loadConfigOrExit, runMain } from '../lib/cli.ts';
import { cliApiUrl } from './lib/services.ts';

const usage = 'usage: npm run schemathesis -- --key <API key> [--url <API>] [--max-examples 25]';

runMain(async () => {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({ options: { key: { type: 'string' }, url: { type: 'string' }, 'max-examples': { type: 'string' } }, strict: true }));
  } catch (error) {
    throw new CommandError(`${(error as Error).message}\n${usage}`);
  }
  const key = values.key ?? process.env.SCHEMATHESIS_KEY;
  if (!key) throw new CommandError(`--key is required: a company's API key (or the operator's)\n${usage}`);
  const examples = Number(values['max-examples'] ?? 25);
  if (!Number.isInteger(examples) || examples < 1 || examples > 1000) throw new CommandError('--max-examples must be a whole number from 1 to 1000');
  const url = String(values.url ?? cliApiUrl(loadConfigOrExit())).replace(/\/$/, '');
  const command = await pythonTool(SCHEMATHESIS, (m) => process.stderr.write(`${m}\n`));
  const args = [
    'run', `${url}/openapi.json`, '--url', url, '-H', `Authorization: Bearer ${key}`,
    '--checks', 'not_a_server_error,response_schema_conformance,unsupported_method', '--max-examples', String(examples),
  ];
  // Run beside the tool: schemathesis keeps its cache (.schemathesis/) in the folder it runs in.
  const code = await new Promise<number>((resolve) => spawn(command, args, { stdio: 'inherit', cwd: path.dirname(path.dirname(command)) }).once('close', (c) => resolve(c ?? 1)));
  process.exit(code);
}, usage);
