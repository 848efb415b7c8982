export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** A result with a goal is checked: `npm run bench` fails when one is missed. */
  goal?: { max?: number; min?: number; text?: string };
}

/** What one scenario adds to `.data/bench/latest.json` and to the printed table. */
export interface ScenarioOutcome {
  json: Record<string, unknown>;
  rows: BenchResult[];
}

/** The q-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: number[], q: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((q / 100) * sorted.length) - 1))]!;
}

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

export function met(result: BenchResult): boolean {
  if (!result.goal) return true;
  if (result.goal.max !== undefined && !(result.value <= result.goal.max)) return false;
  if (result.goal.min !== undefined && !(result.value >= result.goal.min)) return false;
  return true;
}

/**
 * Fires `count` calls at a steady `perSecond`, each at its scheduled time whether or not the
 * previous ones answered (an open loop: a slow answer cannot hide the queue behind it), and
 * answers each call's latency from its scheduled time.
 */
export async function paced<T>(count: number, perSecond: number, call: (i: number) => Promise<T>): Promise<{ latencies: number[]; results: T[] }> {
  const interval = 1000 / perSecond;
  const started = performance.now();
  const latencies = new Array<number>(count);
  const pending: Promise<T>[] = [];
  for (let i = 0; i < count; i++) {
    const at = started + i * interval;
    const wait = at - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(
      call(i).then((result) => {
        latencies[i] = performance.now() - at;
        return result;
      }),
    );
  }
  return { latencies, results: await Promise.all(pending) };
}
