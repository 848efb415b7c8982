import { Migration } from '@mikro-orm/migrations';

// Zones, grants of zones, schedules, day passes and entry events. Every existing site gets its common
// zone ("Entrance and common areas"), its door controllers guard it, and every company granted the
// site is granted it at any hour: today's installs open the same doors as before.
export class Migration20261207032242_access_model extends Migration {

  override name = 'Migration20261207032242_access_model';

  override up(): void | Promise<void> {
    this.addSql(`create table "zone" ("id" uuid not null, "site_id" uuid not null, "name" varchar(200) not null, "common" boolean not null default false, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "zone" add constraint "zone_site_id_name_unique" unique ("site_id", "name");`);

    this.addSql(`create table "entry_event" ("id" bigserial primary key, "door_controller_id" uuid not null, "event_id" uuid not null, "site_id" uuid not null, "zone_id" uuid null, "type" text not null, "card_number" varchar(64) not null, "reason" varchar(40) null, "member_id" uuid null, "organization_id" uuid null, "occurred_at" timestamptz not null, "received_at" timestamptz not null);`);
    this.addSql(`create index "entry_event_site_id_occurred_at_index" on "entry_event" ("site_id", "occurred_at");`);
    this.addSql(`create index "entry_event_occurred_at_index" on "entry_event" ("occurred_at");`);
    this.addSql(`alter table "entry_event" add constraint "entry_event_door_controller_id_event_id_unique" unique ("door_controller_id", "event_id");`);

    this.addSql(`create table "zone_grant" ("organization_id" uuid not null, "zone_id" uuid not null, "schedule" jsonb null, "granted_at" timestamptz not null, primary key ("organization_id", "zone_id"));`);
    this.addSql(`create index "zone_grant_zone_id_index" on "zone_grant" ("zone_id");`);

    this.addSql(`alter table "site" add "opening_hours" jsonb null;`);

    this.addSql(`alter table "member" add "kind" text not null default 'member', add "day_pass_dates" jsonb null, add "card_needed" boolean not null default true, add "access_days" jsonb null;`);
    this.addSql(`alter table "member" add constraint "member_kind_check" check ("kind" in ('member', 'day_pass'));`);

    this.addSql(`alter table "door_controller" add "zone_id" uuid null, add "access_list_version" int not null default 1;`);
    this.addSql(`alter table "door_controller" add constraint "door_controller_zone_id_foreign" foreign key ("zone_id") references "zone" ("id");`);
    this.addSql(`create unique index "zone_common_unique" on "zone" ("site_id") where "common";`);
    this.addSql(`insert into "zone" ("id", "site_id", "name", "common", "created_at") select gen_random_uuid(), "id", 'Entrance and common areas', true, now() from "site";`);
    this.addSql(`update "door_controller" d set "zone_id" = z."id", "access_list_version" = s."access_list_version" + 1 from "zone" z, "site" s where z."site_id" = d."site_id" and z."common" and s."id" = d."site_id";`);
    this.addSql(`alter table "door_controller" alter column "zone_id" set not null;`);
    this.addSql(`insert into "zone_grant" ("organization_id", "zone_id", "schedule", "granted_at") select g."organization_id", z."id", null, g."granted_at" from "company_site" g join "zone" z on z."site_id" = g."site_id" and z."common";`);

    this.addSql(`alter table "zone" add constraint "zone_site_id_foreign" foreign key ("site_id") references "site" ("id") on delete cascade;`);

    this.addSql(`alter table "entry_event" add constraint "entry_event_door_controller_id_foreign" foreign key ("door_controller_id") references "door_controller" ("id") on delete cascade;`);
    this.addSql(`alter table "entry_event" add constraint "entry_event_site_id_foreign" foreign key ("site_id") references "site" ("id") on delete cascade;`);
    this.addSql(`alter table "entry_event" add constraint "entry_event_type_check" check ("type" in ('granted', 'denied'));`);

    this.addSql(`alter table "zone_grant" add constraint "zone_grant_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "zone_grant" add constraint "zone_grant_zone_id_foreign" foreign key ("zone_id") references "zone" ("id") on update cascade on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "door_controller" drop constraint "door_controller_zone_id_foreign";`);
    this.addSql(`alter table "zone_grant" drop constraint "zone_grant_zone_id_foreign";`);

    this.addSql(`drop table if exists "zone" cascade;`);
    this.addSql(`drop table if exists "entry_event" cascade;`);
    this.addSql(`drop table if exists "zone_grant" cascade;`);

    this.addSql(`alter table "door_controller" drop column "zone_id", drop column "access_list_version";`);

    this.addSql(`alter table "member" drop constraint "member_kind_check";`);
    this.addSql(`alter table "member" drop column "kind", drop column "day_pass_dates", drop column "card_needed", drop column "access_days";`);

    this.addSql(`alter table "site" drop column "opening_hours";`);
  }

}
