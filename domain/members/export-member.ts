// A member's own data, for them to take away (GDPR art. 15 and 20): a zip of JSON and CSV, the
// same for "Download my data" on their profile and for an admin answering a request. Visitors a
// member hosted appear without their name and address: those are the visitor's data, not theirs.
import { stringify } from 'csv-stringify/sync';
import yazl from 'yazl';
import type { EntityManager } from '../../db/orm.ts';
import { getMember, iso, memberHistory } from './queries.ts';

type Rows = Record<string, unknown>[];

export async function memberDataFiles(em: EntityManager, companyId: string, memberId: string): Promise<{ name: string; content: string }[]> {
  const profile = await getMember(em, companyId, memberId);
  const db = em.getKysely();
  const history = await memberHistory(em, companyId, memberId);
  const actions = await db
    .selectFrom('audit_event')
    .select(['id', 'occurred_at', 'type', 'member_id'])
    .where('organization_id', '=', companyId)
    .where('actor', '=', `member:${memberId}`)
    .where((eb) => eb.or([eb('member_id', 'is', null), eb('member_id', '<>', memberId)]))
    .orderBy('id')
    .execute();
  const entries = await db
    .selectFrom('entry_event as e')
    .innerJoin('door_controller as d', 'd.id', 'e.door_controller_id')
    .innerJoin('site as s', 's.id', 'e.site_id')
    .leftJoin('zone as z', 'z.id', 'e.zone_id')
    .select(['e.occurred_at', 'e.type', 'e.reason', 'e.card_number', 'd.name as door', 'z.name as zone', 's.name as site'])
    .where('e.member_id', '=', memberId)
    .orderBy('e.occurred_at')
    .execute();
  const emails = await db
    .selectFrom('email_outbox')
    .select(['to_address', 'subject', 'template', 'status', 'created_at', 'sent_at'])
    .where('member_id', '=', memberId)
    // The copies to their administrators are the administrators' mail.
    .where('key', 'not like', '%/admin:%')
    .orderBy('created_at')
    .execute();
  // Raw: FreeRADIUS's accounting table (radius.radacct) is its own, not one of our entities.
  const wifi = await em.execute<{ started_at: Date | null; stopped_at: Date | null; seconds: string | null; access_point: string; device: string | null; bytes_in: string | null; bytes_out: string | null }[]>(
    `select acctstarttime as started_at, acctstoptime as stopped_at, acctsessiontime as seconds, host(nasipaddress) as access_point,
            callingstationid as device, acctinputoctets as bytes_in, acctoutputoctets as bytes_out
       from radius.radacct where username in (select username from wifi_credential where member_id = ?) order by acctstarttime`,
    [memberId],
  );
  const visits = await db
    .selectFrom('visit as v')
    .innerJoin('site as s', 's.id', 'v.site_id')
    .select(['v.id', 'v.date', 'v.kind', 'v.status', 's.name as site', 'v.created_at'])
    .where('v.host_id', '=', memberId)
    .orderBy('v.date')
    .execute();

  const passkeys = await db.selectFrom('passkey').select(['name', 'created_at', 'last_used_at']).where('member_id', '=', memberId).orderBy('created_at').execute();

  const sets: Record<string, Rows> = {
    history: history.map((e) => ({ occurredAt: e.occurredAt, type: e.type, actor: e.actor, data: e.data })),
    'actions-on-others': actions.map((a) => ({ occurredAt: iso(a.occurred_at), type: a.type, memberId: a.member_id })),
    'entry-events': entries.map((e) => ({ occurredAt: iso(e.occurred_at), type: e.type, reason: e.reason, card: e.card_number, door: e.door, zone: e.zone, site: e.site })),
    emails: emails.map((m) => ({ to: m.to_address, subject: m.subject, template: m.template, status: m.status, queuedAt: iso(m.created_at), sentAt: iso(m.sent_at) })),
    'wifi-sessions': wifi.map((w) => ({ startedAt: iso(w.started_at), stoppedAt: iso(w.stopped_at), seconds: w.seconds === null ? null : Number(w.seconds), accessPoint: w.access_point, device: w.device, bytesIn: w.bytes_in === null ? null : Number(w.bytes_in), bytesOut: w.bytes_out === null ? null : Number(w.bytes_out) })),
    'visits-hosted': visits.map((v) => ({ id: v.id, date: v.date, kind: v.kind, status: v.status, site: v.site, createdAt: iso(v.created_at) })),
    // The name and dates only: a passkey's public key says nothing about the person.
    passkeys: passkeys.map((p) => ({ name: p.name, addedAt: iso(p.created_at), lastUsedAt: iso(p.last_used_at) })),
  };
  const files = [
    { name: 'README.txt', content: readme(profile.id, new Date()) },
    { name: 'profile.json', content: `${JSON.stringify(profile, null, 2)}\n` },
  ];
  for (const [name, rows] of Object.entries(sets)) {
    files.push({ name: `${name}.json`, content: `${JSON.stringify(rows, null, 2)}\n` });
    files.push({ name: `${name}.csv`, content: csv(rows) });
  }
  return files;
}

function csv(rows: Rows): string {
  if (!rows.length) return '';
  const columns = Object.keys(rows[0]!);
  return stringify([columns, ...rows.map((r) => columns.map((c) => (r[c] !== null && typeof r[c] === 'object' ? JSON.stringify(r[c]) : (r[c] ?? ''))))]);
}

const readme = (memberId: string, at: Date) => `Vos données / Your data — ${memberId} — ${at.toISOString()}

FR
profile.json          votre profil (nom, adresse, rôle, site, dates, statut)
history.*             l'historique de votre accès : ce qui vous est arrivé, quand, et par qui
actions-on-others.*   ce que vous avez fait pour d'autres (vos visiteurs, par exemple)
entry-events.*        vos passages aux portes (conservés 3 mois au plus)
emails.*              les e-mails qui vous ont été envoyés : destinataire, objet, date
wifi-sessions.*       vos connexions au Wi-Fi
visits-hosted.*       les visites que vous avez reçues (sans les données de vos visiteurs)
passkeys.*            vos clés d'accès (nom et dates)

EN
profile.json          your profile (name, address, role, site, dates, status)
history.*             your access's history: what happened to you, when, and by whom
actions-on-others.*   what you did for others (your visitors, for instance)
entry-events.*        your passages at the doors (kept three months at most)
emails.*              the e-mails sent to you: recipient, subject, time
wifi-sessions.*       your Wi-Fi sessions
visits-hosted.*       the visits you hosted (without your visitors' data)
passkeys.*            your passkeys (name and dates)
`;

export async function memberDataZip(em: EntityManager, companyId: string, memberId: string): Promise<Buffer> {
  const files = await memberDataFiles(em, companyId, memberId);
  const zip = new yazl.ZipFile();
  const mtime = new Date();
  for (const f of files) zip.addBuffer(Buffer.from(f.content), f.name, { mtime });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
