// What a company looks like to its members: its name, colour and logo (the header of every
// e-mail). Read and changed by its administrators.
import type { EntityManager } from '../../db/orm.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';

export interface CompanySettingsView {
  id: string;
  name: string;
  brandColor: string;
  logoUrl: string | null;
  createdAt: string;
}

interface CompanySettingsRow {
  id: string;
  name: string;
  brand_color: string;
  logo_url: string | null;
  created_at: Date;
}

const view = (row: CompanySettingsRow): CompanySettingsView => ({
  id: row.id,
  name: row.name,
  brandColor: row.brand_color,
  logoUrl: row.logo_url,
  createdAt: new Date(row.created_at).toISOString(),
});

export async function getCompanySettings(em: EntityManager, companyId: string): Promise<CompanySettingsView> {
  const [row] = await em.execute<CompanySettingsRow[]>('select id, name, brand_color, logo_url, created_at from organization where id = ?', [companyId]);
  if (!row) throw new DomainError('organization_not_found', 'not_found', 'no such company');
  return view(row);
}

export async function updateCompanySettings(
  em: EntityManager,
  input: { companyId: string; actor: string; name?: string; brandColor?: string; logoUrl?: string | null },
): Promise<CompanySettingsView> {
  return em.transactional(async (tx) => {
    const before = await getCompanySettings(tx, input.companyId);
    const changes: Partial<Record<'name' | 'brandColor' | 'logoUrl', unknown>> = {};
    if (input.name !== undefined && input.name !== before.name) changes.name = input.name;
    if (input.brandColor !== undefined && input.brandColor !== before.brandColor) changes.brandColor = input.brandColor;
    if (input.logoUrl !== undefined && input.logoUrl !== before.logoUrl) changes.logoUrl = input.logoUrl;
    if (Object.keys(changes).length === 0) return before;
    const [row] = await tx.execute<CompanySettingsRow[]>(
      `update organization set name = coalesce(?, name), brand_color = coalesce(?, brand_color), logo_url = case when ? then ? else logo_url end
        where id = ? returning id, name, brand_color, logo_url, created_at`,
      [input.name ?? null, input.brandColor ?? null, input.logoUrl !== undefined, input.logoUrl ?? null, input.companyId],
    );
    await recordAudit(tx, { companyId: input.companyId, actor: input.actor, type: 'organization.updated', data: changes });
    return view(row!);
  });
}
