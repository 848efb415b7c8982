// What an organisation looks like to its members: its name, colour and logo (the header of every
// e-mail). Read and changed by its administrators.
import type { EntityManager } from '../../db/orm.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';

export interface OrganizationView {
  id: string;
  name: string;
  brandColor: string;
  logoUrl: string | null;
  createdAt: string;
}

interface OrganizationRow {
  id: string;
  name: string;
  brand_color: string;
  logo_url: string | null;
  created_at: Date;
}

const view = (row: OrganizationRow): OrganizationView => ({
  id: row.id,
  name: row.name,
  brandColor: row.brand_color,
  logoUrl: row.logo_url,
  createdAt: new Date(row.created_at).toISOString(),
});

export async function getOrganization(em: EntityManager, organizationId: string): Promise<OrganizationView> {
  const [row] = await em.execute<OrganizationRow[]>('select id, name, brand_color, logo_url, created_at from organization where id = ?', [organizationId]);
  if (!row) throw new DomainError('organization_not_found', 'not_found', 'no such organisation');
  return view(row);
}

export async function updateOrganization(
  em: EntityManager,
  input: { organizationId: string; actor: string; name?: string; brandColor?: string; logoUrl?: string | null },
): Promise<OrganizationView> {
  return em.transactional(async (tx) => {
    const before = await getOrganization(tx, input.organizationId);
    const changes: Partial<Record<'name' | 'brandColor' | 'logoUrl', unknown>> = {};
    if (input.name !== undefined && input.name !== before.name) changes.name = input.name;
    if (input.brandColor !== undefined && input.brandColor !== before.brandColor) changes.brandColor = input.brandColor;
    if (input.logoUrl !== undefined && input.logoUrl !== before.logoUrl) changes.logoUrl = input.logoUrl;
    if (Object.keys(changes).length === 0) return before;
    const [row] = await tx.execute<OrganizationRow[]>(
      `update organization set name = coalesce(?, name), brand_color = coalesce(?, brand_color), logo_url = case when ? then ? else logo_url end
        where id = ? returning id, name, brand_color, logo_url, created_at`,
      [input.name ?? null, input.brandColor ?? null, input.logoUrl !== undefined, input.logoUrl ?? null, input.organizationId],
    );
    await recordAudit(tx, { organizationId: input.organizationId, actor: input.actor, type: 'organization.updated', data: changes });
    return view(row!);
  });
}
