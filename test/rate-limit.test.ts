// The sign-in delay as a pure object on a clock the test moves.
import test from 'ava';
import { growingDelay } from '../http/rate-limit.ts';

test('growing delay: free tries, then 1 s, 2 s, 4 s … capped; per key; a success clears it', (t) => {
  let now = 0;
  const delay = growingDelay({ name: 'sign-in', free: 5, firstDelayMs: 1000, maxDelayMs: 8000, now: () => now });
  const refused = (key: string) => {
    try {
      delay.check(key);
      return undefined;
    } catch (error) {
      return Number((error as { headers?: Record<string, string> }).headers?.['Retry-After']);
    }
  };
  for (let i = 0; i < 5; i++) {
    t.is(refused('a'), undefined);
    delay.failed('a');
  }
  t.is(refused('a'), undefined, 'five wrong tries cost nothing');
  delay.failed('a');
  t.is(refused('a'), 1);
  t.is(refused('b'), undefined, 'another account or address is not slowed');
  now += 1000;
  t.is(refused('a'), undefined);
  delay.failed('a');
  t.is(refused('a'), 2);
  now += 2000;
  delay.failed('a');
  t.is(refused('a'), 4);
  now += 4000;
  delay.failed('a');
  t.is(refused('a'), 8);
  now += 8000;
  delay.failed('a');
  t.is(refused('a'), 8, 'capped');
  now += 8000;
  delay.succeeded('a');
  delay.failed('a');
  t.is(refused('a'), undefined, 'a right password starts the count again');
});
