// Wall-clock times at a site, as instants. Sites are in their own time zones: "00:00 on the start
// date" is midnight there, not on the server.

function offsetAt(instant: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(new Date(instant))
      .map((p) => [p.type, p.value]),
  );
  const shown = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return shown - Math.floor(instant / 1000) * 1000;
}

/** A wall-clock time (`YYYY-MM-DDTHH:mm`) in `timeZone` as an instant (the offset is read twice, so a DST change between is right). */
export function zonedTime(local: string, timeZone: string): Date {
  const asUtc = Date.parse(`${local.length === 10 ? `${local}T00:00` : local}:00Z`);
  const first = asUtc - offsetAt(asUtc, timeZone);
  return new Date(asUtc - offsetAt(first, timeZone));
}

/** 00:00 at the site on `date` (YYYY-MM-DD). */
export const midnightAt = (date: string, timeZone: string): Date => zonedTime(`${date}T00:00`, timeZone);

/** The day after `date` (YYYY-MM-DD). */
export function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** The date it is at the site at `instant`. */
export function dateAt(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

/** A real calendar date written YYYY-MM-DD (not 2027-02-30). */
export function isCalendarDate(text: string): boolean {
  // Within what every store and timer takes: PostgreSQL has no year 0, and the day after
  // 9999-12-31 (an end's next midnight) has no four-digit year.
  const year = Number(text.slice(0, 4));
  return isRealDate(text) && year >= DATE_YEARS.from && year <= DATE_YEARS.to;
}

/** YYYY-MM-DD naming a day that exists (no month 13, no 31 June, no year 0), whatever the year. */
export function isRealDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || text.startsWith('0000')) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/** The years a member's dates may fall in. */
export const DATE_YEARS = { from: 1970, to: 9998 } as const;

/**
 * A timestamptz as PostgreSQL prints it (`created_at::text`, kept to the microsecond in cursors and
 * card batches): anything else never came from us, and may not even be a time it can read.
 */
const POSTGRES_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?[+-](\d{2})(:\d{2})?$/;
export function isPostgresTime(v: unknown): v is string {
  const m = typeof v === 'string' ? POSTGRES_TIME.exec(v) : null;
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return year >= 1 && date.getUTCMonth() === month - 1 && date.getUTCDate() === day && hour < 24 && minute < 60 && second < 60 && Number(m[8]) <= 15;
}
