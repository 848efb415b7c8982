// Schedules in words, both ways: what the pages show ("Mon–Fri 06:00–22:00") and what the
// operator types in a form ("mon-fri 06:00-22:00; sat 08:00-12:00; fri 22:00-02:00+1").
import { DomainError } from '../errors.ts';
import { checkSchedule, DAYS, type Day, type Schedule, type Window } from './schedule.ts';

type Locale = 'fr' | 'en';

const DAY_NAMES: Record<Locale, Record<Day, string>> = {
  en: { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' },
  fr: { mon: 'lun.', tue: 'mar.', wed: 'mer.', thu: 'jeu.', fri: 'ven.', sat: 'sam.', sun: 'dim.' },
};
const ALWAYS_WORDS: Record<Locale, string> = { en: 'every day, at any hour', fr: 'tous les jours, à toute heure' };
const NEVER_WORDS: Record<Locale, string> = { en: 'never', fr: 'jamais' };
const EVERY_DAY: Record<Locale, string> = { en: 'every day', fr: 'tous les jours' };

/** `mon, tue, wed, fri` → "Mon–Wed, Fri": runs of three or more days as a range. */
function dayList(days: Day[], locale: Locale): string {
  if (days.length === 7) return EVERY_DAY[locale];
  const idx = days.map((d) => DAYS.indexOf(d)).sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1] === idx[j]! + 1) j++;
    const name = (k: number) => DAY_NAMES[locale][DAYS[idx[k]!]!];
    if (j - i >= 2) parts.push(`${name(i)}–${name(j)}`);
    else for (let k = i; k <= j; k++) parts.push(name(k));
    i = j + 1;
  }
  return parts.join(', ');
}

/** Windows in words: "Mon–Fri 06:00–22:00, Sat 08:00–12:00"; a night past midnight ends "(+1)". */
export function describeWindows(windows: Window[], locale: Locale): string {
  if (!windows.length) return NEVER_WORDS[locale];
  const everyDayAllDay = windows.length === 1 && windows[0]!.days.length === 7 && windows[0]!.from === '00:00' && windows[0]!.to === '24:00';
  if (everyDayAllDay) return ALWAYS_WORDS[locale];
  return windows.map((w) => `${dayList(w.days, locale)} ${w.from}–${w.to}${w.overnight ? ' (+1)' : ''}`).join(', ');
}

/** A schedule in words, null standing for "always". */
export function describeSchedule(schedule: Schedule | null, locale: Locale): string {
  if (!schedule) return ALWAYS_WORDS[locale];
  const weekly = describeWindows(schedule.weekly, locale);
  if (!schedule.closures.length) return weekly;
  return `${weekly} ${locale === 'fr' ? '(fermé le' : '(closed on'} ${schedule.closures.join(', ')})`;
}

// ---- typed in a form ---------------------------------------------------------------------------

const DAY_WORDS: Record<string, Day> = Object.fromEntries(
  DAYS.flatMap((d) => {
    const fr: Record<Day, string[]> = { mon: ['lun', 'lundi'], tue: ['mar', 'mardi'], wed: ['mer', 'mercredi'], thu: ['jeu', 'jeudi'], fri: ['ven', 'vendredi'], sat: ['sam', 'samedi'], sun: ['dim', 'dimanche'] };
    const en: Record<Day, string[]> = { mon: ['monday'], tue: ['tuesday'], wed: ['wednesday'], thu: ['thursday'], fri: ['friday'], sat: ['saturday'], sun: ['sunday'] };
    return [d, ...fr[d], ...en[d]].map((w) => [w, d]);
  }),
);

const invalid = (field: string, message: string) => new DomainError('invalid_schedule', 'invalid', message, { field });

function daysOf(text: string, field: string): Day[] {
  const words = text.toLowerCase().replace(/\./g, '');
  if (/^(every ?day|daily|tous les jours|tlj)$/.test(words)) return [...DAYS];
  const days = new Set<Day>();
  for (const part of words.split(/\s*,\s*/)) {
    const [a, b] = part.split(/\s*[-–]\s*/);
    const from = DAY_WORDS[a ?? ''];
    const to = b === undefined ? from : DAY_WORDS[b];
    if (!from || !to) throw invalid(field, `"${part}" is not a day or a range of days (mon-fri, sat, sun)`);
    for (let i = DAYS.indexOf(from); ; i = (i + 1) % 7) {
      days.add(DAYS[i]!);
      if (DAYS[i] === to) break;
    }
  }
  return DAYS.filter((d) => days.has(d));
}

/**
 * What an operator types: one window per line (or separated by `;`), `<days> <from>-<to>`, with
 * `+1` after a time past midnight: `mon-fri 06:00-22:00`, `sat 08:00-12:00`, `fri 22:00-02:00+1`.
 * French day names work too (`lun-ven 06:00-22:00`). Empty text: null (always).
 */
export function parseScheduleText(weeklyText: string, closuresText: string, field: string): Schedule | null {
  const entries = weeklyText.split(/[\n;]+/).map((s) => s.trim()).filter(Boolean);
  const closures = closuresText.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);
  if (!entries.length && !closures.length) return null;
  const weekly = entries.map((entry): Window => {
    const m = /^(.+?)\s+(\d{1,2}[:h]\d{2})\s*[-–]\s*(\d{1,2}[:h]\d{2})\s*(\+1|\(\+1\))?$/i.exec(entry);
    if (!m) throw invalid(field, `"${entry}" is not a window: write days then hours, e.g. mon-fri 06:00-22:00`);
    const time = (t: string) => t.replace('h', ':').padStart(5, '0');
    return { days: daysOf(m[1]!, field), from: time(m[2]!), to: time(m[3]!), ...(m[4] ? { overnight: true } : {}) };
  });
  // An empty week with closures means "as usual except those days": every day, all day.
  return checkSchedule({ weekly: entries.length ? weekly : [{ days: [...DAYS], from: '00:00', to: '24:00' }], closures }, field);
}

/** The text a form shows for a schedule (parseScheduleText reads it back). */
export function scheduleText(schedule: Schedule | null): { weekly: string; closures: string } {
  if (!schedule) return { weekly: '', closures: '' };
  const days = (w: Window) => (w.days.length === 7 ? 'every day' : dayList(w.days, 'en').toLowerCase().replace(/–/g, '-'));
  return {
    weekly: schedule.weekly.map((w) => `${days(w)} ${w.from}-${w.to}${w.overnight ? '+1' : ''}`).join('\n'),
    closures: schedule.closures.join(' '),
  };
}
