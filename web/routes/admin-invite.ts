// Inviting people, as Workways' form does: one address or many pasted at once, a regular member
// or a guest on a day pass (its dates, a first and a last name), with or without an access card
// registration code, on the company's hours or narrowed access days; or a whole team from a CSV.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { InviteMemberBody } from '../../http/schemas/members.schema.ts';
import { DateOnly } from '../../http/schemas/common.schema.ts';
import { AccessDaysFields, accessDaysOf, DayPassDatesField } from '../access-days.ts';
import { DomainError } from '../../domain/errors.ts';
import { createMemberImport, IMPORT_MAX_ROWS, parseMembersCsv } from '../../domain/imports/member-import.ts';
import { inviteMember } from '../../domain/members/invite-member.ts';
import { listSites } from '../../domain/sites/sites.ts';
import { readFormFile } from '../multipart.ts';
import { domainMessage, parseForm, requireAdmin, see, type PageDeps, type Renderer } from '../page.ts';
import type { Viewer } from '../page-context.ts';

const CSV_MAX_BYTES = 1024 * 1024;

/**
 * Addresses pasted from a spreadsheet or a mail client: separated by commas, semicolons, spaces or
 * lines, each bare or as a mail client writes it (`Alice Martin <alice@example.com>`).
 */
const Addresses = z
  .string()
  .transform((text) => {
    const addresses = text.split(/[,;\n]+/).flatMap((part) => {
      const quoted = /<([^<>]+)>/.exec(part);
      return quoted ? [quoted[1]!] : part.split(/\s+/);
    });
    return [...new Set(addresses.map((a) => a.trim().toLowerCase()).filter(Boolean))];
  })
  .pipe(z.array(InviteMemberBody.shape.email).min(1).max(IMPORT_MAX_ROWS));

const InviteForm = z.object({
  email: Addresses,
  name: z.string().trim().max(200).optional(),
  role: InviteMemberBody.shape.role,
  siteId: z.uuid().optional(),
  locale: InviteMemberBody.shape.locale,
  startsOn: DateOnly.optional(),
  endsOn: DateOnly.optional(),
  kind: z.enum(['member', 'day_pass']).default('member'),
  dates: DayPassDatesField.optional(),
  // The box is sent only when ticked; `cardAsked` says the form had it.
  card: z.literal('on').optional(),
  ...AccessDaysFields,
});

export function invitePages(router: Router, deps: PageDeps, render: Renderer): void {
  const invitePage = async (ctx: Context, viewer: Viewer, extra: Record<string, unknown> = {}, status = 200) => {
    const sites = await listSites(deps.em(), { companyId: viewer.companyId });
    const values = { role: 'user', locale: viewer.locale, kind: 'member', card: 'on', accessDays: 'grant' };
    render(ctx, 'admin/invite', { here: '/admin/members/new', sites, severalSites: sites.length > 1, values, ...extra }, status);
  };

  router.get('/admin/members/new', async (ctx) => invitePage(ctx, requireAdmin(ctx)));

  router.post('/admin/members', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const values = ctx.request.body as Record<string, string>;
    const form = parseForm(ctx, render, InviteForm);
    if (!form.ok) return invitePage(ctx, viewer, { values, errors: form.errors }, 400);
    const { email: addresses, name, startsOn, endsOn, kind, dates, card, accessDays: _choice, saturday: _sat, sunday: _sun, ...invitation } = form.data;
    const access = { kind, dates, card: card === 'on', accessDays: accessDaysOf(form.data) };
    if (addresses.length > 1) {
      // Many at once: a bulk import (its progress page), each address its own invitation.
      const rows = addresses.map((email) => ({ email, role: invitation.role, locale: invitation.locale, siteId: invitation.siteId, startsOn, endsOn, ...access, accessDays: access.accessDays ?? undefined }));
      const created = await createMemberImport({ em: deps.em(), lifecycles: deps.lifecycles }, { companyId: viewer.companyId, actor: viewer.actor, source: 'json', rows });
      return see(ctx, `/admin/imports/${created.importId}`);
    }
    try {
      const invited = await inviteMember(
        { em: deps.em(), lifecycles: deps.lifecycles },
        { companyId: viewer.companyId, email: addresses[0]!, name, ...invitation, dates: { startsOn, endsOn }, access, actor: viewer.actor },
      );
      see(ctx, `/admin/members/${invited.memberId}?done=${invited.scheduled ? 'scheduled' : invited.reinvited ? 'reinvited' : 'invited'}`);
    } catch (error) {
      if (!(error instanceof DomainError) || !(['member_exists', 'site_required', 'site_not_found'].includes(error.code) || error.kind === 'invalid')) throw error;
      const field = error.code === 'member_exists' ? 'email' : typeof error.details.field === 'string' ? error.details.field : error.code.startsWith('site') ? 'siteId' : 'email';
      const existing = error.code === 'member_exists' ? (error.details.memberId as string | undefined) : undefined;
      return invitePage(ctx, viewer, { values, existing, errors: { [field]: domainMessage(ctx, render, error) } }, error.code === 'member_exists' ? 409 : 400);
    }
  });

  router.post('/admin/imports', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const fail = (message: string, status = 400) => invitePage(ctx, viewer, { csvErrors: { file: message } }, status);
    const upload = await readFormFile(ctx, render, CSV_MAX_BYTES);
    if (!upload.ok) return fail(upload.message, upload.status);
    try {
      const rows = parseMembersCsv(upload.text);
      const created = await createMemberImport(
        { em: deps.em(), lifecycles: deps.lifecycles },
        { companyId: viewer.companyId, actor: viewer.actor, source: 'csv', rows, reinvite: upload.fields.reinvite === 'on' },
      );
      see(ctx, `/admin/imports/${created.importId}`);
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'invalid') throw error;
      return fail(domainMessage(ctx, render, error));
    }
  });
}
