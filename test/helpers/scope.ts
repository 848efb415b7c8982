import test, { type ExecutionContext } from 'ava';

/** What helpers need from a test: somewhere to register clean-up. A test, or a whole file. */
export type Scope = Pick<ExecutionContext, 'teardown'>;

/**
 * A scope living as long as the test file, for services shared by its tests. (A `before` hook's
 * own teardown would run as soon as the hook ends.) Clean-up runs in reverse order at the end.
 */
export function fileScope(): Scope {
  const cleanups: (() => unknown)[] = [];
  test.after.always(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  return { teardown: (fn) => void cleanups.push(fn) };
}
