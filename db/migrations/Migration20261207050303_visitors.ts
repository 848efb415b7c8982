// Visitors (issue 33): visits with their hashed single-use PINs, the reception kiosks' links, the
// per-site arrival instructions and PIN salt (existing sites get theirs from the default), and
// entry events that name a visit instead of a card.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261207050303_visitors extends Migration {

  override name = 'Migration20261207050303_visitors';

  override up(): void | Promise<void> {
    this.addSql(`create table "reception_kiosk" ("id" uuid not null, "site_id" uuid not null, "name" varchar(200) not null, "token_hash" varchar(64) not null, "created_by" varchar(100) not null, "created_at" timestamptz not null, "revoked_at" timestamptz null, "last_used_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "reception_kiosk" add constraint "reception_kiosk_token_hash_unique" unique ("token_hash");`);

    this.addSql(`create table "visit" ("id" uuid not null, "site_id" uuid not null, "organization_id" uuid not null, "host_id" uuid not null, "kind" text not null default 'invited', "status" text not null, "visitor_name" varchar(200) null, "visitor_email" varchar(320) null, "locale" text not null default 'fr', "date" date not null, "expected_at" varchar(5) null, "message" varchar(1000) null, "pin_hash" varchar(64) null, "valid_from" timestamptz not null, "valid_until" timestamptz not null, "created_by" varchar(100) not null, "created_at" timestamptz not null, "arrived_at" timestamptz null, "ended_at" timestamptz null, "purged_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "visit_site_id_date_index" on "visit" ("site_id", "date");`);
    this.addSql(`create index "visit_host_id_date_index" on "visit" ("host_id", "date");`);
    this.addSql(`create unique index "visit_live_pin_unique" on "visit" ("site_id", "pin_hash") where "pin_hash" is not null;`);

    this.addSql(`alter table "site" add "visitor_instructions" text null, add "visitor_pin_salt" uuid not null default gen_random_uuid();`);

    this.addSql(`alter table "entry_event" add "visit_id" uuid null;`);
    this.addSql(`alter table "entry_event" alter column "card_number" drop not null;`);

    this.addSql(`alter table "reception_kiosk" add constraint "reception_kiosk_site_id_foreign" foreign key ("site_id") references "site" ("id") on delete cascade;`);

    this.addSql(`alter table "visit" add constraint "visit_site_id_foreign" foreign key ("site_id") references "site" ("id") on delete cascade;`);
    this.addSql(`alter table "visit" add constraint "visit_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on delete cascade;`);
    this.addSql(`alter table "visit" add constraint "visit_host_id_foreign" foreign key ("host_id") references "member" ("id") on delete cascade;`);
    this.addSql(`alter table "visit" add constraint "visit_kind_check" check ("kind" in ('invited', 'walk_in'));`);
    this.addSql(`alter table "visit" add constraint "visit_status_check" check ("status" in ('awaiting_host', 'expected', 'arrived', 'expired', 'cancelled', 'refused', 'unanswered'));`);
    this.addSql(`alter table "visit" add constraint "visit_locale_check" check ("locale" in ('fr', 'en'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "reception_kiosk" cascade;`);
    this.addSql(`drop table if exists "visit" cascade;`);

    this.addSql(`alter table "entry_event" drop column "visit_id";`);
    this.addSql(`alter table "entry_event" alter column "card_number" set not null;`);

    this.addSql(`alter table "site" drop column "visitor_instructions", drop column "visitor_pin_salt";`);
  }

}
