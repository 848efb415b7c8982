// The access rule (domain/access): schedules, their intersection, and "may this card open this
// door now", without a database or a clock.
import test from 'ava';
import { compileEntry, decideFromEntry, mayOpen, type AccessFacts } from '../domain/access/decide.ts';
import { describeSchedule, describeWindows, parseScheduleText, scheduleText } from '../domain/access/words.ts';
import { accessDaysSchedule, checkSchedule, covers, DAYS, intersectSchedules, isOpen, localMoment, type Schedule, type Window } from '../domain/access/schedule.ts';

const PARIS = 'Europe/Paris';
const at = (iso: string) => Date.parse(iso);
const facts = (extra: Partial<AccessFacts> = {}): AccessFacts => ({
  cardNumber: 'C1',
  active: true,
  zoneGranted: true,
  grantSchedule: null,
  siteHours: null,
  accessDays: null,
  dayPassDates: null,
  validFrom: null,
  validUntil: null,
  ...extra,
});
const open = (f: AccessFacts, iso: string) => mayOpen(f, PARIS, at(iso)).granted;

test('business week: 05:59 no, 06:00 yes, 21:59 yes, 22:00 no, Saturday no (Paris, winter: UTC+1)', (t) => {
  const member = facts({ accessDays: ['business_week'] });
  // Monday 4 January 2027.
  t.false(open(member, '2027-01-04T04:59:00Z'));
  t.true(open(member, '2027-01-04T05:00:00Z'));
  t.true(open(member, '2027-01-04T20:59:00Z'));
  t.false(open(member, '2027-01-04T21:00:00Z'));
  t.like(mayOpen(member, PARIS, at('2027-01-09T10:00:00Z')), { granted: false, reason: 'outside_hours' });
  t.true(open(facts({ accessDays: ['business_week', 'saturday'] }), '2027-01-09T10:00:00Z'));
  t.false(open(facts({ accessDays: ['business_week', 'saturday'] }), '2027-01-10T10:00:00Z'), 'Sunday stays closed');
});

test('business week across the DST change: 06:00 is 05:00Z before it and 04:00Z after', (t) => {
  const member = facts({ accessDays: ['business_week'] });
  // Friday 26 March 2027 (UTC+1), then Monday 29 March 2027 (UTC+2).
  t.false(open(member, '2027-03-26T04:59:00Z'));
  t.true(open(member, '2027-03-26T05:00:00Z'));
  t.false(open(member, '2027-03-29T03:59:00Z'));
  t.true(open(member, '2027-03-29T04:00:00Z'));
  t.true(open(member, '2027-03-29T19:59:00Z'));
  t.false(open(member, '2027-03-29T20:00:00Z'), '22:00 summer time');
  // And back in October: Monday 1 November 2027 is UTC+1 again.
  t.true(open(member, '2027-11-01T05:00:00Z'));
  t.false(open(member, '2027-11-01T04:59:00Z'));
});

test('a window past midnight opens the next morning, across the night the clocks go forward', (t) => {
  const grant = checkSchedule({ weekly: [{ days: ['sat'], from: '22:00', to: '04:00', overnight: true }], closures: [] }, 'schedule');
  const f = facts({ grantSchedule: grant });
  t.true(open(f, '2027-03-27T21:30:00Z'), 'Saturday 22:30');
  t.true(open(f, '2027-03-28T01:30:00Z'), 'Sunday 03:30 (summer time began at 02:00)');
  t.false(open(f, '2027-03-28T02:00:00Z'), 'Sunday 04:00');
  t.false(open(f, '2027-03-27T20:59:00Z'), 'Saturday 21:59');
  // Sunday night into Monday wraps around the week.
  const sunday = checkSchedule({ weekly: [{ days: ['sun'], from: '23:00', to: '01:00', overnight: true }], closures: [] }, 's');
  t.true(open(facts({ grantSchedule: sunday }), '2027-01-03T22:30:00Z'), 'Sunday 23:30');
  t.true(open(facts({ grantSchedule: sunday }), '2027-01-03T23:30:00Z'), 'Monday 00:30');
  t.false(open(facts({ grantSchedule: sunday }), '2027-01-04T00:00:00Z'), 'Monday 01:00');
});

