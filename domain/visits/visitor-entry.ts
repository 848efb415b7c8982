// "May this visitor PIN open this door now?" — the members' rule (domain/access/decide.ts) on an
// entry made from the host: a visitor passes the site's entrance zone only, on the visit's date,
// within the host's own hours there (the site's hours ∩ their company's grant ∩ their access days).
import { DAYS, type Schedule, type Window } from '../../db/entities/schedule.ts';
import type { AccessDays } from '../access/schedule.ts';
import { compileEntry, decideFromEntry, type AccessDecision, type AccessEntry } from '../access/decide.ts';

export interface VisitFacts {
  visitId: string;
  /** The PIN may still open: the visit is expected and its host not removed. */
  live: boolean;
  date: string;
  validFrom: string;
  validUntil: string;
  /** The host's company is granted the entrance zone, on `grantSchedule` (null: any hour). */
  zoneGranted: boolean;
  grantSchedule: Schedule | null;
  siteHours: Schedule | null;
  hostAccessDays: AccessDays;
}

/** A visitor PIN on a door's list: the entry a card would have, named by its hash instead of a number. */
export interface VisitorEntry extends Omit<AccessEntry, 'number'> {
  visitId: string;
  pinHash: string;
}

/** The visit's entry at the entrance zone; undefined when the PIN opens nothing. */
export function visitEntry(facts: VisitFacts, memo?: Map<string, Schedule>): AccessEntry | undefined {
  return compileEntry(
    {
      cardNumber: facts.visitId,
      active: facts.live,
      zoneGranted: facts.zoneGranted,
      grantSchedule: facts.grantSchedule,
      siteHours: facts.siteHours,
      accessDays: facts.hostAccessDays,
      dayPassDates: [facts.date],
      validFrom: facts.validFrom,
      validUntil: facts.validUntil,
    },
    memo,
  );
}

/** The server's decision for a visitor PIN at a door of zone `doorZone` (`entranceZone`: the site's common zone). */
export function mayVisitorEnter(facts: VisitFacts, door: { zoneId: string; entranceZoneId: string }, timeZone: string, instant: number): AccessDecision {
  if (!facts.live) return { granted: false, reason: 'not_active' };
  if (door.zoneId !== door.entranceZoneId || !facts.zoneGranted) return { granted: false, reason: 'zone_not_granted' };
  const entry = visitEntry(facts);
  return entry ? decideFromEntry(entry, timeZone, instant) : { granted: false, reason: 'outside_hours' };
}

/** The windows of `entry` on `date` (YYYY-MM-DD): none on a closure or a day it never opens. */
export function windowsOn(entry: AccessEntry | undefined, date: string): Window[] {
  if (!entry || entry.closures.includes(date)) return [];
  const day = DAYS[(new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7]!;
  return entry.windows.filter((w) => w.days.includes(day));
}
