// What an e-mail says and to whom, read at send time: its recipients, the member it is about and
// their company's colours, and what each template adds (a link, a PIN, a report). Secrets (the
// invitation link, a reset code) are derived here and never stored in the outbox row.
import { sql } from 'kysely';
import type { MemberLocale } from '../db/entities/index.ts';
import type { EntityManager } from '../db/orm.ts';
import { RESET_CODE_TTL_MS } from '../domain/auth/reset-code.ts';
import { countDisconnects } from '../domain/disconnects.ts';
import { isUuid } from '../domain/ids.ts';
import { displayedRow, importCounts } from '../domain/imports/member-import.ts';
import type { Secrets } from '../domain/secrets.ts';
import { EMAIL_AUDIENCE, type CommonEmailData, type EmailTemplate, type TemplateData } from '../mail/catalog.ts';
import type { WifiCredentials } from '../providers/wifi.ts';
import type { OffboardingReport } from '../contract/workflows.ts';
import { createVisitContent, visitRecipient } from './visit-content.ts';

export interface SendEmailInput {
  key: string;
  companyId: string;
  memberId: string;
  /**
   * The member themself (at their address, or at the one a pending change moves them to,
   * `data.tokenId`), every live administrator of the company, or (a company leaving) its
   * administrators, removed or not, and the operator's; or the visitor of `data.visitId` (the
   * member is their host).
   */
  to: 'member' | 'new_address' | 'admins' | 'company_and_operator_admins' | 'webhook_admins' | 'visitor' | 'sign_up_address';
  template: EmailTemplate;
  data?: Record<string, unknown>;
  /** Stop retrying sooner than SMTP_RETRY_FOR: an e-mail that is useless late (a 15-minute code). */
  giveUpAfterMs?: number;
}

export interface Recipient {
  id: string;
  email: string;
  name: string;
  locale: MemberLocale;
}

/** What an e-mail needs from a provider, read before its outbox transaction opens. */
export interface ReadFirst {
  wifi?: WifiCredentials;
}

const IMPORT_PROBLEMS_SHOWN = 20;

