import type { EntityManager } from '@mikro-orm/core';
import { ApiKey, AuditEvent, Member, Organization, Site, type MemberLocale } from '../../db/entities/index.ts';
import { generateApiKey } from '../api-keys.ts';

export interface CreateOrganizationOptions {
  name: string;
  adminEmail: string;
  adminName?: string;
  adminLocale?: MemberLocale;
  siteName: string;
  siteTimeZone?: string;
  /** The Wi-Fi network members of the first site join (shown with their credentials). */
  siteWifiSsid?: string;
  /** #rrggbb and an https:// logo for the e-mails' header; PATCH /v1/organization changes them later. */
  brandColor?: string;
  logoUrl?: string;
  actor: string;
}

export interface CreatedOrganization {
  organizationId: string;
  apiKey: string;
  siteId: string;
  adminMemberId: string;
}

/** A new customer: the organisation, its first site, its first admin and an API key, in one transaction. */
export async function createOrganization(em: EntityManager, options: CreateOrganizationOptions): Promise<CreatedOrganization> {
  const key = generateApiKey();
  return em.transactional(async (tx) => {
    const organization = tx.create(Organization, {
      name: options.name.trim(),
      ...(options.brandColor ? { brandColor: options.brandColor.toLowerCase() } : {}),
      logoUrl: options.logoUrl ?? null,
    });
    const site = tx.create(Site, {
      organization,
      name: options.siteName.trim(),
      ...(options.siteTimeZone ? { timeZone: options.siteTimeZone } : {}),
      ...(options.siteWifiSsid ? { wifiSsid: options.siteWifiSsid.trim() } : {}),
    });
    const email = options.adminEmail.trim().toLowerCase();
    const admin = tx.create(Member, {
      organization,
      site,
      email,
      name: options.adminName?.trim() || email.split('@')[0]!,
      role: 'admin',
      locale: options.adminLocale ?? 'fr',
    });
    const apiKey = tx.create(ApiKey, { organization, name: 'Initial key', prefix: key.prefix, secretHash: key.secretHash });
    tx.create(AuditEvent, {
      organization,
      actor: options.actor,
      type: 'organization.created',
      data: { name: organization.name, siteId: site.id, adminMemberId: admin.id, apiKeyId: apiKey.id },
    });
    await tx.flush();
    return { organizationId: organization.id, apiKey: key.plaintext, siteId: site.id, adminMemberId: admin.id };
  });
}
