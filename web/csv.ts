// Spreadsheets from the pages: a download with a name, rows quoted by csv-stringify, and a BOM so
// a spreadsheet opened by double-click reads the accents of French names right.
import { stringify } from 'csv-stringify/sync';
import type { Context } from 'koa';

// A cell a spreadsheet would run as a formula (a name typed as "=HYPERLINK(…)") is kept as text.
const FORMULA = /^[=+\-@\t\r]/;
const asText = (cell: string) => (FORMULA.test(cell) ? `'${cell}` : cell);

export function sendCsv(ctx: Context, filename: string, lines: string[][]): void {
  ctx.type = 'text/csv; charset=utf-8';
  ctx.set('Content-Disposition', `attachment; filename="${filename}"`);
  ctx.body = `\uFEFF${stringify(lines.map((line) => line.map(asText)))}`;
}
