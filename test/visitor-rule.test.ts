// "May this visitor PIN open this door now?" as plain functions: the members' rule on an entry made
// from the host (their company's grant of the entrance, their access days, the site's hours), the
// visit's one date, and the entrance only. Plus the PIN's shape and hash, and how a kiosk shows a host.
import test from 'ava';
import { mayVisitorEnter, visitEntry, type VisitFacts } from '../domain/visits/visitor-entry.ts';
import { hashVisitorPin, newVisitorPin, VISITOR_PIN_PATTERN } from '../domain/visits/visitor-pin.ts';
import { shownName } from '../domain/visits/kiosks.ts';
import { midnightAt, zonedTime } from '../domain/time.ts';

const PARIS = 'Europe/Paris';
// Wednesday 9 December 2026.
const DATE = '2026-12-09';
const facts = (over: Partial<VisitFacts> = {}): VisitFacts => ({
  visitId: 'v1', live: true, date: DATE, validFrom: midnightAt(DATE, PARIS).toISOString(), validUntil: midnightAt('2026-12-10', PARIS).toISOString(),
  zoneGranted: true, grantSchedule: null, siteHours: null, hostAccessDays: ['business_week'], ...over,
});
const entrance = { zoneId: 'z-common', entranceZoneId: 'z-common' };
const at = (local: string) => zonedTime(local, PARIS).getTime();

test("within the host's access days and hours, on the visit's date, at the entrance", (t) => {
  t.like(mayVisitorEnter(facts(), entrance, PARIS, at(`${DATE}T05:59`)), { granted: false, reason: 'outside_hours' });
  t.like(mayVisitorEnter(facts(), entrance, PARIS, at(`${DATE}T06:00`)), { granted: true });
  t.like(mayVisitorEnter(facts(), entrance, PARIS, at(`${DATE}T21:59`)), { granted: true });
  t.like(mayVisitorEnter(facts(), entrance, PARIS, at(`${DATE}T22:00`)), { granted: false, reason: 'outside_hours' });
  // A Saturday visit of a business-week host: no window that day.
  const saturday = '2026-12-12';
  const weekend = facts({ date: saturday, validFrom: midnightAt(saturday, PARIS).toISOString(), validUntil: midnightAt('2026-12-13', PARIS).toISOString() });
  t.like(mayVisitorEnter(weekend, entrance, PARIS, at(`${saturday}T10:00`)), { granted: false, reason: 'outside_hours' });
  t.like(mayVisitorEnter({ ...weekend, hostAccessDays: ['business_week', 'saturday'] }, entrance, PARIS, at(`${saturday}T10:00`)), { granted: true });
});

test("never another day, another zone, nor once the visit is over, cancelled or its host's company not granted the entrance", (t) => {
  t.like(mayVisitorEnter(facts(), entrance, PARIS, at('2026-12-10T10:00')), { granted: false, reason: 'expired' });
  t.like(mayVisitorEnter(facts(), entrance, PARIS, at('2026-12-08T10:00')), { granted: false, reason: 'not_yet_valid' });
  t.like(mayVisitorEnter(facts(), { zoneId: 'z-suite', entranceZoneId: 'z-common' }, PARIS, at(`${DATE}T10:00`)), { granted: false, reason: 'zone_not_granted' });
  t.like(mayVisitorEnter(facts({ live: false }), entrance, PARIS, at(`${DATE}T10:00`)), { granted: false, reason: 'not_active' });
  t.like(mayVisitorEnter(facts({ zoneGranted: false }), entrance, PARIS, at(`${DATE}T10:00`)), { granted: false, reason: 'zone_not_granted' });
  // The company's grant and the site's hours narrow it like any card.
  const grant = { weekly: [{ days: ['wed' as const], from: '09:00', to: '12:00' }], closures: [] };
  t.like(mayVisitorEnter(facts({ grantSchedule: grant }), entrance, PARIS, at(`${DATE}T13:00`)), { granted: false, reason: 'outside_hours' });
  t.like(mayVisitorEnter(facts({ siteHours: { weekly: grant.weekly, closures: [DATE] } }), entrance, PARIS, at(`${DATE}T10:00`)), { granted: false, reason: 'closed' });
  t.deepEqual(visitEntry(facts())?.dates, [DATE], 'one date on the list');
});

test('a visitor PIN: # and six digits, hashed the same with or without the #, per site', async (t) => {
  for (let i = 0; i < 200; i++) t.regex(newVisitorPin(), VISITOR_PIN_PATTERN);
  t.false(VISITOR_PIN_PATTERN.test('*1234'), 'an enrollment PIN is not a visitor PIN');
  const salt = '9b0d6a52-3f5e-4c1c-8d55-0b5c3a7e2f10';
  const hash = await hashVisitorPin('#582013', salt);
  t.regex(hash, /^[0-9a-f]{64}$/);
  t.is(await hashVisitorPin('582013', salt), hash);
  t.not(await hashVisitorPin('#582013', 'another-site'), hash, "another site's salt, another hash");
  t.not(await hashVisitorPin('#582014', salt), hash);
});

test('a kiosk shows a host as a first name and an initial', (t) => {
  t.is(shownName('Camille Durand'), 'Camille D.');
  t.is(shownName('  Jean-Luc  de la Tour '), 'Jean-Luc T.');
  t.is(shownName('Madonna'), 'Madonna');
});
