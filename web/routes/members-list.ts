// The members list: status chips with their counts, search, sortable columns, the members
// ticked on a page acted on together (resend, move to a site, remove after one confirmation),
// and the filtered list as a CSV file.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { MEMBER_KINDS, MEMBER_STATUSES } from '../../db/entities/index.ts';
import { DomainError } from '../../domain/errors.ts';
import { statusCounts } from '../../domain/members/overview.ts';
import { currentMembersByIds, listMembers, MEMBER_DUE, MEMBER_SORTS } from '../../domain/members/queries.ts';
import { updateMember } from '../../domain/members/update-member.ts';
import { refuseOperatorStaff } from '../../domain/members/operator-staff.ts';
import { listSites } from '../../domain/sites/sites.ts';
import { sendCsv } from '../csv.ts';
import { domainMessage, parseForm, requireAdmin, see, type PageDeps, type Renderer } from '../page.ts';
import type { Viewer } from '../page-context.ts';

const PAGE_SIZE = 25;
const CSV_EXPORT_MAX = 100_000;
const SelectedIds = z.array(z.uuid()).min(1).max(100);
const BulkForm = z.object({ ids: SelectedIds, action: z.enum(['resend', 'remove', 'site']), siteId: z.uuid().optional() });
const BulkRemoveForm = z.object({ ids: SelectedIds, reason: z.string().trim().max(500).optional() });

const countParam = (value: unknown) => Math.min(Math.max(Math.trunc(Number(value)) || 0, 0), 100);

