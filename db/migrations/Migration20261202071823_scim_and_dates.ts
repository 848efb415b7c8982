import { Migration } from '@mikro-orm/migrations';

/**
 * SCIM provisioning, start and end dates, managed API keys. Keys made before scopes existed keep
 * everything they could do: a company's key `members, read, scim`, an operator's `members, read,
 * companies`; `org:create`'s key thereby becomes the first managed key.
 */
export class Migration20261202071823_scim_and_dates extends Migration {

  override name = 'Migration20261202071823_scim_and_dates';

  override up(): void | Promise<void> {
    this.addSql(`create table "scim_group" ("id" uuid not null, "organization_id" uuid not null, "display_name" varchar(256) not null, "external_id" varchar(255) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "scim_group" add constraint "scim_group_organization_id_display_name_unique" unique ("organization_id", "display_name");`);

    this.addSql(`create table "scim_group_member" ("group_id" uuid not null, "member_id" uuid not null, primary key ("group_id", "member_id"));`);
    this.addSql(`create index "scim_group_member_member_id_index" on "scim_group_member" ("member_id");`);

    this.addSql(`alter table "api_key" add "scopes" jsonb null, add "created_by" varchar(100) null;`);
    this.addSql(`update "api_key" set "scopes" = case when "organization_id" is null then '["members","read","companies"]'::jsonb else '["members","read","scim"]'::jsonb end;`);
    this.addSql(`alter table "api_key" alter column "scopes" set not null;`);

    this.addSql(`alter table "member" drop constraint "member_status_check";`);
    this.addSql(`alter table "member" add "starts_on" date null, add "ends_on" date null, add "ends_at" timestamptz null, add "external_id" varchar(255) null, add "scim_attributes" jsonb null, add "scim_deleted_at" timestamptz null;`);
    this.addSql(`alter table "member" add constraint "member_organization_id_external_id_unique" unique ("organization_id", "external_id");`);
    this.addSql(`alter table "member" add constraint "member_status_check" check ("status" in ('scheduled', 'invited', 'invitation_expired', 'awaiting_card', 'card_overdue', 'active', 'removed'));`);

    this.addSql(`alter table "scim_group" add constraint "scim_group_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);

    this.addSql(`alter table "scim_group_member" add constraint "scim_group_member_group_id_foreign" foreign key ("group_id") references "scim_group" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "scim_group_member" add constraint "scim_group_member_member_id_foreign" foreign key ("member_id") references "member" ("id") on update cascade on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "scim_group_member" drop constraint "scim_group_member_group_id_foreign";`);

    this.addSql(`drop table if exists "scim_group" cascade;`);
    this.addSql(`drop table if exists "scim_group_member" cascade;`);

    this.addSql(`alter table "api_key" drop column "scopes", drop column "created_by";`);

    this.addSql(`alter table "member" drop constraint "member_organization_id_external_id_unique";`);
    this.addSql(`alter table "member" drop constraint "member_status_check";`);
    this.addSql(`alter table "member" drop column "starts_on", drop column "ends_on", drop column "ends_at", drop column "external_id", drop column "scim_attributes", drop column "scim_deleted_at";`);
    this.addSql(`alter table "member" add constraint "member_status_check" check ("status" in ('invited', 'invitation_expired', 'awaiting_card', 'card_overdue', 'active', 'removed'));`);
  }

}
