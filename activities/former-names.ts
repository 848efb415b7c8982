// Activity tasks scheduled before the code said "company" (still queued, or retried after the
// upgrade) carry `organizationId` where today's carry `companyId`. Every activity reads both: its
// input, and the objects one level inside it, are given `companyId` before the activity sees them.
import { withCompanyId } from '../contract/workflows.ts';

type AnyActivity = (...args: never[]) => Promise<unknown>;

const isPlain = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;

function readFormerName(value: unknown): unknown {
  if (!isPlain(value)) return value;
  const named = 'organizationId' in value ? withCompanyId(value as { companyId: string; organizationId?: string }) : value;
  return Object.fromEntries(Object.entries(named).map(([k, v]) => [k, isPlain(v) && 'organizationId' in v ? withCompanyId(v as { companyId: string; organizationId?: string }) : v]));
}

export function readFormerNames<T extends Record<string, AnyActivity>>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, activity]) => [name, (...args: never[]) => activity(...(args.map(readFormerName) as never[]))]),
  ) as T;
}
