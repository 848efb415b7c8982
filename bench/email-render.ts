// Warm render time per e-mail: every template × language rendered in turn with sample data, after
// a warm-up, timed in batches (a single render is too short for the clock to time alone).
import { EMAIL_LOCALES, EMAIL_TEMPLATES } from '../mail/catalog.ts';
import { loadEmailRenderer } from '../mail/render.ts';
import { sampleEmailData } from '../mail/samples.ts';
import { round, type ScenarioOutcome } from './lib.ts';

const GOAL_MS = 0.2;
const BATCH = 200;
const BATCHES = 150;

export async function emailRender(): Promise<ScenarioOutcome> {
  const started = performance.now();
  const renderer = await loadEmailRenderer();
  const loadMs = performance.now() - started;

  const cases = EMAIL_TEMPLATES.flatMap((template) => EMAIL_LOCALES.map((locale) => ({ template, locale, data: sampleEmailData(template) })));
  let bytes = 0;
  const renderBatch = (offset: number) => {
    for (let i = 0; i < BATCH; i++) {
      const c = cases[(offset + i) % cases.length]!;
      bytes += renderer.render(c.template, c.locale, c.data).html.length;
    }
  };
  for (let i = 0; i < 20; i++) renderBatch(i * BATCH); // warm-up: JIT, date formats, caches
  const perEmail: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const t0 = performance.now();
    renderBatch(b * BATCH);
    perEmail.push((performance.now() - t0) / BATCH);
  }
  perEmail.sort((a, b) => a - b);
  const median = perEmail[Math.floor(perEmail.length / 2)]!;
  const p95 = perEmail[Math.floor(perEmail.length * 0.95)]!;
  return {
    json: { render_ms: round(median, 4), render_p95_ms: round(p95, 4), load_ms: round(loadMs) },
    rows: [
      { name: 'e-mail templates: load (MJML compile, 11 e-mails)', value: loadMs, unit: 'ms' },
      {
        name: `e-mail render, warm (median of ${BATCHES} batches of ${BATCH}; p95 ${p95.toFixed(3)} ms; ${Math.round(bytes / (BATCH * (BATCHES + 20)))} B HTML avg)`,
        value: median,
        unit: 'ms',
        goal: { max: GOAL_MS },
      },
    ],
  };
}
