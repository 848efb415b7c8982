// After `npm start` was killed hard (SIGKILL, a closed terminal), its PostgreSQL and Temporal dev
// server live on and hold their ports and data. The next start finds them by their pid files and
// stops them, but only when the process's command line proves it is ours (same data path).
import fs from 'node:fs';

function commandLine(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined; // gone, or no /proc on this system
  }
}

/**
 * Reads a pid file's first line; stops that process if it still runs `marker` (and, when given,
 * `ours` says it is this run's: a command line several runs share proves nothing). Returns whether it did.
 */
export async function stopLeftover(pidFile: string, marker: string, signal: NodeJS.Signals, timeoutMs = 15_000, ours: (pid: number) => boolean = () => true): Promise<boolean> {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 1 || !commandLine(pid)?.includes(marker)) return false;
  try {
    if (!ours(pid)) return false;
  } catch {
    return false; // gone meanwhile
  }
  process.kill(pid, signal);
  const deadline = Date.now() + timeoutMs;
  while (commandLine(pid) !== undefined) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}
