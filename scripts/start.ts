// `npm start`: the whole system on embedded defaults, data under .data/, Ctrl-C stops everything.
import { createLogger } from '../lib/logger.ts';
import { CommandError, loadConfigOrExit, runMain } from '../lib/cli.ts';
import { startStack } from './lib/stack.ts';
import { runningStack, writeStackRecord } from './lib/stack-file.ts';
import { stopOnSignals } from './lib/shutdown.ts';

const usage = 'usage: npm start\nRuns the whole stack on embedded defaults (PostgreSQL, Temporal dev server, mail catcher, worker, API and pages), data under DATA_DIR (.data/).\nWhat it serves is written to <DATA_DIR>/stack.json for the other commands. Environment variables (DATABASE_URL, TEMPORAL_ADDRESS, SMTP_URL, PORT, …): see the README.';

runMain(async () => {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel);
  const say = (line: string) => process.stdout.write(`${line}\n`);

  // A second start on the same data would stop the first one's servers as if they were leftovers.
  const already = runningStack(config.dataDir);
  if (already) throw new CommandError(`npm start is already running from ${config.dataDir} (pid ${already.pid}, ${already.apiUrl}): stop it first, or set DATA_DIR for a second stack`);

  const stack = await startStack(config, logger, (m) => say(`• ${m}`));
  writeStackRecord(config.dataDir, {
    pid: process.pid,
    apiUrl: stack.apiUrl,
    databaseUrl: stack.databaseUrl ?? null,
    temporalAddress: stack.temporalAddress,
    temporalNamespace: config.temporal.namespace,
    temporalUiUrl: stack.temporalUiUrl ?? null,
    smtpUrl: stack.smtpUrl ?? null,
    startedAt: new Date().toISOString(),
  });
  say('');
  say('Member onboarding is running:');
  say(`  API           ${stack.apiUrl}   (health ${stack.apiUrl}/readyz, OpenAPI ${stack.apiUrl}/openapi.json)`);
  if (stack.temporalUiUrl) say(`  Temporal UI   ${stack.temporalUiUrl}`);
  say(`  Temporal      ${stack.temporalAddress}, namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue} (${stack.temporalSource})`);
  say(`  PostgreSQL    ${stack.database}`);
  say(`  RADIUS        ${stack.radius}`);
  if (stack.mailCatcherUrl) say(`  Mail catcher  ${stack.mailCatcherUrl}   (SMTP ${stack.smtpUrl})`);
  else say(`  SMTP          ${stack.smtpUrl ?? '(none)'}`);
  say(`  Data          ${config.dataDir}`);
  say('Press Ctrl-C to stop.');

  const shutdown = stopOnSignals({ dataDir: config.dataDir, stop: () => stack.stop(), say });
  // A bug that escapes every request handler still stops the stack in order (and exits 1), rather
  // than leaving the servers it started behind (services/child-guard.ts covers a harder exit).
  process.once('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'unexpected error: stopping the stack');
    process.exitCode = 1;
    shutdown('unexpected error');
  });
}, usage);
