// What a visit's e-mails say, read at send time: the visitor's address (the recipient), where and
// when, the host's message, and for the invitation the PIN itself, made here and never stored but
// as its hash (domain/visits/visit-changes.ts): the workflow's history never holds it.
import { ApplicationFailure } from '@temporalio/activity';
import type { EntityManager } from '../db/orm.ts';
import type { MemberLocale } from '../db/entities/index.ts';
import { DAYS } from '../db/entities/schedule.ts';
import type { VisitEmail } from '../mail/catalog.ts';
import type { Secrets } from '../domain/secrets.ts';
import { issueVisitorPin } from '../domain/visits/visit-changes.ts';
import { visitEntry } from '../domain/visits/visitor-entry.ts';
import { dateText } from '../domain/members/schedule.ts';
import { visitAnswerToken } from '../domain/visits/visit-answer.ts';

export async function visitRecipient(em: EntityManager, visitId: string): Promise<{ id: string; email: string; name: string; locale: MemberLocale }[]> {
  const row = await em.getKysely().selectFrom('visit').select(['id', 'visitor_email', 'visitor_name', 'locale']).where('id', '=', visitId).executeTakeFirst();
  return row?.visitor_email ? [{ id: row.id, email: row.visitor_email, name: row.visitor_name ?? '', locale: row.locale }] : [];
}

async function visitFacts(em: EntityManager, visitId: string) {
  const row = await em
    .getKysely()
    .selectFrom('visit as v')
    .innerJoin('site as s', 's.id', 'v.site_id')
    .innerJoin('member as h', 'h.id', 'v.host_id')
    .leftJoin('zone as z', (j) => j.onRef('z.site_id', '=', 's.id').on('z.common', '=', true))
    .leftJoin('zone_grant as g', (j) => j.onRef('g.zone_id', '=', 'z.id').onRef('g.organization_id', '=', 'v.organization_id'))
    .select([
      'v.id', 'v.status', 'v.visitor_name', 'v.visitor_email', 'v.date', 'v.expected_at', 'v.message', 'v.valid_from', 'v.valid_until', 'v.arrived_at',
      's.name as site_name', 's.address', 's.visitor_instructions', 's.opening_hours', 'h.name as host_name', 'h.access_days', 'g.zone_id as granted', 'g.schedule',
    ])
    .where('v.id', '=', visitId)
    .executeTakeFirst();
  if (!row) throw ApplicationFailure.nonRetryable(`visit ${visitId} not found`, 'VisitNotFound');
  return row;
}

type Facts = Awaited<ReturnType<typeof visitFacts>>;

function visitEmail(v: Facts): VisitEmail {
  const date = dateText(v.date)!;
  const entry = visitEntry({
    visitId: v.id, live: true, date, validFrom: new Date(v.valid_from).toISOString(), validUntil: new Date(v.valid_until).toISOString(),
    zoneGranted: v.granted !== null, grantSchedule: v.schedule, siteHours: v.opening_hours, hostAccessDays: v.access_days,
  });
  const day = DAYS[(new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7]!;
  const hours = (entry?.windows ?? []).filter((w) => w.days.includes(day)).map((w) => ({ from: w.from, to: w.to === '24:00' ? '00:00' : w.to }));
  return {
    visitorName: v.visitor_name, hostName: v.host_name, date, hours: hours.length === 1 && hours[0]!.from === '00:00' && hours[0]!.to === '00:00' ? [] : hours,
    expectedAt: v.expected_at, message: v.message, siteName: v.site_name, address: v.address, instructions: v.visitor_instructions,
  };
}

export function createVisitContent({ secrets, publicUrl }: { secrets: Secrets; publicUrl: string }) {
  return async function visitContent(em: EntityManager, template: string, data: Record<string, unknown>) {
    const visitId = String(data.visitId);
    const facts = await visitFacts(em, visitId);
    const visit = visitEmail(facts);
    switch (template) {
      case 'visit_invitation': {
        const pin = await issueVisitorPin(em, visitId);
        // Cancelled before its e-mail went out: nothing to send (the workflow knows).
        if (!pin) throw ApplicationFailure.nonRetryable(`visit ${visitId} is ${facts.status}: no PIN to send`, 'VisitNotExpected');
        return { visit: { ...visit, pin } };
      }
      case 'visit_declined':
        return { visit: { ...visit, unanswered: facts.status === 'unanswered' } };
      case 'visit_arrived':
        return { visit: { ...visit, arrivedAt: new Date(facts.arrived_at ?? Date.now()).toISOString() } };
      case 'visit_approval':
        return { visit: { ...visit, visitorEmail: facts.visitor_email ?? '', answerUrl: `${publicUrl}/visits/answer/${encodeURIComponent(visitAnswerToken(secrets, visitId))}`, minutes: Number(data.minutes ?? 15) } };
      default:
        return { visit };
    }
  };
}
