// Charts drawn on the server as SVG: no chart script to load, nothing the CSP has to allow (shapes
// carry presentation attributes, never style). The figures are also in a table for screen readers.
import Handlebars from 'handlebars';
import type { OverviewWeek } from '../domain/members/overview.ts';

const escape = Handlebars.escapeExpression;

/** A step for the vertical axis that gives 2–5 lines: 1, 2, 5, 10, 20, 50… */
function niceStep(max: number): number {
  for (let magnitude = 1; ; magnitude *= 10) {
    for (const step of [1, 2, 5].map((n) => n * magnitude)) if (max / step <= 4) return step;
  }
}

/**
 * Two bars a week (invited, onboarded) over the overview's weeks, with the week's day under every
 * other pair. `label(weekOf)` writes a week in the reader's language.
 */
export function onboardingChart(weeks: OverviewWeek[], text: { title: string; invited: string; onboarded: string; label(weekOf: string): string }): Handlebars.SafeString {
  const width = 560;
  const height = 220;
  const left = 32;
  const bottom = 28;
  const top = 12;
  const plotHeight = height - bottom - top;
  const max = Math.max(1, ...weeks.flatMap((w) => [w.invited, w.onboarded]));
  const step = niceStep(max);
  const ceiling = Math.ceil(max / step) * step;
  // Room on the right for the last week's label, centred under its bars.
  const right = 28;
  const slot = (width - left - right) / Math.max(1, weeks.length);
  const bar = Math.min(18, slot / 3);
  const y = (n: number) => top + plotHeight - (n / ceiling) * plotHeight;
  const parts: string[] = [];
  for (let n = 0; n <= ceiling; n += step) {
    parts.push(`<line x1="${left}" x2="${width - right + 8}" y1="${y(n)}" y2="${y(n)}" stroke="#e5e7eb" stroke-width="1"/>`);
    parts.push(`<text x="${left - 6}" y="${y(n) + 4}" text-anchor="end" font-size="11" fill="#4b5563">${n}</text>`);
  }
  weeks.forEach((w, i) => {
    const x = left + i * slot + slot / 2;
    const pair = [
      { n: w.invited, fill: '#93c5fd', dx: -bar - 1, name: text.invited },
      { n: w.onboarded, fill: '#047857', dx: 1, name: text.onboarded },
    ];
    for (const b of pair) {
      const h = y(0) - y(b.n);
      parts.push(`<rect x="${(x + b.dx).toFixed(1)}" y="${y(b.n).toFixed(1)}" width="${bar.toFixed(1)}" height="${Math.max(h, b.n ? 1 : 0).toFixed(1)}" rx="2" fill="${b.fill}"><title>${escape(`${text.label(w.weekOf)} · ${b.name}: ${b.n}`)}</title></rect>`);
    }
    if (i % 2 === (weeks.length - 1) % 2) parts.push(`<text x="${x.toFixed(1)}" y="${height - 8}" text-anchor="middle" font-size="11" fill="#4b5563">${escape(text.label(w.weekOf))}</text>`);
  });
  return new Handlebars.SafeString(
    `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escape(text.title)}" focusable="false" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`,
  );
}
