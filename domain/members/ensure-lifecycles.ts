import type { EntityManager } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { LifecycleOverrides } from '../../db/entities/index.ts';
import type { LifecycleDurations } from '../../workflows/member-lifecycle/types.ts';
import { resolveDurations, startLifecycle } from './lifecycle.ts';

/**
 * Starts the lifecycle of every member the database knows but no workflow has claimed yet: the
 * first admin made by `org:create` while Temporal was down, or an invitation whose start was lost
 * between the database commit and Temporal. Starting is idempotent (an open run is reused).
 */
export async function ensureLifecycles(deps: { em: EntityManager; client: Client; taskQueue: string; defaults: LifecycleDurations }): Promise<string[]> {
  const rows = await deps.em.execute<{ id: string; organization_id: string; name: string; email: string; lifecycle_overrides: LifecycleOverrides | null }[]>(
    `select m.id, m.organization_id, m.name, m.email, o.lifecycle_overrides
       from member m join organization o on o.id = m.organization_id
      where m.workflow_run_id is null and m.status <> 'removed' and m.site_id is not null
      order by m.created_at limit 1000`,
  );
  for (const row of rows) {
    await startLifecycle(deps.client, {
      memberId: row.id,
      organizationId: row.organization_id,
      invitedBy: 'system',
      durations: resolveDurations(deps.defaults, row.lifecycle_overrides),
      taskQueue: deps.taskQueue,
      label: `${row.name} <${row.email}>`,
    });
  }
  return rows.map((r) => r.id);
}
