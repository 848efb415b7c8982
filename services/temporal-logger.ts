import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger } from '../lib/logger.ts';

/** Routes the Temporal SDK's (worker and core) logs into our pino logger. */
export function temporalLogger(logger: Logger): TemporalLogger {
  const child = logger.child({ component: 'temporal-sdk' });
  const at = (level: LogLevel) => (message: string, meta?: LogMetadata) => {
    // The SDK's INFO (worker state changes, the bundler's webpack report) is debugging detail for us.
    const method = ({ TRACE: 'trace', DEBUG: 'debug', INFO: 'debug', WARN: 'warn', ERROR: 'error' } as const)[level];
    child[method](meta ?? {}, message);
  };
  return {
    log: (level, message, meta) => at(level)(message, meta),
    trace: at('TRACE'),
    debug: at('DEBUG'),
    info: at('INFO'),
    warn: at('WARN'),
    error: at('ERROR'),
  };
}
