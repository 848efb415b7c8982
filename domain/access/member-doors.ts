// A member's doors and hours as the pages say them: "Entrance and common areas, Suite 301 —
// Mon–Fri 06:00–22:00". The same windows a door is given (decide.ts `accessWindows`).
import type { EntityManager } from '../../db/orm.ts';
import type { Window } from '../../db/entities/schedule.ts';
import { accessWindows } from './decide.ts';

export interface MemberDoors {
  zones: string[];
  windows: Window[];
  closures: string[];
}

export async function memberDoors(em: EntityManager, companyId: string, memberId: string): Promise<{ lines: MemberDoors[]; dates: string[] | null }> {
  const db = em.getKysely();
  const member = await db
    .selectFrom('member as m')
    .innerJoin('site as s', 's.id', 'm.site_id')
    .select(['m.site_id', 'm.access_days', 'm.day_pass_dates', 's.opening_hours'])
    .where('m.id', '=', memberId)
    .where('m.organization_id', '=', companyId)
    .executeTakeFirst();
  if (!member?.site_id) return { lines: [], dates: null };
  const grants = await db
    .selectFrom('zone_grant as g')
    .innerJoin('zone as z', 'z.id', 'g.zone_id')
    .select(['z.name', 'z.common', 'g.schedule'])
    .where('g.organization_id', '=', companyId)
    .where('z.site_id', '=', member.site_id)
    .orderBy('z.common', 'desc')
    .orderBy('z.name')
    .execute();
  const lines = new Map<string, MemberDoors>();
  for (const grant of grants) {
    const { weekly, closures } = accessWindows(member.opening_hours, grant.schedule, member.access_days);
    if (!weekly.length) continue;
    const key = JSON.stringify([weekly, closures]);
    const line = lines.get(key) ?? { zones: [], windows: weekly, closures };
    line.zones.push(grant.name);
    lines.set(key, line);
  }
  return { lines: [...lines.values()], dates: member.day_pass_dates };
}
