// The administrators' member pages: an import's progress, a member's page with its actions and
// history, and removal behind a confirmation. Inviting is admin-invite.ts.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { sql } from 'kysely';
import { z } from 'zod';
import { InviteMemberBody, PatchMemberBody } from '../../http/schemas/members.schema.ts';
import { DateOnly } from '../../http/schemas/common.schema.ts';
import { DomainError } from '../../domain/errors.ts';
import { importProgress } from '../../domain/imports/member-import.ts';
import { updateMember } from '../../domain/members/update-member.ts';
import { refuseOperatorStaff } from '../../domain/members/operator-staff.ts';
import { keyName } from './api-keys.ts';
import { getMember, memberHistory, offboardingFinished, type AuditAudience } from '../../domain/members/queries.ts';
import type { DisconnectCounts } from '../../domain/disconnects.ts';
import { sendCsv } from '../csv.ts';
import { stockCards } from '../../domain/cards/stock.ts';
import { listSites } from '../../domain/sites/sites.ts';
import { AccessDaysFields, accessDaysForm, accessDaysOf, DayPassDatesField } from '../access-days.ts';
import { memberDoors } from '../../domain/access/member-doors.ts';
import { describeWindows } from '../../domain/access/words.ts';
import { pageState } from '../page-context.ts';
import { domainMessage, idParam, parseForm, requireAdmin, see, type PageDeps, type Renderer } from '../page.ts';
import type { Viewer } from '../page-context.ts';
import type { OffboardingReport } from '../../contract/workflows.ts';

const RegisterCardForm = z.object({ cardNumber: z.string().trim().min(1).max(64), replace: z.literal('on').optional() });
const DatesForm = z.object({ startsOn: DateOnly.optional(), endsOn: DateOnly.optional() });
const AccessForm = z.object({
  ...AccessDaysFields,
  dates: DayPassDatesField.optional(),
});
const DecisionForm = z.object({ decision: z.enum(['approve', 'refuse']) });
const CardLostForm = z.object({ reason: z.enum(['lost', 'damaged']) });
const RemoveForm = z.object({ reason: z.string().trim().max(500).optional() });
const RoleForm = z.object({ role: PatchMemberBody.shape.role.unwrap() });
const DetailsForm = z.object({
  name: z.string().trim().max(200).optional(),
  email: InviteMemberBody.shape.email,
  locale: InviteMemberBody.shape.locale.unwrap(),
  siteId: z.uuid().optional(),
});

/**
 * The history in people's words: each actor by name (a member, a door controller, an API key, the
 * platform itself, the command line) and, where the event changed something, from what to what.
 */
