// A worker as its own process (docker-compose, horizontal scaling): polls the member-lifecycle task
// queue until SIGTERM/SIGINT, then drains and exits.
import { Runtime } from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import { createLogger } from '../api/logger.ts';
import { openOrm } from '../db/orm.ts';
import { CommandError, loadConfigOrExit, runMain } from '../scripts/lib/cli.ts';
import { temporalTarget } from '../services/temporal-connection.ts';
import { temporalLogger } from '../services/temporal-logger.ts';
import { createWorker } from './create-worker.ts';

runMain(async () => {
  const config = loadConfigOrExit();
  if (!config.database.url) throw new CommandError('DATABASE_URL is required to run a worker on its own (npm start runs the embedded stack)');
  const logger = createLogger(config.logLevel, 'worker');
  // The SDK's default signal handling shuts the worker down on SIGINT/SIGTERM; run() then resolves.
  Runtime.install({ logger: temporalLogger(logger) });
  const orm = await openOrm(config.database.url, { poolMax: config.database.poolMax });
  const target = temporalTarget(config);
  const { worker, connection } = await createWorker({
    connectionOptions: target.connectionOptions,
    namespace: target.namespace,
    taskQueue: config.temporal.taskQueue,
    activities: createActivities({ orm, clock: () => new Date() }),
  });
  logger.info({ taskQueue: config.temporal.taskQueue, namespace: target.namespace }, 'worker polling');
  try {
    await worker.run();
  } finally {
    await connection.close();
    await orm.close();
  }
});
