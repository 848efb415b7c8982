// Schedules: weekly windows in a site's time zone plus dated closures. A site's opening hours, a
// company's grant of a zone and a member's access days are each one; a card's access at a door is
// their intersection. Pure: no clock, no database (door-sim and the door agent run the same rule).
import { DomainError } from '../errors.ts';
import { isRealDate } from '../time.ts';
import { ACCESS_DAY_CHOICES, DAYS, type AccessDayChoice, type Schedule, type Window } from '../../db/entities/schedule.ts';

export { ACCESS_DAY_CHOICES, DAYS, type AccessDayChoice, type Day, type Schedule, type Window } from '../../db/entities/schedule.ts';

const DAY_MINUTES = 1440;
const WEEK_MINUTES = 7 * DAY_MINUTES;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;

// ---- a member's access days

/** Null: the member has what their company's grant gives (the default). */
export type AccessDays = AccessDayChoice[] | null;

/** What is wrong with access days as given (the API, a team file, SCIM), if anything. */
export function accessDaysProblem(days: unknown): string | undefined {
  if (!Array.isArray(days) || !days.length || !days.every((d) => (ACCESS_DAY_CHOICES as readonly unknown[]).includes(d))) return 'access days are a list of business_week, saturday, sunday or always';
  if (days.includes('always') && days.length > 1) return '"always" stands alone';
  if (!days.includes('business_week') && !days.includes('always')) return 'access days start from the business week (Mon–Fri 06:00–22:00), or "always"';
  return undefined;
}

const BUSINESS_HOURS = { from: '06:00', to: '22:00' };

/** The schedule access days stand for; null for "always" and for the default (no narrowing). */
export function accessDaysSchedule(days: AccessDays): Schedule | null {
  if (!days || days.includes('always')) return null;
  const weekly: Window[] = [];
  if (days.includes('business_week')) weekly.push({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], ...BUSINESS_HOURS });
  if (days.includes('saturday')) weekly.push({ days: ['sat'], ...BUSINESS_HOURS });
  if (days.includes('sunday')) weekly.push({ days: ['sun'], ...BUSINESS_HOURS });
  return { weekly, closures: [] };
}

// ---- checking what people send ---------------------------------------------------------------

const invalid = (field: string, message: string) => new DomainError('invalid_schedule', 'invalid', message, { field });

const minutes = (time: string) => (time === '24:00' ? DAY_MINUTES : Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5)));

/** A schedule as written (API, pages), checked field by field; the answer is its tidy form. */
export function checkSchedule(value: Schedule, field: string): Schedule {
  value.weekly.forEach((w, i) => {
    const at = `${field}.weekly[${i}]`;
    if (!w.days.length) throw invalid(`${at}.days`, `${at}: name at least one day`);
    if (!TIME.test(w.from) || w.from === '24:00') throw invalid(`${at}.from`, `${at}.from must be a time, HH:MM, 00:00 to 23:59`);
    if (!TIME.test(w.to)) throw invalid(`${at}.to`, `${at}.to must be a time, HH:MM, 00:01 to 24:00`);
    const from = minutes(w.from);
    const to = minutes(w.to);
    if (w.overnight && (to >= from || w.to === '24:00')) throw invalid(`${at}.to`, `${at}: an overnight window ends the next day, before it started (${w.from}–${w.to} does not cross midnight)`);
    if (!w.overnight && to <= from) throw invalid(`${at}.to`, `${at}: the window ends (${w.to}) before it starts (${w.from}); a window past midnight says overnight: true`);
  });
  value.closures.forEach((date, i) => {
    if (!isRealDate(date)) throw invalid(`${field}.closures[${i}]`, `${field}.closures[${i}] must be a date, YYYY-MM-DD`);
  });
  return {
    weekly: value.weekly.map((w) => ({ days: DAYS.filter((d) => w.days.includes(d)), from: w.from, to: w.to, ...(w.overnight ? { overnight: true } : {}) })),
    closures: [...new Set(value.closures)].sort(),
  };
}

// ---- weekly windows as minutes of the week ---------------------------------------------------

/** Half-open [start, end) minutes from Monday 00:00, sorted and merged, within one week. */
type Intervals = [number, number][];

