// How `npm start` and `npm run cluster` end: on Ctrl-C or SIGTERM (the first one counts), the
// stack record is removed so the other commands stop using it, the stack stops, and the process
// exits 0 — or 1 when stopping failed.
import { removeStackRecord } from './stack-file.ts';

export function stopOnSignals(options: { dataDir: string; stop: () => Promise<void>; say: (line: string) => void; beforeStop?: () => void }): (signal: string) => void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    options.beforeStop?.();
    options.say(`\n${signal}: stopping …`);
    removeStackRecord(options.dataDir);
    options.stop().then(
      () => {
        options.say('Stopped.');
        process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  return shutdown;
}
