// `npm start`: the whole system on embedded defaults, data under .data/, Ctrl-C stops everything.
import { createLogger } from '../api/logger.ts';
import { loadConfigOrExit, runMain } from './lib/cli.ts';
import { startStack } from './lib/stack.ts';

runMain(async () => {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel);
  const say = (line: string) => process.stdout.write(`${line}\n`);

  const stack = await startStack(config, logger, (m) => say(`• ${m}`));
  say('');
  say('Member onboarding is running:');
  say(`  API           ${stack.apiUrl}   (health ${stack.apiUrl}/readyz, OpenAPI ${stack.apiUrl}/openapi.json)`);
  if (stack.temporalUiUrl) say(`  Temporal UI   ${stack.temporalUiUrl}`);
  say(`  Temporal      ${stack.temporalAddress}, namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue} (${stack.temporalSource})`);
  say(`  PostgreSQL    ${stack.database}`);
  if (stack.mailCatcherUrl) say(`  Mail catcher  ${stack.mailCatcherUrl}   (SMTP ${stack.smtpUrl})`);
  else say(`  SMTP          ${stack.smtpUrl ?? '(none)'}`);
  say(`  Data          ${config.dataDir}`);
  say('Press Ctrl-C to stop.');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: stopping …`);
    stack.stop().then(
      () => {
        say('Stopped.');
        process.exit(0);
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
});
