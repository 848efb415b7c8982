// Start and end dates as instants at the member's site: midnight there, across DST changes.
import test from 'ava';
import { DomainError } from '../domain/errors.ts';
import { planSchedule, resolveDates } from '../domain/members/schedule.ts';
import { dateAt, isCalendarDate, midnightAt, nextDay } from '../domain/time.ts';

test('midnight at the site, on either side of a daylight-saving change', (t) => {
  t.is(midnightAt('2027-03-28', 'Europe/Paris').toISOString(), '2027-03-27T23:00:00.000Z', 'CET: the night the clocks go forward');
  t.is(midnightAt('2027-03-29', 'Europe/Paris').toISOString(), '2027-03-28T22:00:00.000Z', 'CEST');
  t.is(midnightAt('2027-10-31', 'Europe/Paris').toISOString(), '2027-10-30T22:00:00.000Z', 'CEST: the night the clocks go back');
  t.is(midnightAt('2027-01-04', 'America/New_York').toISOString(), '2027-01-04T05:00:00.000Z');
  t.is(midnightAt('2027-01-04', 'Asia/Tokyo').toISOString(), '2027-01-03T15:00:00.000Z');
  t.is(nextDay('2027-12-31'), '2028-01-01');
  t.is(nextDay('2028-02-28'), '2028-02-29');
  t.is(dateAt(new Date('2027-01-03T23:30:00Z'), 'Europe/Paris'), '2027-01-04');
  t.false(isCalendarDate('2027-02-30'));
  t.false(isCalendarDate('2027-2-3'));
  t.true(isCalendarDate('2028-02-29'));
});

test('the last day ends at the next midnight at the site; an exact end is taken as it is; either replaces the other', (t) => {
  const paris = 'Europe/Paris';
  const dates = resolveDates({ startsOn: '2027-01-04', endsOn: '2027-06-30' }, paris);
  t.deepEqual(dates, { startsOn: '2027-01-04', endsOn: '2027-06-30', endsAt: new Date('2027-06-30T22:00:00.000Z') });
  t.deepEqual(planSchedule(dates, paris), { startsAt: Date.parse('2027-01-03T23:00:00.000Z'), endsAt: Date.parse('2027-06-30T22:00:00.000Z') });
  const exact = resolveDates({ endsAt: '2027-06-30T18:00:00+02:00' }, paris, dates);
  t.deepEqual(exact, { startsOn: '2027-01-04', endsOn: null, endsAt: new Date('2027-06-30T16:00:00.000Z') });
  t.deepEqual(resolveDates({ endsAt: null }, paris, dates), { startsOn: '2027-01-04', endsOn: null, endsAt: null });
  t.deepEqual(resolveDates({ startsOn: null }, paris, dates), { startsOn: null, endsOn: '2027-06-30', endsAt: dates.endsAt });
  t.is(planSchedule({ startsOn: null, endsOn: null, endsAt: null }, paris), undefined);

  const refused = (given: Parameters<typeof resolveDates>[0]) => t.throws(() => resolveDates(given, paris), { instanceOf: DomainError })!.details.field;
  t.is(refused({ startsOn: '2027-02-30' }), 'startsOn');
  t.is(refused({ startsOn: '2027-03-01', endsOn: '2027-02-28' }), 'endsOn');
  t.is(refused({ endsOn: '2027-03-01', endsAt: '2027-03-01T12:00:00Z' }), 'endsAt');
  t.is(refused({ startsOn: '2027-03-01', endsAt: '2027-02-28T23:00:00Z' }), 'endsAt');
  t.is(refused({ endsAt: 'tomorrow' }), 'endsAt');
});
