// What encrypting workflow payloads costs (services/payload-codec.ts): the same bulk import with the
// codec writing clear payloads (TEMPORAL_CODEC_ENCRYPT=0) and encrypting them, on one stack, in
// alternating rounds (off, on, then on, off, …) after a warm-up, so drift in the machine's load weighs on both alike.
import type { ProcessStack } from '../scripts/lib/process-stack.ts';
import type { Tenant } from '../scripts/lib/tenant.ts';
import { AesGcmPayloadCodec, codecKeys } from '../services/payload-codec.ts';
import { importAndDeliver } from './onboarding.ts';
import { round, type ScenarioOutcome } from './lib.ts';

const GOAL_MAX_SLOWER_PERCENT = 10;

async function restartWith(stack: ProcessStack, encrypt: boolean): Promise<void> {
  const env = { TEMPORAL_CODEC_ENCRYPT: encrypt ? '1' : '0' };
  await Promise.all([...stack.workers, ...stack.apis].map((s) => s.stop()));
  await Promise.all([...stack.workers, ...stack.apis].map((s) => s.start(env)));
}

/** The codec alone: a lifecycle's typical input sealed and opened, per payload. */
async function payloadMicros(): Promise<{ encodeUs: number; decodeUs: number }> {
  const codec = new AesGcmPayloadCodec(codecKeys('bench-secret-key-0123456789-abcdefghijkl'));
  const input = { memberId: crypto.randomUUID(), companyId: crypto.randomUUID(), invitedBy: 'api-key:x', durations: { invitationRemindersMs: [172800000, 432000000], invitationExpiresAfterMs: 604800000 } };
  const payload = { metadata: { encoding: new Uint8Array(Buffer.from('json/plain')) }, data: new Uint8Array(Buffer.from(JSON.stringify(input))) };
  const n = 20_000;
  let started = performance.now();
  const sealed = [];
  for (let i = 0; i < n; i++) sealed.push(...(await codec.encode([payload])));
  const encodeUs = ((performance.now() - started) * 1000) / n;
  started = performance.now();
  for (const s of sealed) await codec.decode([s]);
  return { encodeUs, decodeUs: ((performance.now() - started) * 1000) / n };
}

export async function codecCost(stack: ProcessStack, tenant: Tenant, options: { members: number; rounds: number }, say: (line: string) => void): Promise<ScenarioOutcome> {
  const rates: Record<'off' | 'on', number[]> = { off: [], on: [] };
  // A first import warms the stack (JIT, caches, the database's pages) and counts for neither.
  await importAndDeliver(stack, tenant, Math.ceil(options.members / 2), 'codec-warm-up');
  for (let round_ = 0; round_ < options.rounds; round_++) {
    for (const mode of round_ % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      await restartWith(stack, mode === 'on');
      const { seconds } = await importAndDeliver(stack, tenant, options.members, `codec-${mode}-${round_}`);
      rates[mode].push(options.members / seconds);
      say(`codec ${mode}, round ${round_ + 1}: ${round(options.members / seconds, 1)} members/s`);
    }
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const off = mean(rates.off);
  const on = mean(rates.on);
  const slower = (1 - on / off) * 100;
  const micro = await payloadMicros();
  return {
    json: { members_per_round: options.members, rounds: options.rounds, members_per_s_off: rates.off.map((r) => round(r)), members_per_s_on: rates.on.map((r) => round(r)), slower_percent: round(slower, 1), encode_us: round(micro.encodeUs), decode_us: round(micro.decodeUs) },
    rows: [
      { name: `bulk import of ${options.members}, payloads in clear (mean of ${options.rounds})`, value: off, unit: 'members/s' },
      { name: `bulk import of ${options.members}, payloads encrypted (mean of ${options.rounds})`, value: on, unit: 'members/s' },
      { name: 'onboarding slower with encryption', value: slower, unit: '%', goal: { max: GOAL_MAX_SLOWER_PERCENT } },
      { name: 'AES-256-GCM: one lifecycle input sealed', value: micro.encodeUs, unit: 'µs' },
      { name: 'AES-256-GCM: one lifecycle input opened', value: micro.decodeUs, unit: 'µs' },
    ],
  };
}