test('closures shut a whole day, whichever schedule carries them', (t) => {
  const site: Schedule = { weekly: [{ days: [...DAYS], from: '07:00', to: '20:00' }], closures: ['2027-12-25'] };
  const f = facts({ siteHours: site });
  t.like(mayOpen(f, PARIS, at('2027-12-25T10:00:00Z')), { granted: false, reason: 'closed' });
  t.true(open(f, '2027-12-24T10:00:00Z'));
  const grant: Schedule = { weekly: [{ days: [...DAYS], from: '00:00', to: '24:00' }], closures: ['2027-05-01'] };
  t.false(open(facts({ grantSchedule: grant }), '2027-05-01T10:00:00Z'));
});

test('a day pass opens on its dates only, within the site’s hours', (t) => {
  const site: Schedule = { weekly: [{ days: [...DAYS], from: '08:00', to: '19:00' }], closures: [] };
  const pass = facts({ siteHours: site, dayPassDates: ['2027-01-05', '2027-01-07'], validFrom: '2027-01-04T23:00:00.000Z', validUntil: '2027-01-07T23:00:00.000Z' });
  t.true(open(pass, '2027-01-05T09:00:00Z'));
  t.like(mayOpen(pass, PARIS, at('2027-01-06T09:00:00Z')), { granted: false, reason: 'not_a_pass_date' });
  t.true(open(pass, '2027-01-07T09:00:00Z'));
  t.like(mayOpen(pass, PARIS, at('2027-01-05T06:59:00Z')), { granted: false, reason: 'outside_hours' });
  t.like(mayOpen(pass, PARIS, at('2027-01-08T09:00:00Z')), { granted: false, reason: 'expired' });
  t.like(mayOpen(pass, PARIS, at('2027-01-04T09:00:00Z')), { granted: false, reason: 'not_yet_valid' });
});

test('an inactive member or a zone not granted opens nothing, and is not on the list', (t) => {
  t.like(mayOpen(facts({ active: false }), PARIS, at('2027-01-04T10:00:00Z')), { reason: 'not_active' });
  t.like(mayOpen(facts({ zoneGranted: false }), PARIS, at('2027-01-04T10:00:00Z')), { reason: 'zone_not_granted' });
  t.is(compileEntry(facts({ active: false })), undefined);
  t.like(decideFromEntry(undefined, PARIS, 0), { granted: false, reason: 'unknown_card' });
});

test('a schedule that makes no sense is refused, naming the field', (t) => {
  const bad = (weekly: Window[], closures: string[] = []) => t.throws(() => checkSchedule({ weekly, closures }, 'schedule'));
  t.regex(bad([{ days: ['mon'], from: '18:00', to: '09:00' }])!.message, /ends \(09:00\) before it starts/);
  t.like(bad([{ days: ['mon'], from: '18:00', to: '09:00' }]), { details: { field: 'schedule.weekly[0].to' } });
  bad([{ days: ['mon'], from: '25:00', to: '26:00' }]);
  bad([{ days: [], from: '08:00', to: '09:00' }]);
  bad([{ days: ['mon'], from: '08:00', to: '09:00', overnight: true }]);
  t.like(bad([], ['2027-02-30']), { details: { field: 'schedule.closures[0]' } });
  t.deepEqual(checkSchedule({ weekly: [{ days: ['fri', 'mon'], from: '08:00', to: '24:00' }], closures: ['2027-02-01', '2027-01-01', '2027-01-01'] }, 's'), {
    weekly: [{ days: ['mon', 'fri'], from: '08:00', to: '24:00' }],
    closures: ['2027-01-01', '2027-02-01'],
  });
});

test('access days may narrow a grant, never widen it', (t) => {
  const businessWeek = accessDaysSchedule(['business_week']);
  t.true(covers([null], accessDaysSchedule(['business_week', 'saturday', 'sunday'])));
  t.true(covers([businessWeek], businessWeek));
  t.false(covers([businessWeek], accessDaysSchedule(['business_week', 'saturday'])));
  t.false(covers([businessWeek], null), '"always" is wider than the business week');
  t.true(covers([{ weekly: [{ days: [...DAYS], from: '05:00', to: '23:00' }], closures: [] }], businessWeek));
  t.true(covers([businessWeek, accessDaysSchedule(['saturday'])], accessDaysSchedule(['business_week', 'saturday'])), 'two grants together');
  t.false(covers([], businessWeek), 'no grant at all');
});

