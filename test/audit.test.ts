import test from 'ava';
import { AuditEvent } from '../db/entities/index.ts';
import { createCompanyAtSite } from '../domain/companies/create-company.ts';
import { migratedOrm, query } from './helpers/database.ts';

test('audit events can be written but never changed or erased', async (t) => {
  const { orm, url } = await migratedOrm(t);
  const { companyId } = await createCompanyAtSite(orm.em.fork(), {
    name: 'Audit Co',
    adminEmail: 'admin@audit.test',
    siteName: 'HQ',
    actor: 'test',
  });
  const em = orm.em.fork();
  const event = em.create(AuditEvent, { company: companyId, actor: 'test', type: 'member.invited', data: { n: 1 } });
  await em.flush();

  const count = async () => (await query<{ n: number }>(url, 'select count(*)::int as n from audit_event')).rows[0]!.n;
  const rowsBefore = await count();
  t.is(rowsBefore, 3, 'operator.created, organization.created and member.invited');

  for (const sql of [
    `update audit_event set type = 'tampered' where id = ${event.id}`,
    `delete from audit_event where id = ${event.id}`,
    'delete from audit_event',
    'truncate audit_event',
    'truncate audit_event cascade',
  ]) {
    const error = await t.throwsAsync(query(url, sql), undefined, sql);
    t.regex(error!.message, /append-only/, sql);
  }
  // Through the ORM as well: the application has no back door.
  await t.throwsAsync(orm.em.fork().nativeUpdate(AuditEvent, { id: event.id }, { type: 'tampered' }), { message: /append-only/ });
  await t.throwsAsync(orm.em.fork().nativeDelete(AuditEvent, { id: event.id }), { message: /append-only/ });

  t.is(await count(), rowsBefore);
  const stored = await query<{ type: string }>(url, 'select type from audit_event where id = $1', [event.id]);
  t.is(stored.rows[0]!.type, 'member.invited');
});
