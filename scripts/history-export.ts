// npm run history:export -- <workflow id> [--run-id <id>] [--out test/histories/<name>.json]
// Saves a workflow's history from the Temporal server the configuration points at (the `npm start`
// dev server by default, or TEMPORAL_ADDRESS…), for the replay tests: commit it under test/histories/.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { projectRoot } from '../config/index.ts';
import { exportHistory } from '../services/history.ts';
import { CommandError, loadConfigOrExit, runMain } from '../lib/cli.ts';
import { resolveSecretKey } from '../services/secret-key.ts';
import { dataConverterFor } from '../services/payload-codec.ts';
import { cliTemporalTarget } from './lib/services.ts';

const usage = 'usage: npm run history:export -- <workflow id> [--run-id <run id>] [--out test/histories/<name>.json]';

runMain(async () => {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { 'run-id': { type: 'string' }, out: { type: 'string' } }, strict: true });
  } catch (error) {
    throw new CommandError(`${(error as Error).message}\n${usage}`);
  }
  const [workflowId] = parsed.positionals;
  if (!workflowId || parsed.positionals.length > 1) throw new CommandError(usage);
  const config = loadConfigOrExit();
  const target = cliTemporalTarget(config);
  const connection = await Connection.connect(target.connectionOptions as never).catch((error: Error) => {
    throw new CommandError(`cannot reach Temporal at ${String(target.connectionOptions.address)} (${error.message}): is \`npm start\` running, or TEMPORAL_ADDRESS set?`);
  });
  try {
    const client = new Client({ connection, namespace: target.namespace, dataConverter: dataConverterFor(config, resolveSecretKey(config)) });
    const file = path.resolve(parsed.values.out ?? path.join(projectRoot, 'test', 'histories', `${workflowId}.json`));
    await exportHistory(client, { workflowId, runId: parsed.values['run-id'], file }).catch((error: Error) => {
      throw new CommandError(`could not export ${workflowId}: ${error.message}`);
    });
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  } finally {
    await connection.close();
  }
}, usage);
