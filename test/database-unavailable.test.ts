import test from 'ava';
import { isDatabaseUnavailable } from '../db/unavailable.ts';

test('a refused, reset or restarting database is "unavailable"; a refused statement is not', (t) => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  t.true(isDatabaseUnavailable(refused));
  t.true(isDatabaseUnavailable(new AggregateError([refused], '')), 'IPv4 and IPv6 both refused');
  t.true(isDatabaseUnavailable(new Error('driver failed', { cause: Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }) })));
  t.true(isDatabaseUnavailable(new Error('Connection terminated unexpectedly')));
  t.true(isDatabaseUnavailable(Object.assign(new Error('the database system is starting up'), { code: '57P03' })));
  t.false(isDatabaseUnavailable(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' })));
  t.false(isDatabaseUnavailable(new TypeError('x is undefined')));
  t.false(isDatabaseUnavailable(undefined));
});
