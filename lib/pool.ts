import pLimit from 'p-limit';

/** Runs `task` over `items` with at most `concurrency` at once, results in the items' order (p-limit does the limiting). */
export function inPool<T, R>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const limit = pLimit(Math.max(1, concurrency));
  return Promise.all(items.map((item, i) => limit(() => task(item, i))));
}
