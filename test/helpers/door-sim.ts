// scripts/door-sim run as a person at a door runs it, against the API under test.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../config/index.ts';

/** Its exit code, what it printed (one JSON answer per line) and its beeps on stderr. */
export async function runDoorSim(apiUrl: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // Asynchronous: the API under test answers from this very process.
  const child = spawn(process.execPath, [path.join(projectRoot, 'scripts', 'door-sim.ts'), '--url', apiUrl, ...args], { env: { PATH: process.env.PATH } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}
