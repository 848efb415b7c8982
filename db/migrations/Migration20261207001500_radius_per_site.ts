import { Migration } from '@mikro-orm/migrations';

/**
 * Wi-Fi per site: RADIUS accepted every active member at every access point of the operator, and
 * answered the VLAN of the member's own site, which at another site could be another company's.
 * The views now say, for each access point (`nasname`, its address), which members it may accept
 * (their company is granted its site) and with which VLAN (their company's at *that* site);
 * FreeRADIUS's authorize queries look rows up by user name and the asking access point.
 */
export class Migration20261207001500_radius_per_site extends Migration {

  override name = 'Migration20261207001500_radius_per_site';

  override up(): void | Promise<void> {
    this.addSql(`drop view if exists "radius"."radcheck";`);
    this.addSql(`drop view if exists "radius"."radreply";`);
    this.addSql(`create view "radius"."radcheck" as
      select w.id, w.username, c.address as nasname, 'NT-Password'::text as attribute, ':='::text as op, w.nt_password as value
      from public.wifi_credential w
      join public.member m on m.id = w.member_id
      join public.company_site cs on cs.organization_id = m.organization_id
      join public.radius_client c on c.site_id = cs.site_id
      where w.revoked_at is null and w.nt_password is not null and m.status = 'active';`);
    this.addSql(`create view "radius"."radreply" as
      select w.id, w.username, c.address as nasname, a.attribute, ':='::text as op, a.value
      from public.wifi_credential w
      join public.member m on m.id = w.member_id
      join public.company_site cs on cs.organization_id = m.organization_id
      join public.radius_client c on c.site_id = cs.site_id
      cross join lateral (values ('Tunnel-Type', 'VLAN'), ('Tunnel-Medium-Type', 'IEEE-802'), ('Tunnel-Private-Group-Id', cs.wifi_vlan::text)) as a(attribute, value)
      where w.revoked_at is null and m.status = 'active' and cs.wifi_vlan is not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop view if exists "radius"."radcheck";`);
    this.addSql(`drop view if exists "radius"."radreply";`);
    this.addSql(`create view "radius"."radcheck" as
      select w.id, w.username, 'NT-Password'::text as attribute, ':='::text as op, w.nt_password as value
      from public.wifi_credential w join public.member m on m.id = w.member_id
      where w.revoked_at is null and w.nt_password is not null and m.status = 'active';`);
    this.addSql(`create view "radius"."radreply" as
      select w.id, w.username, a.attribute, ':='::text as op, a.value
      from public.wifi_credential w
      join public.member m on m.id = w.member_id
      join public.company_site cs on cs.organization_id = m.organization_id and cs.site_id = m.site_id
      cross join lateral (values ('Tunnel-Type', 'VLAN'), ('Tunnel-Medium-Type', 'IEEE-802'), ('Tunnel-Private-Group-Id', cs.wifi_vlan::text)) as a(attribute, value)
      where w.revoked_at is null and m.status = 'active' and cs.wifi_vlan is not null;`);
  }

}