async function readableHistory(ctx: Context, deps: PageDeps, render: Renderer, companyId: string, events: Awaited<ReturnType<typeof memberHistory>>) {
  const idsOf = (prefix: string) => [...new Set(events.map((e) => new RegExp(`^${prefix}:([0-9a-f-]{36})$`).exec(e.actor)?.[1]).filter((id): id is string => Boolean(id)))];
  const db = deps.em().getKysely();
  const lookup = async (prefix: string, ids: string[], query: (ids: string[]) => Promise<{ id: string; label: string }[]>) =>
    ids.length ? (await query(ids)).map((r): [string, string] => [`${prefix}:${r.id}`, r.label]) : [];
  const companySites = db.selectFrom('company_site').select('site_id').where('organization_id', '=', companyId);
  const siteIds = [...new Set(events.flatMap((e) => (e.type === 'member.site_changed' ? [e.data.from, e.data.to] : [])).filter((v): v is string => typeof v === 'string'))];
  const [members, doors, keys, operatorKeys, sites] = await Promise.all([
    // The company's own people, and the operator's staff who acted for it (support, audited by name).
    lookup('member', idsOf('member'), (ids) =>
      db.selectFrom('member').select(['id', sql<string>`coalesce(nullif(name, ''), email)`.as('label')]).where((eb) => eb.or([eb('organization_id', '=', companyId), eb('operator_admin', '=', true)])).where('id', 'in', ids).execute(),
    ),
    lookup('door-controller', idsOf('door-controller'), (ids) => db.selectFrom('door_controller').select(['id', 'name as label']).where('site_id', 'in', companySites).where('id', 'in', ids).execute()),
    lookup('api-key', idsOf('api-key'), (ids) => db.selectFrom('api_key').select(['id', 'name as label']).where('organization_id', '=', companyId).where('id', 'in', ids).execute()),
    lookup('operator-key', idsOf('operator-key'), (ids) =>
      db
        .selectFrom('api_key')
        .select(['id', 'name as label'])
        .where('organization_id', 'is', null)
        .where('operator_id', '=', db.selectFrom('organization').select('operator_id').where('id', '=', companyId))
        .where('id', 'in', ids)
        .execute(),
    ),
    lookup('site', siteIds, (ids) => db.selectFrom('site').select(['id', 'name as label']).where('id', 'in', companySites).where('id', 'in', ids).execute()),
  ]);
  const names = new Map([...members, ...keys]);
  for (const [actor, name] of doors) names.set(actor, render.t(ctx, 'history.door_controller', { name }));
  for (const [actor, name] of keys) names.set(actor, render.t(ctx, 'history.api_key', { name: keyName(ctx, render, name) }));
  for (const [actor, name] of operatorKeys) names.set(actor, render.t(ctx, 'history.operator_key', { name: keyName(ctx, render, name) }));
  const offboarding = render.t(ctx, 'history.company_offboarding');
  const siteNames = new Map(sites.map(([key, name]) => [key.slice('site:'.length), name]));
  const plainActors: Record<string, string> = { system: 'history.system', schedule: 'history.schedule', 'sign-up': 'history.sign_up', 'join-policy': 'history.join_policy', sso: 'history.sso' };
  const actorName = (actor: string) =>
    names.get(actor) ?? (actor.startsWith('company-offboarding:') ? offboarding : plainActors[actor] ? render.t(ctx, plainActors[actor]) : actor.startsWith('cli:') ? render.t(ctx, 'history.cli') : actor);
  const detail = (e: (typeof events)[number]): string | null => {
    const d = e.data as Record<string, unknown>;
    if (e.type === 'member.role_changed') return `${render.t(ctx, `roles.${String(d.from)}`)} → ${render.t(ctx, `roles.${String(d.to)}`)}`;
    if (e.type === 'member.dates_changed' && d.to && typeof d.to === 'object') {
      const to = d.to as { startsOn?: string | null; endsOn?: string | null; endsAt?: string | null };
      return render.t(ctx, 'history.dates', { startsOn: to.startsOn ?? '—', endsOn: to.endsOn ?? (to.endsAt ? to.endsAt.slice(0, 16).replace('T', ' ') : '—') });
    }
    if (e.type === 'card.lost' && (d.cause === 'lost' || d.cause === 'damaged')) {
      const cards = ((d.result as { cards?: string[] } | undefined)?.cards ?? []).join(', ');
      return render.t(ctx, `history.card_${d.cause}`, { cards });
    }
    if (e.type === 'access.wifi_revoked') {
      // Which access points were asked to end the member's sessions, and what each answered.
      const sent = disconnectWords(ctx, render, (d.result as { disconnect?: Disconnects } | undefined)?.disconnect);
      return sent.length ? sent.join(' · ') : null;
    }
    if ((e.type === 'email.sent' || e.type === 'email.failed') && typeof d.template === 'string' && render.has(ctx, `history.emails.${d.template}`)) {
      return render.t(ctx, 'history.email_to', { what: render.t(ctx, `history.emails.${d.template}`), to: String(d.to ?? '') });
    }
    if (e.type === 'member.access_changed') {
      // Access days in the page's words; a day pass's dates as they are.
      const days = (v: unknown) => (Array.isArray(v) ? v.map((c) => render.t(ctx, `access_days.choices.${String(c)}`)).join(' + ') : render.t(ctx, 'access_days.grant'));
      const change = (d.accessDays ?? d.dates) as { from: unknown; to: unknown } | undefined;
      if (!change) return null;
      return d.accessDays ? `${days(change.from)} → ${days(change.to)}` : `${[change.from].flat().join(', ')} → ${[change.to].flat().join(', ')}`;
    }
    if (e.type === 'member.site_changed') return `${siteNames.get(String(d.from)) ?? '—'} → ${siteNames.get(String(d.to)) ?? '—'}`;
    if (e.type === 'member.updated' && d.changes && typeof d.changes === 'object') {
      return Object.entries(d.changes as Record<string, { from: unknown; to: unknown }>).map(([field, c]) => render.t(ctx, 'history.change', { field: render.t(ctx, `history.fields.${field}`), from: String(c.from), to: String(c.to) })).join(' · ');
    }
    return null;
  };
  return events.map((e) => ({ ...e, actorName: actorName(e.actor), detail: detail(e) }));
}