/** Registered before the member pages: `/admin/members/bulk/remove` is not a member's removal. */
export function membersListPages(router: Router, deps: PageDeps, render: Renderer): void {
  // ---- list: filter chips, search, sorting, several at once, CSV export ---------------------------
  const listQuery = (ctx: Context) => {
    const one = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
    const status = MEMBER_STATUSES.find((s) => s === ctx.query.status);
    const kind = MEMBER_KINDS.find((k) => k === ctx.query.kind);
    const due = MEMBER_DUE.find((d) => d === ctx.query.due);
    const sort = MEMBER_SORTS.find((s) => s === ctx.query.sort) ?? '-invited';
    const q = one(ctx.query.q)?.slice(0, 200);
    const cursor = one(ctx.query.cursor)?.slice(0, 500);
    return { status, kind, due, sort, q, cursor };
  };
  const filterParams = (f: ReturnType<typeof listQuery>, extra: Record<string, string | undefined> = {}) => {
    const entries = Object.entries({ status: f.status, kind: f.kind, due: f.due, q: f.q, sort: f.sort === '-invited' ? undefined : f.sort, ...extra }).filter((e): e is [string, string] => Boolean(e[1]));
    return new URLSearchParams(entries).toString();
  };

  router.get('/admin/members', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const f = listQuery(ctx);
    const scope = { companyId: viewer.companyId };
    const list = (cursor: string | undefined) => listMembers(deps.em(), scope, { status: f.status ? [f.status] : undefined, kind: f.kind, q: f.q, due: f.due, sort: f.sort, cursor, limit: PAGE_SIZE });
    // A cursor from another order (or tampered with) starts the list again rather than failing.
    const page = await list(f.cursor).catch((error: unknown) => {
      if (error instanceof DomainError && error.code === 'cursor_invalid') return list(undefined);
      throw error;
    });
    const [counts, sites] = await Promise.all([statusCounts(deps.em(), scope), listSites(deps.em(), scope)]);
    const at = (path: string, extra: Record<string, string | undefined> = {}) => {
      const query = filterParams(f, extra);
      return query ? `${path}?${query}` : path;
    };
    const sortLink = (column: 'invited' | 'name' | 'status') => {
      const ascending = f.sort === column;
      const current = f.sort.replace('-', '') === column;
      // The first click on a column sorts it the way people expect (names A→Z, newest invitations first).
      const next = current ? (ascending ? `-${column}` : column) : column === 'invited' ? '-invited' : column;
      return { url: at('/admin/members', { sort: next === '-invited' ? undefined : next }), sorted: current ? (ascending ? 'ascending' : 'descending') : null };
    };
    render(ctx, 'admin/members', {
      page,
      filters: f,
      chips: [
        { label: render.t(ctx, 'members.all'), count: MEMBER_STATUSES.reduce((n, s) => n + counts[s], 0), url: at('/admin/members', { status: undefined, due: undefined }), current: !f.status && !f.due },
        ...MEMBER_STATUSES.map((status) => ({ label: render.t(ctx, `status.${status}`), count: counts[status], url: at('/admin/members', { status, due: undefined }), current: f.status === status })),
      ],
      dueLabel: f.due ? render.t(ctx, `overview.lists.${f.due}`) : null,
      clearDueUrl: at('/admin/members', { due: undefined }),
      sorts: { name: sortLink('name'), status: sortLink('status'), invited: sortLink('invited') },
      filtered: Boolean(f.status || f.q || f.due || f.kind),
      sites,
      multipleSites: sites.length > 1,
      csvUrl: at('/admin/members.csv'),
      // What a bulk action did, for its message (read back from its redirect).
      count: countParam(ctx.query.count),
      bulkSkipped: countParam(ctx.query.skipped),
      nextUrl: page.nextCursor ? at('/admin/members', { cursor: page.nextCursor }) : null,
      firstUrl: f.cursor ? at('/admin/members') : null,
    });
  });

  // The filtered list as a spreadsheet: every matching member, not only the page on screen.
  router.get('/admin/members.csv', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const f = listQuery(ctx);
    const scope = { companyId: viewer.companyId };
    const sites = new Map((await listSites(deps.em(), scope)).map((site) => [site.id, site.name]));
    const lines: string[][] = [['name', 'email', 'role', 'status', 'site', 'card', 'starts_on', 'ends_on', 'invited_at', 'external_id', 'id']];
    let cursor: string | undefined;
    do {
      const page = await listMembers(deps.em(), scope, { status: f.status ? [f.status] : undefined, q: f.q, due: f.due, sort: f.sort, cursor, limit: 1000 });
      for (const m of page.items) {
        lines.push([m.name, m.email, m.role, m.status, m.siteId ? (sites.get(m.siteId) ?? '') : '', m.card?.state === 'assigned' ? m.card.number : '', m.startsOn ?? '', m.endsOn ?? '', m.createdAt, m.externalId ?? '', m.id]);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor && lines.length <= CSV_EXPORT_MAX);
    sendCsv(ctx, 'members.csv', lines);
  });

  // Several members at once. Resending and changing site happen at once (each member's own rules
  // still apply: who has a password gets no invitation, a card ties a member to its site); removal
  // is asked on a confirmation page that names everyone first.
  router.post('/admin/members/bulk', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const form = parseForm(ctx, render, BulkForm, ['ids']);
    if (!form.ok) return see(ctx, '/admin/members?done=bulk_nothing');
    const members = await membersOf(viewer.companyId, form.data.ids);
    if (!members.length) return see(ctx, '/admin/members?done=bulk_nothing');
    if (form.data.action === 'remove') return bulkRemovePage(ctx, viewer, members);
    let done = 0;
    if (form.data.action === 'resend') {
      for (const m of members) {
        try {
          await refuseOperatorStaff(deps.em(), m.id, viewer.operatorAdmin);
          await deps.lifecycles.resendInvitation(m.id, viewer.actor);
          done += 1;
        } catch (error) {
          if (!(error instanceof DomainError) || error.kind === 'unavailable') throw error;
        }
      }
      return see(ctx, `/admin/members?done=bulk_resent&count=${done}&skipped=${members.length - done}`);
    }
    if (!form.data.siteId) return see(ctx, '/admin/members?done=bulk_no_site');
    for (const m of members) {
      try {
        await updateMember({ em: deps.em(), lifecycles: deps.lifecycles }, { companyId: viewer.companyId, memberId: m.id, siteId: form.data.siteId, actor: viewer.actor, byOperator: viewer.operatorAdmin });
        done += 1;
      } catch (error) {
        if (!(error instanceof DomainError) || error.kind === 'unavailable') throw error;
        if (error.code === 'site_not_found') return see(ctx, '/admin/members?done=bulk_no_site');
      }
    }
    see(ctx, `/admin/members?done=bulk_site_changed&count=${done}&skipped=${members.length - done}`);
  });

  router.post('/admin/members/bulk/remove', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const form = parseForm(ctx, render, BulkRemoveForm, ['ids']);
    if (!form.ok) return see(ctx, '/admin/members?done=bulk_nothing');
    const members = await membersOf(viewer.companyId, form.data.ids);
    let done = 0;
    const refused: { label: string; reason: string }[] = [];
    for (const m of members) {
      // Yourself last: removing yourself ends this session.
      if (m.id === viewer.memberId) continue;
      try {
        await refuseOperatorStaff(deps.em(), m.id, viewer.operatorAdmin);
        await deps.lifecycles.remove(m.id, { actor: viewer.actor, reason: form.data.reason });
        done += 1;
      } catch (error) {
        if (!(error instanceof DomainError) || error.kind === 'unavailable') throw error;
        refused.push({ label: m.label, reason: domainMessage(ctx, render, error) });
      }
    }
    if (members.some((m) => m.id === viewer.memberId)) refused.push({ label: members.find((m) => m.id === viewer.memberId)!.label, reason: render.t(ctx, 'members.bulk.not_yourself') });
    if (refused.length) return bulkRemovePage(ctx, viewer, [], { refused, done }, 409);
    see(ctx, `/admin/members?done=bulk_removed&count=${done}&skipped=0`);
  });

  const membersOf = (companyId: string, ids: string[]) => currentMembersByIds(deps.em(), companyId, ids);

  const bulkRemovePage = (ctx: Context, viewer: Viewer, members: { id: string; label: string; email: string }[], extra: Record<string, unknown> = {}, status = 200) =>
    render(ctx, 'admin/bulk-remove', { members, includesSelf: members.some((m) => m.id === viewer.memberId), ...extra }, status);
}