test('the wall clock at the site: its date and minute of the week', (t) => {
  t.deepEqual(localMoment(at('2027-01-03T23:30:00Z'), PARIS), { date: '2027-01-04', minuteOfWeek: 30 });
  t.deepEqual(localMoment(at('2027-01-10T22:59:00Z'), PARIS), { date: '2027-01-10', minuteOfWeek: 7 * 1440 - 1 });
});

// A tiny seeded generator: the same cases every run, so a failure can be replayed.
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('the intersection a door is given opens exactly when every schedule it came from does (5,000 random cases)', (t) => {
  const rnd = random(7);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;
  const time = (quarter: number) => `${String(Math.floor(quarter / 4)).padStart(2, '0')}:${String((quarter % 4) * 15).padStart(2, '0')}`;
  const schedule = (): Schedule | null => {
    if (rnd() < 0.2) return null;
    const weekly = Array.from({ length: 1 + Math.floor(rnd() * 3) }, (): Window => {
      const from = Math.floor(rnd() * 95);
      const overnight = rnd() < 0.25;
      const to = overnight ? Math.floor(rnd() * from) + (from === 0 ? 1 : 0) : from + 1 + Math.floor(rnd() * (96 - from));
      return { days: DAYS.filter(() => rnd() < 0.5).concat(pick(DAYS)), from: time(from), to: to === 96 ? '24:00' : time(to), ...(overnight && to < from ? { overnight: true } : {}) };
    }).filter((w) => w.overnight || w.to > w.from);
    return checkSchedule({ weekly, closures: rnd() < 0.3 ? ['2027-03-28'] : [] }, 's');
  };
  const zones = ['Europe/Paris', 'America/New_York', 'Australia/Sydney'];
  for (let i = 0; i < 5000; i++) {
    const parts = [schedule(), schedule(), schedule()];
    const zone = pick(zones);
    // Around the March change in both hemispheres' senses, minute by random minute.
    const instant = at('2027-03-20T00:00:00Z') + Math.floor(rnd() * 20 * 1440) * 60_000;
    const moment = localMoment(instant, zone);
    const expected = parts.every((s) => isOpen(s, moment));
    const { weekly, closures } = intersectSchedules(parts);
    const got = isOpen({ weekly, closures }, moment);
    if (got !== expected) {
      t.fail(`case ${i}: ${JSON.stringify({ parts, zone, instant: new Date(instant).toISOString(), expected })}`);
      return;
    }
  }
  t.pass();
});

test('schedules in words, and typed back: days as ranges, a night past midnight with +1, French day names', (t) => {
  const typed = parseScheduleText('lun-ven 06:00-22:00\nsat 8h00-13:00; fri 22:00-02:00+1', '2027-12-25 2027-05-01', 'openingHours')!;
  t.deepEqual(typed, {
    weekly: [
      { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '06:00', to: '22:00' },
      { days: ['sat'], from: '08:00', to: '13:00' },
      { days: ['fri'], from: '22:00', to: '02:00', overnight: true },
    ],
    closures: ['2027-05-01', '2027-12-25'],
  });
  t.is(describeSchedule(typed, 'en'), 'Mon–Fri 06:00–22:00, Sat 08:00–13:00, Fri 22:00–02:00 (+1) (closed on 2027-05-01, 2027-12-25)');
  t.is(describeWindows(typed.weekly.slice(0, 1), 'fr'), 'lun.–ven. 06:00–22:00');
  t.is(describeWindows([{ days: ['mon', 'wed', 'sat', 'sun'], from: '09:00', to: '12:00' }], 'en'), 'Mon, Wed, Sat, Sun 09:00–12:00');
  t.is(describeSchedule(null, 'fr'), 'tous les jours, à toute heure');
  t.deepEqual(parseScheduleText(scheduleText(typed).weekly, scheduleText(typed).closures, 's'), typed, 'what the form shows reads back the same');
  t.is(parseScheduleText('', '', 's'), null, 'empty: always');
  t.like(t.throws(() => parseScheduleText('weekdays 9-5', '', 'openingHours')), { details: { field: 'openingHours' } });
  t.regex(t.throws(() => parseScheduleText('mon 22:00-06:00', '', 'openingHours'))!.message, /before it starts/);
});