export function createEmailContent({ secrets, publicUrl }: { secrets: Secrets; publicUrl: string }) {
  const visitContent = createVisitContent({ secrets, publicUrl });
  async function recipients(em: EntityManager, input: SendEmailInput): Promise<Recipient[]> {
    const db = em.getKysely();
    const columns = ['id', 'email', 'name', 'locale'] as const;
    if (input.to === 'member') return db.selectFrom('member').select(columns).where('id', '=', input.memberId).execute();
    if (input.to === 'visitor') return visitRecipient(em, String(input.data?.visitId));
    // Someone not yet a member: the address a sign-up request was made with (memberId is empty).
    if (input.to === 'sign_up_address') {
      const rows = await db.selectFrom('sign_up_request').select(['id', 'email', 'locale']).where('id', '=', String(input.data?.signUpId)).execute();
      return rows.map((r) => ({ id: r.id, email: r.email, name: r.email.split('@')[0]!, locale: r.locale === 'en' ? 'en' : 'fr' }));
    }
    if (input.to === 'new_address') {
      return db
        .selectFrom('auth_token as t')
        .innerJoin('member as m', 'm.id', 't.member_id')
        .select(['m.id', 't.new_email as email', 'm.name', 'm.locale'])
        .where('t.id', '=', String(input.data?.tokenId))
        .where('t.member_id', '=', input.memberId)
        .where('t.purpose', '=', 'email_change')
        .execute()
        .then((rows) => rows.filter((r): r is Recipient => r.email !== null));
    }
    // The operator's staff: live operator admins of any company of the operator of `companyId`.
    const operatorStaff = (companyId: string) =>
      sql<boolean>`(m.operator_admin and m.status <> 'removed' and m.organization_id in (select id from organization where operator_id = (select operator_id from organization where id = ${companyId})))`;
    if (input.to === 'company_and_operator_admins') {
      // One e-mail per address: someone both the company's admin and the operator's gets the company's.
      return db
        .selectFrom('member as m')
        .distinctOn('m.email')
        .select(['m.id', 'm.email', 'm.name', 'm.locale'])
        .where((eb) => eb.or([eb.and([eb('m.organization_id', '=', input.companyId), eb('m.role', '=', 'admin')]), operatorStaff(input.companyId)]))
        .orderBy('m.email')
        .orderBy(sql`(m.organization_id = ${input.companyId})`, 'desc')
        .execute();
    }
    if (input.to === 'webhook_admins') {
      // A company's endpoint: its admins; the operator's: the operator's staff.
      return db
        .selectFrom('webhook_endpoint as e')
        .innerJoin('member as m', (join) =>
          join.on('m.status', '<>', 'removed').on(sql<boolean>`(
                (e.organization_id is not null and m.organization_id = e.organization_id and m.role = 'admin')
             or (e.organization_id is null and m.operator_admin and m.organization_id in (select id from organization where operator_id = e.operator_id)))`),
        )
        .distinctOn('m.email')
        .select(['m.id', 'm.email', 'm.name', 'm.locale'])
        .where('e.id', '=', String(input.data?.endpointId))
        .orderBy('m.email')
        .execute();
    }
    // The member an admin e-mail is about is never its recipient (e.g. an admin being removed).
    return db
      .selectFrom('member')
      .select(columns)
      .where('organization_id', '=', input.companyId)
      .where('role', '=', 'admin')
      .where('status', '<>', 'removed')
      .where('id', '<>', input.memberId)
      .orderBy('email')
      .execute();
  }

  /** Who did it, in words: a member's name, an API key's name, or the actor id as recorded. */
  async function actorName(em: EntityManager, actor: string): Promise<string> {
    const [kind, id] = actor.split(/:(.*)/s);
    if (!id || !isUuid(id)) return actor;
    if (kind === 'member') {
      const row = await em.getKysely().selectFrom('member').select('name').where('id', '=', id).executeTakeFirst();
      if (row) return row.name;
    }
    if (kind === 'api-key' || kind === 'operator-key') {
      const row = await em.getKysely().selectFrom('api_key').select('name').where('id', '=', id).executeTakeFirst();
      if (row) return `${row.name} (API)`;
    }
    return actor;
  }

  /** The member the e-mail is about, with their company and site. */
  async function about(em: EntityManager, memberId: string) {
    const row = await em
      .getKysely()
      .selectFrom('member as m')
      .innerJoin('organization as o', 'o.id', 'm.organization_id')
      .leftJoin('site as s', 's.id', 'm.site_id')
      .select(['m.name', 'm.email', 'm.enrollment_pin', 'm.removed_at', 'o.name as company', 'o.brand_color', 'o.logo_url', 's.name as site', 's.time_zone'])
      .where('m.id', '=', memberId)
      .executeTakeFirst();
    if (!row) throw new Error(`member ${memberId} not found`);
    return row;
  }

  /** Everything the e-mail says but the recipient's name: the same for every admin it goes to. */
  async function content(em: EntityManager, input: SendEmailInput, read: ReadFirst): Promise<Omit<CommonEmailData, 'recipient'> & TemplateData[EmailTemplate]> {
    if (input.to === 'sign_up_address') return signUpContent(em, String(input.data?.signUpId));
    const member = await about(em, input.memberId);
    return {
      audience: EMAIL_AUDIENCE[input.template],
      member: { name: member.name, email: member.email },
      company: { name: member.company, brandColor: member.brand_color, logoUrl: member.logo_url },
      site: member.site ? { name: member.site } : null,
      timeZone: member.time_zone ?? 'UTC',
      homeUrl: publicUrl,
      ...(await specific(em, input, member, read)),
    };
  }

  /** The sign-up link: about an address, not yet a member; from its company. */
  async function signUpContent(em: EntityManager, signUpId: string) {
    const row = await em
      .getKysely()
      .selectFrom('sign_up_request as r')
      .innerJoin('organization as o', 'o.id', 'r.organization_id')
      .select(['r.email', 'r.expires_at', 'o.name as company', 'o.brand_color', 'o.logo_url'])
      .where('r.id', '=', signUpId)
      .executeTakeFirst();
    if (!row) throw new Error(`sign-up request ${signUpId} not found`);
    return {
      audience: EMAIL_AUDIENCE.sign_up_link,
      member: { name: row.email.split('@')[0]!, email: row.email },
      company: { name: row.company, brandColor: row.brand_color, logoUrl: row.logo_url },
      site: null,
      timeZone: 'Europe/Paris',
      homeUrl: publicUrl,
      signUp: { url: `${publicUrl}/sign-up/${encodeURIComponent(secrets.signToken(signUpId))}`, expiresAt: new Date(row.expires_at).toISOString() },
    };
  }

  /** What this e-mail says beyond the common part, read at send time. */
  async function specific(em: EntityManager, input: SendEmailInput, member: Awaited<ReturnType<typeof about>>, read: ReadFirst): Promise<TemplateData[EmailTemplate]> {
    const data = input.data ?? {};
    const memberUrl = `${publicUrl}/admin/members/${input.memberId}`;
    const enrollmentUrl = `${publicUrl}/card`;
    const invitation = () => ({
      url: `${publicUrl}/invitations/${encodeURIComponent(secrets.signToken(String(data.invitationTokenId)))}`,
      expiresAt: String(data.invitationExpiresAt),
    });
    if (input.template.startsWith('visit_')) return (await visitContent(em, input.template, data)) as TemplateData[EmailTemplate];
    switch (input.template) {
      case 'invitation':
      case 'invitation_reminder':
        return { invitation: invitation() };
      case 'invitation_expired': {
        const token = await em
          .getKysely()
          .selectFrom('auth_token')
          .select((eb) => eb.fn.max('expires_at').as('expires_at'))
          .where('member_id', '=', input.memberId)
          .where('purpose', '=', 'invitation')
          .executeTakeFirst();
        return { invitation: { expiredAt: new Date(token?.expires_at ?? Date.now()).toISOString() }, memberUrl };
      }
      case 'card_instructions':
      case 'card_reminder': {
        const pin = typeof data.pin === 'string' ? data.pin : member.enrollment_pin;
        if (input.template === 'card_instructions' && !pin) throw new Error('card instructions without an enrollment PIN');
        return { card: { pin: pin!, enrollmentUrl } };
      }
      case 'card_overdue':
        return { memberUrl };
      case 'access_active':
        // A member invited without a registration code has no card: the e-mail is about the account.
        return { card: data.cardNumber ? { number: String(data.cardNumber) } : null, wifi: read.wifi ? { ssid: read.wifi.ssid, username: read.wifi.username, profileUrl: `${publicUrl}/me` } : null };
      case 'sign_up_request':
        return { signUp: { expiresAt: String(data.expiresAt) }, memberUrl };
      case 'sign_up_decided':
        return { signUp: { approved: data.approved === true, expired: data.expired === true, signInUrl: `${publicUrl}/login` } };
      case 'password_reset':
        return { reset: { code: secrets.codeFor(String(data.resetTokenId)), minutes: RESET_CODE_TTL_MS / 60_000 } };
      case 'email_change_confirm':
      case 'email_change_notice': {
        const tokenId = String(data.tokenId);
        const change = await em
          .getKysely()
          .selectFrom('auth_token as t')
          .leftJoin('audit_event as a', (join) =>
            join.onRef('a.member_id', '=', 't.member_id').on('a.type', '=', 'member.email_change_requested').on(sql<boolean>`a.data->>'tokenId' = t.id::text`),
          )
          .select(['t.new_email', 't.expires_at', sql<string | null>`coalesce(a.personal->>'from', a.data->>'from')`.as('from_email'), 'a.actor'])
          .where('t.id', '=', tokenId)
          .executeTakeFirst();
        if (!change?.new_email) throw new Error(`e-mail change ${tokenId} not found`);
        const common = { from: change.from_email ?? member.email, to: change.new_email, requestedBy: await actorName(em, change.actor ?? 'system'), expiresAt: new Date(change.expires_at).toISOString() };
        return input.template === 'email_change_confirm'
          ? { change: { ...common, url: `${publicUrl}/email-changes/${encodeURIComponent(secrets.signToken(tokenId))}` } }
          : { change: common };
      }
      case 'removal_notice':
        return { removal: { at: new Date(member.removed_at ?? Date.now()).toISOString() } };
      case 'offboarding_report': {
        const report = data.report as OffboardingReport;
        return {
          report: {
            removedBy: await actorName(em, report.removedBy),
            bySchedule: report.removedBy === 'schedule',
            reason: report.reason,
            statusBefore: report.statusBefore,
            requestedAt: report.requestedAt,
            completedAt: report.completedAt || new Date().toISOString(),
            card: report.card ? { number: report.card.number } : null,
            wifiRevoked: report.wifi.revoked,
            // null: no access point was asked.
            disconnect: report.wifi.disconnect?.length ? countDisconnects(report.wifi.disconnect) : null,
            credentialsRevoked: report.credentialsRevoked,
            memberNotified: report.emails.member > 0,
          },
          memberUrl,
        };
      }
      case 'company_offboarded': {
        const row = await em
          .getKysely()
          .selectFrom('company_offboarding')
          .select(['organization_id', 'effective_at', 'finished_at', 'removed', 'requested_by'])
          .where('id', '=', String(data.offboardingId))
          .executeTakeFirst();
        if (!row) throw new Error(`company offboarding ${String(data.offboardingId)} not found`);
        return {
          offboarding: {
            name: member.company,
            effectiveAt: new Date(row.effective_at).toISOString(),
            finishedAt: new Date(row.finished_at ?? Date.now()).toISOString(),
            removed: row.removed,
            requestedBy: await actorName(em, row.requested_by),
            url: `${publicUrl}/operator/companies/${row.organization_id}`,
          },
        };
      }
      case 'webhook_disabled': {
        const row = await em
          .getKysely()
          .selectFrom('webhook_endpoint as e')
          .select((eb) => [
            'e.url', 'e.organization_id', 'e.disabled_reason', 'e.failing_since', 'e.disabled_at',
            eb.selectFrom('webhook_delivery as d').select('d.last_status_code').whereRef('d.endpoint_id', '=', 'e.id').where('d.last_attempt_at', 'is not', null).orderBy('d.last_attempt_at', 'desc').limit(1).as('last_status'),
            eb.selectFrom('webhook_delivery as d').select(sql<number>`count(*)::int`.as('n')).whereRef('d.endpoint_id', '=', 'e.id').where('d.status', '=', 'failed').as('failed'),
          ])
          .where('e.id', '=', String(data.endpointId))
          .executeTakeFirst();
        if (!row) throw new Error(`webhook endpoint ${String(data.endpointId)} not found`);
        return {
          webhook: {
            url: row.url,
            host: new URL(row.url).host,
            reason: row.disabled_reason === 'gone' ? 'gone' : 'failing',
            failingSince: new Date(row.failing_since ?? row.disabled_at ?? Date.now()).toISOString(),
            lastStatus: row.last_status,
            failed: row.failed ?? 0,
            settingsUrl: `${publicUrl}/admin/webhooks/${String(data.endpointId)}`,
          },
        };
      }
      case 'import_finished': {
        const importId = String(data.importId);
        const head = await em.getKysely().selectFrom('member_import').select(['total', 'source', 'created_at', 'finished_at']).where('id', '=', importId).executeTakeFirst();
        if (!head) throw new Error(`import ${importId} not found`);
        const counts = await importCounts(em, importId);
        const problems = await em
          .getKysely()
          .selectFrom('member_import_row')
          .select(['position', 'input', 'outcome', 'message', 'reason', 'reason_params'])
          .where('member_import_id', '=', importId)
          .where('outcome', 'in', ['skipped', 'failed'])
          .orderBy('position')
          .limit(IMPORT_PROBLEMS_SHOWN)
          .execute();
        return {
          import: {
            total: head.total,
            ...counts,
            startedAt: new Date(head.created_at).toISOString(),
            finishedAt: new Date(head.finished_at ?? Date.now()).toISOString(),
            url: `${publicUrl}/admin/imports/${importId}`,
            problems: problems.map((p) => ({
              position: displayedRow(head.source, p.position),
              email: typeof p.input.email === 'string' ? p.input.email : '',
              skipped: p.outcome === 'skipped',
              reason: p.reason,
              params: { fields: String(p.reason_params?.fields ?? ''), site: String(p.reason_params?.site ?? ''), row: String(p.reason_params?.row ?? '') },
              message: p.message ?? '',
            })),
            moreProblems: Math.max(0, counts.skipped + counts.failed - problems.length),
          },
        };
      }
      default:
        throw new Error(`no content for ${input.template}`);
    }
  }

  return { recipients, content };
}
