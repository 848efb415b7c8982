// What a company looks like to its members: its name, colour and logo (the header of every
// e-mail). Read and changed by its administrators.
import type { EntityManager, Row } from '../../db/orm.ts';
import { recordAudit } from '../audit.ts';
import { DomainError } from '../errors.ts';

export interface CompanySettingsView {
  id: string;
  name: string;
  brandColor: string;
  logoUrl: string | null;
  createdAt: string;
}

const COLUMNS = ['id', 'name', 'brand_color', 'logo_url', 'created_at'] as const;
type CompanySettingsRow = Pick<Row<'organization'>, (typeof COLUMNS)[number]>;

const view = (row: CompanySettingsRow): CompanySettingsView => ({
  id: row.id,
  name: row.name,
  brandColor: row.brand_color,
  logoUrl: row.logo_url,
  createdAt: new Date(row.created_at).toISOString(),
});

export async function getCompanySettings(em: EntityManager, companyId: string): Promise<CompanySettingsView> {
  const row = await em.getKysely().selectFrom('organization').select(COLUMNS).where('id', '=', companyId).executeTakeFirst();
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
    const row = await tx
      .getKysely()
      .updateTable('organization')
      .set({
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.brandColor !== undefined ? { brand_color: input.brandColor } : {}),
        ...(input.logoUrl !== undefined ? { logo_url: input.logoUrl } : {}),
      })
      .where('id', '=', input.companyId)
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    await recordAudit(tx, { companyId: input.companyId, actor: input.actor, type: 'organization.updated', data: changes });
    return view(row);
  });
}
