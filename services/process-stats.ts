// What /proc says about a process this machine runs: its resident memory and the CPU it has used
// (the benchmarks' and drills' reports). 0 for a process that is gone.
import fs from 'node:fs';

/** Resident memory in bytes, from /proc/<pid>/status. */
export function processRss(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system), from /proc/<pid>/stat (clock ticks of 1/100 s). */
export function processCpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
