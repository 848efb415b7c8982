import { z } from 'zod';
import { Timestamp, Uuid } from './common.schema.ts';

/** #rrggbb, stored lower-case: e-mail clients and MJML only take plain hex colours. */
const BrandColor = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour as #rrggbb, e.g. #1d4ed8')
  .transform((c) => c.toLowerCase())
  .meta({ example: '#1d4ed8' });

/** Shown in e-mails, so it must be reachable by any mail client: an absolute https:// address. */
const LogoUrl = z
  .url({ protocol: /^https$/, message: 'must be an https:// address of an image' })
  .max(2000)
  .meta({ example: 'https://www.example.org/logo.png' });

export const CompanySettings = z
  .object({ id: Uuid, name: z.string(), brandColor: z.string(), logoUrl: z.string().nullable(), createdAt: Timestamp })
  .meta({ id: 'Organization' });

export const UpdateCompanySettingsBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    brandColor: BrandColor.optional(),
    logoUrl: LogoUrl.nullable().optional().meta({ description: 'null removes the logo' }),
  })
  .meta({ id: 'UpdateCompanySettings' });
