// The door agent at a door with a shared building's list: 10,000 cards (windows compiled by the
// server's own `compileEntry`, every kind of access days and grant), on disk as the agent keeps
// it, and cards presented one after another at libosdp's reader side over a pseudo-terminal with
// the secure channel on. Measured:
// - at the agent: from libosdp handing over the card read to the lock's output command submitted
//   (the goal: p99 ≤ 50 ms) — the lookup, the rule, the commands;
// - at the reader: from the card read submitted to the lock command received, the OSDP exchange
//   included (information: a real RS-485 line at 9,600 baud adds its own bytes' time).
// The agent decides from its list on disk with no server (a decision never waits for one).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileEntry, type AccessEntry } from '../domain/access/decide.ts';
import type { AccessDays, Schedule } from '../domain/access/schedule.ts';
import { DOOR_AGENT, pythonTool } from '../services/python-tools.ts';
import { startAgent, startReaders, type Line } from '../scripts/lib/door-agent.ts';
import { freePort } from '../scripts/lib/ports.ts';
import { percentile, round, type ScenarioOutcome } from './lib.ts';

const GOAL_P99_MS = 50;
const siteHours: Schedule = { weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '05:00', to: '23:30' }], closures: ['2027-12-25'] };
const grants: (Schedule | null)[] = [null, { weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '07:00', to: '20:00' }], closures: [] }, { weekly: [{ days: ['sat', 'sun'], from: '00:00', to: '24:00' }], closures: [] }];
const accessDays: AccessDays[] = [null, ['business_week'], ['business_week', 'saturday'], ['always']];

/** 10,000 cards as a door's list holds them, numbered as 26-bit Wiegand cards read. */
function sharedBuildingList(cards: number): { list: { version: number; timeZone: string; cards: AccessEntry[]; visitorPins: null }; numbers: string[] } {
  const memo = new Map<string, Schedule>();
  const entries: AccessEntry[] = [];
  for (let i = 0; entries.length < cards; i++) {
    const entry = compileEntry({
      cardNumber: `${i % 256}-${Math.floor(i / 256)}`, active: true, zoneGranted: true, siteHours, grantSchedule: grants[i % grants.length]!, accessDays: accessDays[i % accessDays.length]!,
      dayPassDates: null, validFrom: null, validUntil: i % 10 === 7 ? '2026-01-01T00:00:00.000Z' : null,
    }, memo);
    if (entry) entries.push(entry);
  }
  return { list: { version: 1, timeZone: 'Europe/Paris', cards: entries, visitorPins: null }, numbers: entries.map((e) => e.number) };
}

export async function doorAgentLatency(options: { cards: number; reads: number; say: (line: string) => void }): Promise<ScenarioOutcome> {
  const python = await pythonTool(DOOR_AGENT, options.say);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-door-agent-'));
  const { list, numbers } = sharedBuildingList(options.cards);
  fs.writeFileSync(path.join(stateDir, 'access-list.json'), JSON.stringify({ etag: '"1"', list }));
  const key = randomBytes(16).toString('hex');
  const readers = await startReaders(python, [{ address: 101, key }]);
  const agent = startAgent(python, {
    url: `http://127.0.0.1:${await freePort()}`, controller: '00000000-0000-4000-8000-000000000001', secret: 'dcs_bench', port: readers.port,
    readers: [{ address: 101, key }], stateDir, settings: { SYNC_SECONDS: '60', HEARTBEAT_SECONDS: '600', UPLOAD_SECONDS: '600' },
  });
  try {
    await agent.waitForLine('the reader online', (l) => l.msg === 'reader online' && l.secureChannel === true);
    const atAgent: number[] = [];
    const atReader: number[] = [];
    let granted = 0;
    for (let i = 0; i < options.reads; i++) {
      // Mostly cards on the list (some outside their hours), some unknown.
      const card = i % 5 === 4 ? `${i % 256}-${60_000 + (i % 5000)}` : numbers[(i * 7919) % numbers.length]!;
      const [fromAgent, fromReader] = [agent.lines.length, readers.lines.length];
      readers.present(101, card);
      const decided = await agent.waitForLine(`the decision on ${card}`, (l: Line) => l.cardNumber === card && (l.decision === 'granted' || l.decision === 'denied'), { from: fromAgent });
      // Each read's last command lands before the next card, as at a real door.
      if (decided.decision !== 'granted') {
        await readers.waitForLine('the buzzer', (l: Line) => l.kind === 'buzzer', { from: fromReader });
        continue;
      }
      granted++;
      atAgent.push(decided.decidedMs as number);
      const lock = await readers.waitForLine(`the lock's command for ${card}`, (l: Line) => l.kind === 'output', { from: fromReader });
      atReader.push(lock.sinceCardMs as number);
      await readers.waitForLine('the green light', (l: Line) => l.kind === 'led', { from: fromReader });
    }
    const p99 = percentile(atAgent, 99);
    return {
      json: {
        cards: list.cards.length, reads: options.reads, granted, agent_p50_ms: round(percentile(atAgent, 50), 3), agent_p99_ms: round(p99, 3), agent_max_ms: round(Math.max(...atAgent), 3),
        reader_p50_ms: round(percentile(atReader, 50)), reader_p99_ms: round(percentile(atReader, 99)),
      },
      rows: [
        { name: `door agent: card read → lock command at the agent, p50 (${list.cards.length.toLocaleString('en')} cards, ${granted} granted of ${options.reads} reads)`, value: round(percentile(atAgent, 50), 3), unit: 'ms' },
        { name: 'door agent: card read → lock command at the agent, p99', value: round(p99, 3), unit: 'ms', goal: { max: GOAL_P99_MS } },
        { name: 'door agent: card read → lock command at the reader (OSDP secure channel over a pty), p99', value: round(percentile(atReader, 99)), unit: 'ms' },
      ],
    };
  } finally {
    await agent.stop();
    await readers.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}