/** The last removal's report in words: who removed them, and what each step did. */
function readableReport(ctx: Context, render: Renderer, history: Awaited<ReturnType<typeof readableHistory>>) {
  const removal = history.find((e) => e.type === 'member.removed');
  const report = (removal?.data as { report?: OffboardingReport } | undefined)?.report;
  if (!removal || !report) return null;
  return {
    ...report,
    removedByName: removal.actorName,
    disconnects: disconnectWords(ctx, render, report.wifi.disconnect as Disconnects | undefined),
  };
}

/** The operator's staff read each access point's answer; a company reads how many answered. */
const historyAudience = (viewer: Viewer): AuditAudience => (viewer.operatorAdmin ? 'operator' : 'company');

type Disconnects = { client: string; answer: string }[] | DisconnectCounts;
function disconnectWords(ctx: Context, render: Renderer, sent: Disconnects | undefined): string[] {
  if (!sent) return [];
  if (Array.isArray(sent)) return sent.map((o) => render.t(ctx, `history.disconnect.${o.answer}`, { client: o.client }));
  return sent.points ? [render.t(ctx, 'history.disconnect.counted', { confirmed: String(sent.confirmed), points: String(sent.points) })] : [];
}

export function adminMemberPages(router: Router, deps: PageDeps, render: Renderer): void {
  /** An admin acting on a member of their own company (another's ids are simply not found). */
  const target = async (ctx: Context) => {
    const admin = requireAdmin(ctx);
    const id = idParam(ctx);
    // The operator's staff help any member (support): they act in the member's company, under their own name.
    const company = admin.operatorAdmin
      ? await deps
          .em()
          .getKysely()
          .selectFrom('member as m')
          .innerJoin('organization as o', 'o.id', 'm.organization_id')
          .select('m.organization_id')
          .where('m.id', '=', id)
          .where('o.operator_id', '=', admin.operatorId)
          .executeTakeFirst()
      : undefined;
    const viewer = company ? { ...admin, companyId: company.organization_id } : admin;
    await getMember(deps.em(), viewer.companyId, id);
    if (ctx.method !== 'GET') await refuseOperatorStaff(deps.em(), id, viewer.operatorAdmin);
    return { viewer, id };
  };

  router.get('/admin/imports/:id', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const progress = await importProgress(deps.em(), viewer.companyId, idParam(ctx));
    const percent = progress.total ? Math.round((progress.processed / progress.total) * 100) : 100;
    render(ctx, 'admin/import', { progress, percent, running: progress.status === 'running' });
  });

  router.get('/admin/imports/:id/status', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const progress = await importProgress(deps.em(), viewer.companyId, idParam(ctx));
    ctx.type = 'application/json';
    ctx.body = { state: `${progress.status}:${progress.processed}` };
  });

  // ---- a member's profile -----------------------------------------------------------------------
  const memberPage = async (ctx: Context, viewer: Viewer, id: string, extra: Record<string, unknown> = {}, status = 200) => {
    const member = await getMember(deps.em(), viewer.companyId, id);
    const [lifecycle, history, sites] = await Promise.all([
      member.status === 'removed' ? null : deps.lifecycles.adminState(id),
      memberHistory(deps.em(), viewer.companyId, id, historyAudience(viewer)),
      listSites(deps.em(), { companyId: viewer.companyId }),
    ]);
    const site = sites.find((s) => s.id === member.siteId) ?? null;
    const readable = await readableHistory(ctx, deps, render, viewer.companyId, [...history].reverse());
    const stock = site && member.status !== 'removed' ? await stockCards(deps.em(), { companyId: viewer.companyId }, site.id) : [];
    // Their doors and hours in words: "Entrance and common areas, Suite 301 — Mon–Fri 06:00–22:00".
    const locale = pageState(ctx).locale;
    const doors = (await memberDoors(deps.em(), viewer.companyId, id)).lines.map((line) => ({ zones: line.zones.join(', '), hours: describeWindows(line.windows, locale), closures: line.closures }));
    render(
      ctx,
      'admin/member',
      {
        here: `/admin/members/${id}`,
        member,
        lifecycle,
        history: readable,
        report: member.status === 'removed' ? readableReport(ctx, render, readable) : null,
        site,
        stock: stock.slice(0, 500),
        removed: member.status === 'removed',
        passwordPending: lifecycle?.account.stage !== 'password_set',
        emailHint: lifecycle?.account.stage === 'password_set' ? 'active' : 'invited',
        sites,
        multipleSites: sites.length > 1,
        hasCard: member.card?.state === 'assigned',
        awaitingApproval: member.status === 'awaiting_approval',
        isSelf: member.id === viewer.memberId,
        doors,
        dayPass: member.kind === 'day_pass',
        access: { ...accessDaysForm(member.accessDays), dates: member.dates?.join(' ') ?? '' },
        timeZone: site?.timeZone ?? viewer.timeZone,
        ...extra,
      },
      status,
    );
  };

  router.get('/admin/members/:id', async (ctx) => {
    const { viewer, id } = await target(ctx);
    await memberPage(ctx, viewer, id);
  });

  const refusal = async (ctx: Context, viewer: Viewer, id: string, error: unknown, field: string) => {
    if (!(error instanceof DomainError) || error.kind === 'not_found' || error.kind === 'unavailable') throw error;
    return memberPage(ctx, viewer, id, { errors: { [field]: domainMessage(ctx, render, error) } }, error.kind === 'invalid' ? 400 : 409);
  };

  // Whether a removal's offboarding has finished (its report written): the page reloads when it has.
  router.get('/admin/members/:id/offboarding', async (ctx) => {
    const { viewer, id } = await target(ctx);
    ctx.type = 'application/json';
    ctx.body = { state: (await offboardingFinished(deps.em(), viewer.companyId, id)) ? 'done' : 'pending' };
  });

  // The member's history as a spreadsheet: the same words as on the page, oldest first.
  router.get('/admin/members/:id/history.csv', async (ctx) => {
    const { viewer, id } = await target(ctx);
    const events = await readableHistory(ctx, deps, render, viewer.companyId, await memberHistory(deps.em(), viewer.companyId, id, historyAudience(viewer)));
    const lines = [['occurred_at', 'event', 'type', 'detail', 'by', 'actor', 'data'], ...events.map((e) => [e.occurredAt, render.has(ctx, `events.${e.type}`) ? render.t(ctx, `events.${e.type}`) : e.type, e.type, e.detail ?? '', e.actorName, e.actor, JSON.stringify(e.data)])];
    sendCsv(ctx, `member-${id}-history.csv`, lines);
  });

  router.post('/admin/members/:id/role', async (ctx) => {
    const { viewer, id } = await target(ctx);
    const form = parseForm(ctx, render, RoleForm);
    if (!form.ok) return memberPage(ctx, viewer, id, { errors: form.errors }, 400);
    try {
      await deps.lifecycles.changeRole(id, form.data.role, viewer.actor);
    } catch (error) {
      return refusal(ctx, viewer, id, error, 'role');
    }
    see(ctx, `/admin/members/${id}?done=role_changed`);
  });

  router.post('/admin/members/:id/details', async (ctx) => {
    const { viewer, id } = await target(ctx);
    const form = parseForm(ctx, render, DetailsForm);
    const values = ctx.request.body as Record<string, string>;
    if (!form.ok) return memberPage(ctx, viewer, id, { values, errors: form.errors }, 400);
    let outcome;
    try {
      outcome = await updateMember({ em: deps.em(), lifecycles: deps.lifecycles }, { companyId: viewer.companyId, memberId: id, ...form.data, name: form.data.name || undefined, actor: viewer.actor, byOperator: viewer.operatorAdmin });
    } catch (error) {
      // A site change refused (the card belongs to the current site) is said on the site field;
      // any other refusal (an address already taken, a removed member) on the e-mail.
      if (error instanceof DomainError && error.code === 'card_already_registered') return memberPage(ctx, viewer, id, { values, errors: { siteId: render.t(ctx, 'member.site_locked') } }, 409);
      return refusal(ctx, viewer, id, error, 'email');
    }
    see(ctx, `/admin/members/${id}?done=${outcome.invitationResent ? 'member_updated_invited' : outcome.emailChangePending ? 'member_updated_email_pending' : 'member_updated'}`);
  });

  // Narrowed access days (never wider than the company's grants), and a day pass's dates.
  router.post('/admin/members/:id/access', async (ctx) => {
    const { viewer, id } = await target(ctx);
    const form = parseForm(ctx, render, AccessForm);
    const values = ctx.request.body as Record<string, string>;
    if (!form.ok) return memberPage(ctx, viewer, id, { values, errors: form.errors }, 400);
    const { dates } = form.data;
    try {
      await updateMember({ em: deps.em(), lifecycles: deps.lifecycles }, { companyId: viewer.companyId, memberId: id, accessDays: accessDaysOf(form.data), ...(dates ? { dates } : {}), actor: viewer.actor, byOperator: viewer.operatorAdmin });
    } catch (error) {
      return refusal(ctx, viewer, id, error, error instanceof DomainError && typeof error.details.field === 'string' ? error.details.field : 'accessDays');
    }
    see(ctx, `/admin/members/${id}?done=access_changed`);
  });

  // A blank date clears it: the lifecycle re-plans (an earlier start may send the invitation now).
  router.post('/admin/members/:id/dates', async (ctx) => {
    const { viewer, id } = await target(ctx);
    const form = parseForm(ctx, render, DatesForm);
    const values = ctx.request.body as Record<string, string>;
    if (!form.ok) return memberPage(ctx, viewer, id, { values, errors: form.errors }, 400);
    try {
      await updateMember({ em: deps.em(), lifecycles: deps.lifecycles }, { companyId: viewer.companyId, memberId: id, startsOn: form.data.startsOn ?? null, endsOn: form.data.endsOn ?? null, actor: viewer.actor, byOperator: viewer.operatorAdmin });
    } catch (error) {
      if (error instanceof DomainError && error.code === 'invalid_dates') return memberPage(ctx, viewer, id, { values, errors: { [String(error.details.field ?? 'startsOn')]: domainMessage(ctx, render, error) } }, 400);
      return refusal(ctx, viewer, id, error, 'startsOn');
    }
    see(ctx, `/admin/members/${id}?done=dates_changed`);
  });

  router.post('/admin/members/:id/invitation', async (ctx) => {
    const { viewer, id } = await target(ctx);
    try {
      await deps.lifecycles.resendInvitation(id, viewer.actor);
    } catch (error) {
      return refusal(ctx, viewer, id, error, 'invitation');
    }
    see(ctx, `/admin/members/${id}?done=invitation_resent`);
  });

  // A sign-up waiting for approval: approving takes a seat ("8 of 8 seats used" otherwise).
  router.post('/admin/members/:id/sign-up', async (ctx) => {
    const { viewer, id } = await target(ctx);
    const form = parseForm(ctx, render, DecisionForm);
    if (!form.ok) return memberPage(ctx, viewer, id, { errors: form.errors }, 400);
    try {
      await deps.lifecycles.decideSignUp(id, form.data.decision === 'approve', viewer.actor);
    } catch (error) {
      return refusal(ctx, viewer, id, error, 'signUp');
    }
    see(ctx, `/admin/members/${id}?done=${form.data.decision === 'approve' ? 'sign_up_approved' : 'sign_up_refused'}`);
  });

  // "Change the access card for …": the card is lost or damaged; revoked now, the member registers another.
  router.post('/admin/members/:id/card-lost', async (ctx) => {
    const { viewer, id } = await target(ctx);
    const form = parseForm(ctx, render, CardLostForm);
    if (!form.ok) return memberPage(ctx, viewer, id, { errors: form.errors }, 400);
    try {
      await deps.lifecycles.cardLost(id, form.data.reason, viewer.actor);
    } catch (error) {
      return refusal(ctx, viewer, id, error, 'cardLost');
    }
    see(ctx, `/admin/members/${id}?done=member_card_lost`);
  });

  router.post('/admin/members/:id/card', async (ctx) => {
    const { viewer, id } = await target(ctx);
    const form = parseForm(ctx, render, RegisterCardForm);
    const values = ctx.request.body as Record<string, string>;
    if (!form.ok) return memberPage(ctx, viewer, id, { values, errors: form.errors }, 400);
    let result;
    try {
      result = await deps.lifecycles.registerCard(id, { cardNumber: form.data.cardNumber, replace: form.data.replace === 'on', actor: viewer.actor });
    } catch (error) {
      return refusal(ctx, viewer, id, error, 'cardNumber');
    }
    if (result.decision === 'rejected') {
      // An admin is the administrator a member would be sent to: who stocks cards is the operator.
      const words = viewer.operatorAdmin ? `rejections_operator.${result.reason}` : `rejections_admin.${result.reason}`;
      return memberPage(ctx, viewer, id, { values, errors: { cardNumber: render.t(ctx, render.has(ctx, words) ? words : `rejections.${result.reason}`) } }, 422);
    }
    see(ctx, `/admin/members/${id}?done=member_card_registered`);
  });

  // ---- removal: a confirmation page first --------------------------------------------------------
  const removePage = async (ctx: Context, viewer: Viewer, id: string, extra: Record<string, unknown> = {}, status = 200) => {
    const member = await getMember(deps.em(), viewer.companyId, id);
    if (member.status === 'removed') return see(ctx, `/admin/members/${id}`);
    // The last administrator's removal is refused up front, not after the confirmation.
    const admins = member.role === 'admin'
      ? await deps.em().getKysely().selectFrom('member').select(sql<number>`count(*)::int`.as('n')).where('organization_id', '=', viewer.companyId).where('role', '=', 'admin').where('status', '<>', 'removed').executeTakeFirstOrThrow()
      : { n: 2 };
    render(ctx, 'admin/remove', { here: `/admin/members/${id}/remove`, member, isSelf: member.id === viewer.memberId, lastAdmin: admins.n <= 1, ...extra }, status);
  };

  router.get('/admin/members/:id/remove', async (ctx) => removePage(ctx, requireAdmin(ctx), idParam(ctx)));

  router.post('/admin/members/:id/remove', async (ctx) => {
    const { viewer, id } = await target(ctx);
    const form = parseForm(ctx, render, RemoveForm);
    if (!form.ok) return removePage(ctx, viewer, id, { errors: form.errors }, 400);
    try {
      await deps.lifecycles.remove(id, { actor: viewer.actor, reason: form.data.reason });
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind === 'not_found' || error.kind === 'unavailable') throw error;
      return removePage(ctx, viewer, id, { formError: domainMessage(ctx, render, error) }, 409);
    }
    // Removing yourself ends your own session: the lifecycle revoked it.
    see(ctx, id === viewer.memberId ? '/login?done=removed_self' : `/admin/members/${id}?done=removed`);
  });
}
