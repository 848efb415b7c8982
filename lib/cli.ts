import { ConfigError, loadConfig, type Config } from '../config/index.ts';

/** Bad configuration ends the process with one line that names the variable, not a stack trace. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
}

/**
 * Runs a command's main function; an expected failure prints its message and exits 1. With
 * `--help` (or `-h`) anywhere in its arguments, the command prints its usage and does nothing else.
 */
export function runMain(main: () => Promise<void>, usage?: string): void {
  if (usage && process.argv.slice(2).some((a) => a === '--help' || a === '-h')) {
    process.stdout.write(`${usage.trim()}\n`);
    return;
  }
  main().catch((error: unknown) => {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(2);
    }
    console.error(error instanceof CommandError ? `Error: ${error.message}` : error);
    process.exit(1);
  });
}

/** A failure the user can fix (bad argument, unreachable server, busy port): shown without a stack. */
export class CommandError extends Error {
  override name = 'CommandError';
}
