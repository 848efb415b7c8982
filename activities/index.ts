// Every side effect of a workflow lives here. Built once per worker with its dependencies, so the
// activities hold no global state and tests can pass their own.
import type { Orm } from '../db/orm.ts';

export interface ActivityDeps {
  orm: Orm;
  clock: () => Date;
}

export function createActivities(deps: ActivityDeps) {
  const { orm } = deps;
  return {
    /** Proves a worker reaches the database; answers the database server's clock. */
    async checkDatabase(): Promise<string> {
      const [row] = await orm.em.fork().execute<{ now: Date }[]>('select now() as now');
      return new Date(row!.now).toISOString();
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
