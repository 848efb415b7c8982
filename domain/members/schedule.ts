// A member's start and end dates, as HR knows them weeks ahead, and the instants the lifecycle
// waits for: access opens at 00:00 at the site on `startsOn`; the member is removed at the next
// midnight after `endsOn` (their last day), or exactly at `endsAt`.
import type { MemberSchedule } from '../../contract/workflows.ts';
import { DomainError } from '../errors.ts';
import { isCalendarDate, midnightAt, nextDay } from '../time.ts';

export interface MemberDates {
  startsOn?: string | null;
  endsOn?: string | null;
  /** An instant (ISO 8601). */
  endsAt?: string | null;
}

/** The dates as stored: `endsAt` is always the instant of the end, whichever way it was given. */
export interface StoredDates {
  startsOn: string | null;
  endsOn: string | null;
  endsAt: Date | null;
}

const invalid = (field: string, message: string) => new DomainError('invalid_dates', 'unprocessable', message, { field });

/** Checks the dates and says what to store (`undefined` fields keep what `current` holds). */
export function resolveDates(given: MemberDates, timeZone: string, current: StoredDates = { startsOn: null, endsOn: null, endsAt: null }): StoredDates {
  if (given.startsOn && !isCalendarDate(given.startsOn)) throw invalid('startsOn', 'startsOn must be a date, YYYY-MM-DD, between the years 1970 and 9998');
  if (given.endsOn && !isCalendarDate(given.endsOn)) throw invalid('endsOn', 'endsOn must be a date, YYYY-MM-DD, between the years 1970 and 9998');
  if (given.endsOn && given.endsAt) throw invalid('endsAt', 'give the last day (endsOn) or the exact end (endsAt), not both');
  const endsAtGiven = given.endsAt ? new Date(given.endsAt) : given.endsAt === undefined ? undefined : null;
  if (endsAtGiven && (Number.isNaN(endsAtGiven.getTime()) || endsAtGiven.getUTCFullYear() < 1970 || endsAtGiven.getUTCFullYear() > 9998)) throw invalid('endsAt', 'endsAt must be an instant, e.g. 2027-06-30T18:00:00+02:00');
  const startsOn = given.startsOn === undefined ? current.startsOn : given.startsOn || null;
  let endsOn = current.endsOn;
  let endsAt = current.endsAt;
  // Either form of the end replaces the end as a whole.
  if (given.endsOn !== undefined || given.endsAt !== undefined) {
    endsOn = given.endsOn || null;
    endsAt = endsOn ? midnightAt(nextDay(endsOn), timeZone) : (endsAtGiven ?? null);
  }
  if (startsOn && endsOn && endsOn < startsOn) throw invalid('endsOn', 'the last day (endsOn) comes before the first (startsOn)');
  if (startsOn && endsAt && endsAt.getTime() <= midnightAt(startsOn, timeZone).getTime()) throw invalid('endsAt', 'the end (endsAt) comes before the first day (startsOn)');
  return { startsOn, endsOn, endsAt };
}

/** What the lifecycle waits for; undefined without any date (the lifecycle then runs as always). */
export function planSchedule(dates: StoredDates, timeZone: string): MemberSchedule | undefined {
  if (!dates.startsOn && !dates.endsAt) return undefined;
  return { startsAt: dates.startsOn ? midnightAt(dates.startsOn, timeZone).getTime() : null, endsAt: dates.endsAt ? dates.endsAt.getTime() : null };
}

/** Dates as a Date column or a date string from PostgreSQL → YYYY-MM-DD. */
export const dateText = (value: string | Date | null | undefined): string | null =>
  value == null ? null : typeof value === 'string' ? value.slice(0, 10) : value.toISOString().slice(0, 10);
