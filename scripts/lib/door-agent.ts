// The door agent (door-agent/, Python) and libosdp's reader side run as processes, for the tests
// and the bench: each prints JSON lines, which are kept and can be waited on.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { projectRoot } from '../../config/index.ts';
import { waitFor } from './wait.ts';

export const DOOR_AGENT_DIR = path.join(projectRoot, 'door-agent');

export type Line = Record<string, any>;

export interface LineProcess {
  child: ChildProcess;
  lines: Line[];
  /** Every line seen so far (or from now on) that `match` accepts: the first one, within `timeoutMs`. */
  waitForLine(description: string, match: (line: Line) => boolean, options?: { timeoutMs?: number; from?: number }): Promise<Line>;
  /** SIGTERM, then its exit code. */
  stop(): Promise<number | null>;
  stderr(): string;
}

function lineProcess(python: string, args: string[], env: NodeJS.ProcessEnv): LineProcess {
  const child = spawn(python, args, { cwd: DOOR_AGENT_DIR, env: { PATH: process.env.PATH, PYTHONPATH: DOOR_AGENT_DIR, PYTHONUNBUFFERED: '1', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: Line[] = [];
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-20_000)));
  readline.createInterface({ input: child.stdout! }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text) as Line);
    } catch {
      lines.push({ text });
    }
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    lines,
    async waitForLine(description, match, { timeoutMs = 15_000, from = 0 } = {}) {
      return waitFor(description, () => lines.slice(from).find(match), { timeoutMs, intervalMs: 20 }).catch((error: Error) => {
        throw new Error(`${error.message}\n--- its last lines:\n${lines.slice(-15).map((l) => JSON.stringify(l)).join('\n')}\n--- stderr:\n${stderr.slice(-2000)}`);
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    stderr: () => stderr,
  };
}

export interface ReaderSpec {
  address: number;
  /** 32 hex digits: the secure channel's key as this reader holds it. */
  key: string;
}

export interface Readers extends LineProcess {
  port: string;
  /** A card at a reader: `123-45678` goes as 26-bit Wiegand, anything else as an ASCII card. */
  present(address: number, card: string): void;
  type(address: number, keys: string): void;
  report(address: number, status: { tamper?: boolean; power?: boolean }): void;
}

/** libosdp's peripheral-device side on a pseudo-terminal: the readers and keypads of one door. */
export async function startReaders(python: string, readers: ReaderSpec[]): Promise<Readers> {
  const p = lineProcess(python, ['-m', 'door_agent.reader_sim', ...readers.flatMap((r) => ['--reader', `${r.address}:${r.key}`])], {});
  const send = (line: Line) => p.child.stdin!.write(`${JSON.stringify(line)}\n`);
  const first = await p.waitForLine('the readers\' serial port', (l) => typeof l.port === 'string');
  return {
    ...p,
    port: first.port as string,
    present: (address, card) => send({ reader: address, card }),
    type: (address, keys) => send({ reader: address, keys }),
    report: (address, status) => send({ reader: address, ...status }),
    async stop() {
      p.child.stdin!.end();
      return p.stop();
    },
  };
}

export interface AgentOptions {
  url: string;
  controller: string;
  secret: string;
  port: string;
  readers: ReaderSpec[];
  stateDir: string;
  /** More of the agent's settings (SYNC_SECONDS, LOCK_SECONDS, …). */
  settings?: Record<string, string>;
}

/** The agent as a door runs it: the console's file plus the wiring, written to its state folder. */
export function startAgent(python: string, options: AgentOptions): LineProcess & { configFile: string } {
  fs.mkdirSync(options.stateDir, { recursive: true });
  const configFile = path.join(options.stateDir, 'door-agent.env');
  const settings: Record<string, string> = {
    PUBLIC_URL: options.url,
    DOOR_CONTROLLER_ID: options.controller,
    DOOR_CONTROLLER_SECRET: options.secret,
    SERIAL_PORT: options.port,
    READERS: options.readers.map((r) => r.address).join(','),
    ...Object.fromEntries(options.readers.map((r) => [`READER_${r.address}_KEY`, r.key])),
    STATE_DIR: options.stateDir,
    ...options.settings,
  };
  fs.writeFileSync(configFile, Object.entries(settings).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  return { ...lineProcess(python, ['-m', 'door_agent', '--config', configFile], {}), configFile };
}

/**
 * Something done at a reader (a card presented, keys typed) and the agent's line that answers it.
 * A person whose card got no answer presents it again: when the reader's link demonstrably dropped
 * meanwhile (a reply later than OSDP's 200 ms, on a loaded machine), this waits for the agent to
 * bring it back and acts again — never when the agent did answer, so nothing is decided twice.
 */
export async function answered(agent: LineProcess, reader: number, description: string, act: () => void, match: (line: Line) => boolean, options: { timeoutMs?: number } = {}): Promise<Line> {
  for (let attempt = 1; ; attempt++) {
    const from = agent.lines.length;
    act();
    const dropped = (l: Line) => l.msg === 'reader offline' && l.reader === reader;
    const first = await agent.waitForLine(description, (l) => match(l) || dropped(l), { from, ...options });
    if (match(first)) return first;
    await agent.waitForLine(`reader ${reader} back online`, (l) => l.msg === 'reader online' && l.reader === reader, { from, timeoutMs: 70_000 });
    const late = agent.lines.slice(from).find(match);
    if (late) return late;
    if (attempt === 3) throw new Error(`${description}: reader ${reader}'s link dropped three times`);
  }
}
