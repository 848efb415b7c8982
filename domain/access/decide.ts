// "May this card open this door now?" — the one rule, for the API, the pages, door-sim and the
// door agent. The server knows the facts (the member, their company's grant of the door's zone,
// the site's hours); a door knows only its access list, where each card comes with its windows
// already intersected. Both decide through `decideFromEntry`, so an offline door and the server
// never disagree (test/access-property.test.ts checks 10,000 random cases).
import { accessDaysSchedule, intersectSchedules, isOpen, localMoment, type AccessDays, type Schedule, type Window } from './schedule.ts';

/** One card on a door's access list: what the door needs to decide offline. */
export interface AccessEntry {
  number: string;
  /** Weekly windows in the list's time zone, each within one day (00:00–24:00). */
  windows: Window[];
  /** Whole days (YYYY-MM-DD at the site) the card opens nothing: the site's and the grant's closures. */
  closures: string[];
  /** A day pass: the only dates it opens on. Null for a member. */
  dates: string[] | null;
  /** ISO instants: access opens at the first (00:00 on the start date) and ends at the second. */
  validFrom: string | null;
  validUntil: string | null;
}

/** What the server knows about a card at a door. */
export interface AccessFacts {
  cardNumber: string;
  /** The card's access is granted: the member is active (the lifecycle grants it on activation, revokes it on removal). */
  active: boolean;
  /** The door's zone is granted to the member's company; `grantSchedule` is that grant's (null: any hour). */
  zoneGranted: boolean;
  grantSchedule: Schedule | null;
  siteHours: Schedule | null;
  accessDays: AccessDays;
  dayPassDates: string[] | null;
  validFrom: string | null;
  validUntil: string | null;
}

export const DENIAL_REASONS = ['unknown_card', 'not_active', 'zone_not_granted', 'not_yet_valid', 'expired', 'not_a_pass_date', 'closed', 'outside_hours'] as const;
export type DenialReason = (typeof DENIAL_REASONS)[number];
export type AccessDecision = { granted: true } | { granted: false; reason: DenialReason };

/**
 * When a member may pass a zone's doors, each week: the site's hours ∩ the company's grant ∩ the
 * member's access days (dates aside). `memo` keeps the intersections already made (a list's cards
 * share a few).
 */
export function accessWindows(siteHours: Schedule | null, grantSchedule: Schedule | null, accessDays: AccessDays, memo?: Map<string, Schedule>): Schedule {
  const parts = [siteHours, grantSchedule, accessDaysSchedule(accessDays)];
  const key = memo && JSON.stringify(parts);
  const known = key === undefined ? undefined : memo!.get(key);
  if (known) return known;
  const intersection = intersectSchedules(parts);
  if (key !== undefined) memo!.set(key, intersection);
  return intersection;
}

/** A card's entry on a door's list; undefined when it is not on it (not active, zone not granted, never open). */
export function compileEntry(facts: AccessFacts, memo?: Map<string, Schedule>): AccessEntry | undefined {
  if (!facts.active || !facts.zoneGranted) return undefined;
  const { weekly, closures } = accessWindows(facts.siteHours, facts.grantSchedule, facts.accessDays, memo);
  if (!weekly.length) return undefined;
  return { number: facts.cardNumber, windows: weekly, closures, dates: facts.dayPassDates, validFrom: facts.validFrom, validUntil: facts.validUntil };
}

/** The door's decision from its list (`entry` undefined: the card is not on it). */
export function decideFromEntry(entry: AccessEntry | undefined, timeZone: string, instant: number): AccessDecision {
  if (!entry) return { granted: false, reason: 'unknown_card' };
  if (entry.validFrom && instant < Date.parse(entry.validFrom)) return { granted: false, reason: 'not_yet_valid' };
  if (entry.validUntil && instant >= Date.parse(entry.validUntil)) return { granted: false, reason: 'expired' };
  const at = localMoment(instant, timeZone);
  if (entry.dates && !entry.dates.includes(at.date)) return { granted: false, reason: 'not_a_pass_date' };
  if (entry.closures.includes(at.date)) return { granted: false, reason: 'closed' };
  if (!isOpen({ weekly: entry.windows, closures: [] }, at)) return { granted: false, reason: 'outside_hours' };
  return { granted: true };
}

/** The server's decision from the facts: the door's rule on the entry the door would be given. */
export function mayOpen(facts: AccessFacts, timeZone: string, instant: number): AccessDecision {
  if (!facts.active) return { granted: false, reason: 'not_active' };
  if (!facts.zoneGranted) return { granted: false, reason: 'zone_not_granted' };
  const entry = compileEntry(facts);
  return entry ? decideFromEntry(entry, timeZone, instant) : { granted: false, reason: 'outside_hours' };
}