function merge(intervals: Intervals): Intervals {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  const out: Intervals = [];
  for (const [s, e] of sorted) {
    const last = out.at(-1);
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

function intervals(schedule: Schedule | null): Intervals {
  if (!schedule) return [[0, WEEK_MINUTES]];
  const out: Intervals = [];
  for (const w of schedule.weekly) {
    for (const day of w.days) {
      const start = DAYS.indexOf(day) * DAY_MINUTES + minutes(w.from);
      const end = DAYS.indexOf(day) * DAY_MINUTES + minutes(w.to) + (w.overnight ? DAY_MINUTES : 0);
      // Sunday night into Monday morning wraps to the week's start.
      if (end > WEEK_MINUTES) out.push([start, WEEK_MINUTES], [0, end - WEEK_MINUTES]);
      else out.push([start, end]);
    }
  }
  return merge(out);
}

function intersect(a: Intervals, b: Intervals): Intervals {
  const out: Intervals = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const s = Math.max(a[i]![0], b[j]![0]);
    const e = Math.min(a[i]![1], b[j]![1]);
    if (s < e) out.push([s, e]);
    if (a[i]![1] < b[j]![1]) i++;
    else j++;
  }
  return out;
}

const clock = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/** Intervals back to windows, cut at midnight (a door then checks one day at a time), same hours grouped. */
function windowsOf(list: Intervals): Window[] {
  const byHours = new Map<string, Window>();
  for (const [s, e] of list) {
    for (let day = Math.floor(s / DAY_MINUTES); day * DAY_MINUTES < e; day++) {
      const from = Math.max(s, day * DAY_MINUTES) - day * DAY_MINUTES;
      const to = Math.min(e, (day + 1) * DAY_MINUTES) - day * DAY_MINUTES;
      if (to <= from) continue;
      const key = `${from}-${to}`;
      const w = byHours.get(key) ?? { days: [], from: clock(from), to: clock(to) };
      w.days.push(DAYS[day]!);
      byHours.set(key, w);
    }
  }
  return [...byHours.values()].sort((a, b) => DAYS.indexOf(a.days[0]!) - DAYS.indexOf(b.days[0]!) || a.from.localeCompare(b.from));
}

/** Where all of `schedules` are open (null stands for "always"): windows cut at midnight, every closure. */
export function intersectSchedules(schedules: (Schedule | null)[]): Schedule {
  const weekly = schedules.reduce<Intervals>((acc, s) => intersect(acc, intervals(s)), [[0, WEEK_MINUTES]]);
  const closures = [...new Set(schedules.flatMap((s) => s?.closures ?? []))].sort();
  return { weekly: windowsOf(weekly), closures };
}

/** Whether `inner`'s weekly windows all lie within those of `outers` together (closures aside): access days never widen the grants. */
export function covers(outers: (Schedule | null)[], inner: Schedule | null): boolean {
  const i = intervals(inner);
  const both = intersect(merge(outers.flatMap((o) => intervals(o))), i);
  const total = (list: Intervals) => list.reduce((n, [s, e]) => n + e - s, 0);
  return total(both) === total(i);
}

// ---- an instant at the site ------------------------------------------------------------------

export interface LocalMoment {
  /** YYYY-MM-DD at the site. */
  date: string;
  /** Minutes since Monday 00:00 at the site. */
  minuteOfWeek: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();
const WEEKDAY: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

/** The wall clock at the site at `instant`: its date and the minute of its week. */
export function localMoment(instant: number, timeZone: string): LocalMoment {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
    formats.set(timeZone, format);
  }
  const p = Object.fromEntries(format.formatToParts(new Date(instant)).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, minuteOfWeek: WEEKDAY[p.weekday!]! * DAY_MINUTES + Number(p.hour) * 60 + Number(p.minute) };
}

/** Whether `schedule` (null: always) is open at that moment. */
export function isOpen(schedule: Schedule | null, at: LocalMoment): boolean {
  if (!schedule) return true;
  if (schedule.closures.includes(at.date)) return false;
  return intervals(schedule).some(([s, e]) => at.minuteOfWeek >= s && at.minuteOfWeek < e);
}
