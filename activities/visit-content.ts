// What a visit's e-mails say, read at send time: the visitor's address (the recipient), where and
// when, the host's message, and for the invitation the PIN itself, made here and never stored but
// as its hash (domain/visits/visit-changes.ts): the workflow's history never holds it.
import { ApplicationFailure } from '@temporalio/activity';
import type { EntityManager } from '../db/orm.ts';
import type { MemberLocale } from '../db/entities/index.ts';
import type { VisitEmail } from '../mail/catalog.ts';
import type { Secrets } from '../domain/secrets.ts';
import { issueVisitorPin } from '../domain/visits/visit-changes.ts';
import { visitEntry, windowsOn } from '../domain/visits/visitor-entry.ts';
import { visitFactsById } from '../domain/visits/visitor-facts.ts';
import { visitAnswerToken } from '../domain/visits/visit-answer.ts';

export async function visitRecipient(em: EntityManager, visitId: string): Promise<{ id: string; email: string; name: string; locale: MemberLocale }[]> {
  const row = await em.getKysely().selectFrom('visit').select(['id', 'visitor_email', 'visitor_name', 'locale']).where('id', '=', visitId).executeTakeFirst();
  return row?.visitor_email ? [{ id: row.id, email: row.visitor_email, name: row.visitor_name ?? '', locale: row.locale }] : [];
}

/** What the e-mails show of a visit, beside when its PIN opens. */
async function shownVisit(em: EntityManager, visitId: string) {
  const row = await em
    .getKysely()
    .selectFrom('visit as v')
    .innerJoin('site as s', 's.id', 'v.site_id')
    .innerJoin('member as h', 'h.id', 'v.host_id')
    .select(['v.status', 'v.visitor_name', 'v.visitor_email', 'v.expected_at', 'v.message', 'v.arrived_at', 's.name as site_name', 's.address', 's.visitor_instructions', 'h.name as host_name'])
    .where('v.id', '=', visitId)
    .executeTakeFirst();
  const facts = await visitFactsById(em, visitId);
  if (!row || !facts) throw ApplicationFailure.nonRetryable(`visit ${visitId} not found`, 'VisitNotFound');
  // The host's hours that day as the e-mail tells them, whatever the visit's state now.
  const hours = windowsOn(visitEntry({ ...facts, live: true }), facts.date).map((w) => ({ from: w.from, to: w.to === '24:00' ? '00:00' : w.to }));
  const allDay = hours.length === 1 && hours[0]!.from === '00:00' && hours[0]!.to === '00:00';
  const visit: VisitEmail = {
    visitorName: row.visitor_name, hostName: row.host_name, date: facts.date, hours: allDay ? [] : hours,
    expectedAt: row.expected_at, message: row.message, siteName: row.site_name, address: row.address, instructions: row.visitor_instructions,
  };
  return { row, visit };
}

export function createVisitContent({ secrets, publicUrl }: { secrets: Secrets; publicUrl: string }) {
  return async function visitContent(em: EntityManager, template: string, data: Record<string, unknown>) {
    const visitId = String(data.visitId);
    const { row, visit } = await shownVisit(em, visitId);
    switch (template) {
      case 'visit_invitation': {
        const pin = await issueVisitorPin(em, visitId);
        // Cancelled before its e-mail went out: nothing to send (the workflow knows).
        if (!pin) throw ApplicationFailure.nonRetryable(`visit ${visitId} is ${row.status}: no PIN to send`, 'VisitNotExpected');
        return { visit: { ...visit, pin } };
      }
      case 'visit_declined':
        return { visit: { ...visit, unanswered: row.status === 'unanswered' } };
      case 'visit_arrived':
        return { visit: { ...visit, arrivedAt: new Date(row.arrived_at ?? Date.now()).toISOString() } };
      case 'visit_approval':
        return { visit: { ...visit, visitorEmail: row.visitor_email ?? '', answerUrl: `${publicUrl}/visits/answer/${encodeURIComponent(visitAnswerToken(secrets, visitId))}`, minutes: Number(data.minutes ?? 15) } };
      default:
        return { visit };
    }
  };
}
