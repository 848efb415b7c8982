// The API as its own process (docker-compose, horizontal scaling). `npm start` runs it in-process
// with everything else instead.
import { Client, Connection } from '@temporalio/client';
import { openOrm } from '../db/orm.ts';
import { CommandError, loadConfigOrExit, runMain } from '../lib/cli.ts';
import { temporalTarget } from '../services/temporal-connection.ts';
import { dataConverterFor } from '../services/payload-codec.ts';
import { createLogger } from '../lib/logger.ts';
import { startApiServer } from './start.ts';

const usage = 'usage: npm run api\nThe API and pages on their own (needs DATABASE_URL, SECRET_KEY and TEMPORAL_ADDRESS or envconfig); listens on HOST:PORT.';

runMain(async () => {
  const config = loadConfigOrExit();
  if (!config.database.url) throw new CommandError('DATABASE_URL is required to run the API on its own (npm start runs the embedded stack)');
  // Every worker and API process must share one key: a generated one would differ per process.
  if (!config.secretKey) throw new CommandError('SECRET_KEY is required to run the API on its own (e.g. `openssl rand -base64 48`)');
  const logger = createLogger(config.logLevel, 'api');
  const orm = await openOrm(config.database.url, { poolMax: config.database.poolMax });
  const target = temporalTarget(config);
  const connection = await Connection.connect(target.connectionOptions as never);
  const client = new Client({ connection, namespace: target.namespace, dataConverter: dataConverterFor(config, config.secretKey) });
  const api = await startApiServer({ config, logger, orm, client, secretKey: config.secretKey });
  logger.info({ url: api.url, publicUrl: config.http.publicUrl }, 'API listening');

  const stop = async () => {
    await api.close();
    await connection.close();
    await orm.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  // Started by a supervisor over an IPC channel (npm run cluster, the benchmarks, the drills): when
  // it goes away, even killed hard, stop instead of serving on unsupervised.
  if (process.connected) {
    process.once('disconnect', () => void stop());
    process.channel?.unref();
  }
}, usage);
