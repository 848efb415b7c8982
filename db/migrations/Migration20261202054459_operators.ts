import { Migration } from '@mikro-orm/migrations';

/**
 * Operators and companies. Every existing organisation becomes a company of one operator (named
 * "Operator"; `migrate()` renames it to OPERATOR_NAME), its sites become the operator's, granted
 * to it. Site names become unique per operator: a name two companies both used gets the company's
 * name after it. On an install of one organisation its admins were managing the hardware: they
 * become operator admins, so nobody loses what they could do.
 */
export class Migration20261202054459_operators extends Migration {

  override name = 'Migration20261202054459_operators';

  override up(): void | Promise<void> {
    this.addSql(`create table "operator" ("id" uuid not null, "name" varchar(200) not null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`insert into "operator" ("id", "name", "created_at") select gen_random_uuid(), 'Operator', now() where exists (select 1 from "organization");`);

    this.addSql(`alter table "organization" add "operator_id" uuid null, add "offboarded_at" timestamptz null;`);
    this.addSql(`update "organization" set "operator_id" = (select "id" from "operator" limit 1);`);
    this.addSql(`alter table "organization" alter column "operator_id" set not null;`);
    this.addSql(`alter table "organization" add constraint "organization_operator_id_foreign" foreign key ("operator_id") references "operator" ("id");`);

    this.addSql(`create table "company_site" ("organization_id" uuid not null, "site_id" uuid not null, "granted_at" timestamptz not null, primary key ("organization_id", "site_id"));`);
    this.addSql(`create index "company_site_site_id_index" on "company_site" ("site_id");`);
    this.addSql(`insert into "company_site" ("organization_id", "site_id", "granted_at") select "organization_id", "id", "created_at" from "site";`);

    this.addSql(`alter table "site" drop constraint "site_organization_id_foreign";`);
    this.addSql(`alter table "site" drop constraint "site_organization_id_name_unique";`);
    this.addSql(`update "site" s set "name" = left(s."name" || ' (' || o."name" || ')', 200) from "organization" o
                  where o."id" = s."organization_id" and exists (select 1 from "site" t where t."name" = s."name" and t."id" <> s."id");`);
    this.addSql(`alter table "site" add "address" varchar(300) null;`);
    this.addSql(`alter table "site" rename column "organization_id" to "operator_id";`);
    this.addSql(`update "site" set "operator_id" = (select "id" from "operator" limit 1);`);
    this.addSql(`alter table "site" add constraint "site_operator_id_foreign" foreign key ("operator_id") references "operator" ("id");`);
    this.addSql(`alter table "site" add constraint "site_operator_id_name_unique" unique ("operator_id", "name");`);

    this.addSql(`alter table "member" add "operator_admin" boolean not null default false;`);
    this.addSql(`update "member" set "operator_admin" = true where "role" = 'admin' and (select count(*) from "organization") = 1;`);

    this.addSql(`alter table "api_key" drop constraint "api_key_organization_id_foreign";`);
    this.addSql(`alter table "api_key" add "operator_id" uuid null;`);
    this.addSql(`alter table "api_key" add constraint "api_key_operator_id_foreign" foreign key ("operator_id") references "operator" ("id") on delete set null;`);
    this.addSql(`alter table "api_key" alter column "organization_id" drop not null;`);
    this.addSql(`alter table "api_key" add constraint "api_key_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on delete set null;`);

    this.addSql(`alter table "audit_event" drop constraint "audit_event_organization_id_foreign";`);
    this.addSql(`alter table "audit_event" add "operator_id" uuid null;`);
    this.addSql(`alter table "audit_event" add constraint "audit_event_operator_id_foreign" foreign key ("operator_id") references "operator" ("id") on delete set null;`);
    this.addSql(`alter table "audit_event" alter column "organization_id" drop not null;`);
    this.addSql(`alter table "audit_event" add constraint "audit_event_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on delete set null;`);
    this.addSql(`create index "audit_event_operator_id_occurred_at_index" on "audit_event" ("operator_id", "occurred_at");`);

    this.addSql(`create table "company_offboarding" ("id" uuid not null, "organization_id" uuid not null, "effective_at" timestamptz not null, "state" text not null default 'scheduled', "requested_by" varchar(100) not null, "total" int null, "removed" int not null default 0, "workflow_id" varchar(200) not null, "created_at" timestamptz not null, "started_at" timestamptz null, "finished_at" timestamptz null, "cancelled_by" varchar(100) null, primary key ("id"));`);
    this.addSql(`create index "company_offboarding_organization_id_created_at_index" on "company_offboarding" ("organization_id", "created_at");`);
    this.addSql(`alter table "company_offboarding" add constraint "company_offboarding_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "company_offboarding" add constraint "company_offboarding_state_check" check ("state" in ('scheduled', 'running', 'completed', 'cancelled'));`);

    this.addSql(`alter table "company_site" add constraint "company_site_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "company_site" add constraint "company_site_site_id_foreign" foreign key ("site_id") references "site" ("id") on update cascade on delete cascade;`);
  }

  // Back to organisations owning sites: a site granted to several companies goes to the first.
  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "company_offboarding" cascade;`);
    this.addSql(`alter table "site" drop constraint "site_operator_id_foreign";`);
    this.addSql(`alter table "site" drop constraint "site_operator_id_name_unique";`);
    this.addSql(`update "site" s set "operator_id" = coalesce((select "organization_id" from "company_site" g where g."site_id" = s."id" order by "granted_at" limit 1), (select "id" from "organization" order by "created_at" limit 1));`);
    this.addSql(`alter table "site" rename column "operator_id" to "organization_id";`);
    this.addSql(`alter table "site" drop column "address";`);
    this.addSql(`alter table "site" add constraint "site_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "site" add constraint "site_organization_id_name_unique" unique ("organization_id", "name");`);
    this.addSql(`drop table if exists "company_site" cascade;`);

    this.addSql(`alter table "api_key" drop constraint "api_key_operator_id_foreign";`);
    this.addSql(`alter table "api_key" drop constraint "api_key_organization_id_foreign";`);
    this.addSql(`delete from "api_key" where "organization_id" is null;`);
    this.addSql(`alter table "api_key" drop column "operator_id";`);
    this.addSql(`alter table "api_key" alter column "organization_id" set not null;`);
    this.addSql(`alter table "api_key" add constraint "api_key_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);

    this.addSql(`alter table "audit_event" drop constraint "audit_event_operator_id_foreign";`);
    this.addSql(`alter table "audit_event" drop constraint "audit_event_organization_id_foreign";`);
    this.addSql(`drop index "audit_event_operator_id_occurred_at_index";`);
    this.addSql(`alter table "audit_event" drop column "operator_id";`);
    this.addSql(`alter table "audit_event" add constraint "audit_event_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);

    this.addSql(`alter table "member" drop column "operator_admin";`);
    this.addSql(`alter table "organization" drop constraint "organization_operator_id_foreign";`);
    this.addSql(`alter table "organization" drop column "operator_id", drop column "offboarded_at";`);
    this.addSql(`drop table if exists "operator" cascade;`);
  }

}
