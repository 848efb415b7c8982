// npm run bench: the project's timing goals, measured on this machine. Not part of `npm test`:
// timings depend on the machine and its load, so they are reported and checked here instead.
import os from 'node:os';
import { emailRender } from './email-render.ts';
import type { BenchResult } from './lib.ts';

const suites: Record<string, () => Promise<BenchResult[]>> = { 'email-render': emailRender };

const only = process.argv.slice(2);
console.log(`# ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
let missed = 0;
for (const [name, run] of Object.entries(suites)) {
  if (only.length && !only.includes(name)) continue;
  for (const result of await run()) {
    const verdict = result.goal ? (result.value <= result.goal.max ? `ok (goal ≤ ${result.goal.max} ${result.unit})` : `MISSED (goal ≤ ${result.goal.max} ${result.unit})`) : '';
    if (result.goal && result.value > result.goal.max) missed++;
    console.log(`${name}: ${result.name}: ${result.value.toFixed(3)} ${result.unit} ${verdict}`.trimEnd());
  }
}
if (missed) {
  console.log(`${missed} goal(s) missed`);
  process.exitCode = 1;
}
