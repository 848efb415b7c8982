import { Migration } from '@mikro-orm/migrations';

/**
 * Wi-Fi on RADIUS: the sites' RADIUS clients, a VLAN per company and site, the NT hash of each
 * credential, and the `radius` schema FreeRADIUS reads (views over these tables, so nothing is
 * copied and a revoked credential or a removed member is refused at the next request) and writes
 * its accounting to (`radacct`, FreeRADIUS's own table, for live sessions to disconnect).
 */
export class Migration20261202081354_radius extends Migration {

  override name = 'Migration20261202081354_radius';

  override up(): void | Promise<void> {
    this.addSql(`create table "radius_client" ("id" uuid not null, "site_id" uuid not null, "name" varchar(200) not null, "address" varchar(45) not null, "secret" varchar(128) not null, "coa_port" int not null default 3799, "created_at" timestamptz not null, "created_by" varchar(100) not null, primary key ("id"));`);
    this.addSql(`alter table "radius_client" add constraint "radius_client_address_unique" unique ("address");`);
    this.addSql(`create index "radius_client_site_id_index" on "radius_client" ("site_id");`);

    this.addSql(`alter table "company_site" add "wifi_vlan" smallint null;`);

    this.addSql(`alter table "wifi_credential" add "nt_password" varchar(32) null;`);

    this.addSql(`alter table "radius_client" add constraint "radius_client_site_id_foreign" foreign key ("site_id") references "site" ("id");`);

    this.addSql(`create schema if not exists "radius";`);
    // FreeRADIUS 3.2's PostgreSQL accounting table and indexes, as its schema.sql has them.
    this.addSql(`create table "radius"."radacct" (
      radacctid bigserial primary key, acctsessionid text not null, acctuniqueid text not null unique, username text, realm text,
      nasipaddress inet not null, nasportid text, nasporttype text, acctstarttime timestamptz, acctupdatetime timestamptz,
      acctstoptime timestamptz, acctinterval bigint, acctsessiontime bigint, acctauthentic text, connectinfo_start text,
      connectinfo_stop text, acctinputoctets bigint, acctoutputoctets bigint, calledstationid text, callingstationid text,
      acctterminatecause text, servicetype text, framedprotocol text, framedipaddress inet, framedipv6address inet,
      framedipv6prefix inet, framedinterfaceid text, delegatedipv6prefix inet, class text);`);
    this.addSql(`create index radacct_active_session_idx on "radius"."radacct" (acctuniqueid) where acctstoptime is null;`);
    this.addSql(`create index radacct_bulk_close on "radius"."radacct" (nasipaddress, acctstarttime) where acctstoptime is null;`);
    this.addSql(`create index radacct_start_user_idx on "radius"."radacct" (acctstarttime, username);`);
    this.addSql(`create index radacct_open_user_idx on "radius"."radacct" (username) where acctstoptime is null;`);
    this.addSql(`create index radacct_calss_idx on "radius"."radacct" (class);`);
    // Who may connect: a live credential of an active member (not before the first day, not
    // after removal), by its NT hash.
    this.addSql(`create view "radius"."radcheck" as
      select w.id, w.username, 'NT-Password'::text as attribute, ':='::text as op, w.nt_password as value
      from public.wifi_credential w join public.member m on m.id = w.member_id
      where w.revoked_at is null and w.nt_password is not null and m.status = 'active';`);
    // The company's VLAN at the member's site, the RFC 3580 way.
    this.addSql(`create view "radius"."radreply" as
      select w.id, w.username, a.attribute, ':='::text as op, a.value
      from public.wifi_credential w
      join public.member m on m.id = w.member_id
      join public.company_site cs on cs.organization_id = m.organization_id and cs.site_id = m.site_id
      cross join lateral (values ('Tunnel-Type', 'VLAN'), ('Tunnel-Medium-Type', 'IEEE-802'), ('Tunnel-Private-Group-Id', cs.wifi_vlan::text)) as a(attribute, value)
      where w.revoked_at is null and m.status = 'active' and cs.wifi_vlan is not null;`);
    this.addSql(`create view "radius"."nas" as
      select c.id, c.address as nasname, c.name as shortname, 'other'::text as type, null::integer as ports, c.secret,
             null::text as server, null::text as community, s.name as description
      from public.radius_client c join public.site s on s.id = c.site_id;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop schema if exists "radius" cascade;`);
    this.addSql(`drop table if exists "radius_client" cascade;`);

    this.addSql(`alter table "company_site" drop column "wifi_vlan";`);

    this.addSql(`alter table "wifi_credential" drop column "nt_password";`);
  }

}
