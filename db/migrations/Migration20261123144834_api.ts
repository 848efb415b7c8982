import { Migration } from '@mikro-orm/migrations';

export class Migration20261123144834_api extends Migration {

  override name = 'Migration20261123144834_api';

  override up(): void | Promise<void> {
    this.addSql(`create table "member_import" ("id" uuid not null, "organization_id" uuid not null, "actor" varchar(100) not null, "source" text not null, "total" int not null, "created_at" timestamptz not null, "finished_at" timestamptz null, primary key ("id"));`);

    this.addSql(`create table "idempotency_record" ("id" uuid not null, "organization_id" uuid not null, "key" varchar(255) not null, "request_hash" varchar(64) not null, "response_status" int null, "response_body" jsonb null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "idempotency_record" add constraint "idempotency_record_organization_id_key_unique" unique ("organization_id", "key");`);

    this.addSql(`create table "member_import_row" ("id" bigserial primary key, "member_import_id" uuid not null, "position" int not null, "input" jsonb not null, "outcome" text null, "member_id" uuid null, "message" text null);`);
    this.addSql(`alter table "member_import_row" add constraint "member_import_row_member_import_id_position_unique" unique ("member_import_id", "position");`);

    this.addSql(`create table "door_signature" ("id" bigserial primary key, "door_controller_id" uuid not null, "signature" varchar(64) not null, "seen_at" timestamptz not null);`);
    this.addSql(`create index "door_signature_seen_at_index" on "door_signature" ("seen_at");`);
    this.addSql(`alter table "door_signature" add constraint "door_signature_door_controller_id_signature_unique" unique ("door_controller_id", "signature");`);

    this.addSql(`create table "door_pending_pin" ("door_controller_id" uuid not null, "pin" varchar(5) not null, "entered_at" timestamptz not null, primary key ("door_controller_id"));`);

    this.addSql(`alter table "member_import" add constraint "member_import_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "member_import" add constraint "member_import_source_check" check ("source" in ('json', 'csv'));`);

    this.addSql(`alter table "idempotency_record" add constraint "idempotency_record_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);

    this.addSql(`alter table "member_import_row" add constraint "member_import_row_member_import_id_foreign" foreign key ("member_import_id") references "member_import" ("id");`);
    this.addSql(`alter table "member_import_row" add constraint "member_import_row_member_id_foreign" foreign key ("member_id") references "member" ("id") on delete set null;`);
    this.addSql(`alter table "member_import_row" add constraint "member_import_row_outcome_check" check ("outcome" in ('created', 'skipped', 'failed'));`);

    this.addSql(`alter table "door_signature" add constraint "door_signature_door_controller_id_foreign" foreign key ("door_controller_id") references "door_controller" ("id");`);

    this.addSql(`alter table "door_pending_pin" add constraint "door_pending_pin_door_controller_id_foreign" foreign key ("door_controller_id") references "door_controller" ("id") on update cascade on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "member_import_row" drop constraint "member_import_row_member_import_id_foreign";`);

    this.addSql(`drop table if exists "member_import" cascade;`);
    this.addSql(`drop table if exists "idempotency_record" cascade;`);
    this.addSql(`drop table if exists "member_import_row" cascade;`);
    this.addSql(`drop table if exists "door_signature" cascade;`);
    this.addSql(`drop table if exists "door_pending_pin" cascade;`);
  }

}
