// The shapes of the schedules kept in jsonb columns (a site's opening hours, a zone grant's
// schedule, a member's access days). What they mean: domain/access/schedule.ts.

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Day = (typeof DAYS)[number];

/**
 * `from`–`to` on each of `days`, wall-clock time at the site. `to` may be `24:00`. A window that
 * runs past midnight says so (`overnight: true`, e.g. Friday 22:00 to Saturday 02:00): without it,
 * a `to` at or before `from` is a mistake, not a night shift.
 */
export interface Window {
  days: Day[];
  from: string;
  to: string;
  overnight?: boolean;
}

/** `weekly`: when it is open; `closures`: whole days (YYYY-MM-DD at the site) when it is not. */
export interface Schedule {
  weekly: Window[];
  closures: string[];
}

// A member's access days: Workways' "Business week (Mon–Fri, 6am–10pm)", + Saturday, + Sunday.
export const ACCESS_DAY_CHOICES = ['business_week', 'saturday', 'sunday', 'always'] as const;
export type AccessDayChoice = (typeof ACCESS_DAY_CHOICES)[number];
