import { Migration } from '@mikro-orm/migrations';

export class Migration20261202094213_webhooks extends Migration {

  override name = 'Migration20261202094213_webhooks';

  override up(): void | Promise<void> {
    this.addSql(`create table "webhook_endpoint" ("id" uuid not null, "organization_id" uuid null, "operator_id" uuid not null, "url" varchar(2000) not null, "description" varchar(500) not null default '', "events" jsonb null, "enabled" boolean not null default true, "disabled_reason" varchar(20) null, "disabled_at" timestamptz null, "secret" text not null, "previous_secret" text null, "previous_secret_expires_at" timestamptz null, "failing_since" timestamptz null, "created_at" timestamptz not null, "created_by" varchar(100) not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "webhook_endpoint_organization_id_index" on "webhook_endpoint" ("organization_id");`);
    this.addSql(`create index "webhook_endpoint_operator_id_index" on "webhook_endpoint" ("operator_id");`);

    this.addSql(`create table "webhook_event" ("id" uuid not null, "seq" bigserial, "audit_event_id" bigint null, "organization_id" uuid null, "operator_id" uuid null, "member_id" uuid null, "type" varchar(100) not null, "data" jsonb not null, "occurred_at" timestamptz not null, "only_endpoint_id" uuid null, "fanned_out_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "webhook_event" add constraint "webhook_event_seq_unique" unique ("seq");`);
    this.addSql(`create index "webhook_event_fanned_out_at_seq_index" on "webhook_event" ("fanned_out_at", "seq");`);

    this.addSql(`create table "webhook_delivery" ("id" uuid not null, "endpoint_id" uuid not null, "event_id" uuid not null, "stream_key" varchar(100) not null, "status" text not null default 'pending', "attempts" int not null default 0, "round_attempts" int not null default 0, "last_attempt_at" timestamptz null, "last_status_code" int null, "last_error" varchar(500) null, "last_response" text null, "last_duration_ms" int null, "next_attempt_at" timestamptz null, "delivered_at" timestamptz null, "dispatched_at" timestamptz null, "leased_until" timestamptz null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "webhook_delivery_endpoint_id_stream_key_status_index" on "webhook_delivery" ("endpoint_id", "stream_key", "status");`);
    this.addSql(`create index "webhook_delivery_status_next_attempt_at_index" on "webhook_delivery" ("status", "next_attempt_at");`);
    this.addSql(`alter table "webhook_delivery" add constraint "webhook_delivery_endpoint_id_event_id_unique" unique ("endpoint_id", "event_id");`);

    this.addSql(`alter table "webhook_endpoint" add constraint "webhook_endpoint_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on delete cascade;`);
    this.addSql(`alter table "webhook_endpoint" add constraint "webhook_endpoint_operator_id_foreign" foreign key ("operator_id") references "operator" ("id");`);

    this.addSql(`alter table "webhook_event" add constraint "webhook_event_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on delete cascade;`);
    this.addSql(`alter table "webhook_event" add constraint "webhook_event_operator_id_foreign" foreign key ("operator_id") references "operator" ("id") on delete set null;`);
    this.addSql(`alter table "webhook_event" add constraint "webhook_event_member_id_foreign" foreign key ("member_id") references "member" ("id") on delete set null;`);

    this.addSql(`alter table "webhook_delivery" add constraint "webhook_delivery_endpoint_id_foreign" foreign key ("endpoint_id") references "webhook_endpoint" ("id") on delete cascade;`);
    this.addSql(`alter table "webhook_delivery" add constraint "webhook_delivery_event_id_foreign" foreign key ("event_id") references "webhook_event" ("id") on delete cascade;`);
    this.addSql(`alter table "webhook_delivery" add constraint "webhook_delivery_status_check" check ("status" in ('pending', 'delivered', 'failed'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "webhook_delivery" drop constraint "webhook_delivery_endpoint_id_foreign";`);
    this.addSql(`alter table "webhook_delivery" drop constraint "webhook_delivery_event_id_foreign";`);

    this.addSql(`drop table if exists "webhook_endpoint" cascade;`);
    this.addSql(`drop table if exists "webhook_event" cascade;`);
    this.addSql(`drop table if exists "webhook_delivery" cascade;`);
  }

}
