import { Migration } from '@mikro-orm/migrations';

export class Migration20261123133008_lifecycle extends Migration {

  override name = 'Migration20261123133008_lifecycle';

  override up(): void | Promise<void> {
    this.addSql(`create table "auth_token" ("id" uuid not null, "member_id" uuid not null, "purpose" text not null, "secret_hash" varchar(128) null, "expires_at" timestamptz not null, "consumed_at" timestamptz null, "revoked_at" timestamptz null, "attempts" int not null default 0, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "auth_token_member_id_purpose_index" on "auth_token" ("member_id", "purpose");`);

    this.addSql(`create table "wifi_credential" ("id" uuid not null, "member_id" uuid not null, "site_id" uuid not null, "ssid" varchar(64) null, "username" varchar(100) not null, "password_ciphertext" text not null, "created_at" timestamptz not null, "revoked_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "wifi_credential" add constraint "wifi_credential_member_id_unique" unique ("member_id");`);
    this.addSql(`alter table "wifi_credential" add constraint "wifi_credential_username_unique" unique ("username");`);

    this.addSql(`alter table "site" add "access_list_version" int not null default 0;`);

    this.addSql(`alter table "member" add "enrollment_pin" varchar(5) null, add "workflow_run_id" varchar(64) null;`);
    this.addSql(`alter table "member" add constraint "member_site_id_enrollment_pin_unique" unique ("site_id", "enrollment_pin");`);

    this.addSql(`alter table "audit_event" add "idempotency_key" varchar(300) null;`);
    this.addSql(`alter table "audit_event" add constraint "audit_event_idempotency_key_unique" unique ("idempotency_key");`);

    this.addSql(`alter table "card" add "access_granted_at" timestamptz null;`);

    this.addSql(`alter table "auth_token" add constraint "auth_token_member_id_foreign" foreign key ("member_id") references "member" ("id");`);
    this.addSql(`alter table "auth_token" add constraint "auth_token_purpose_check" check ("purpose" in ('invitation', 'session', 'password_reset'));`);

    this.addSql(`alter table "wifi_credential" add constraint "wifi_credential_member_id_foreign" foreign key ("member_id") references "member" ("id");`);
    this.addSql(`alter table "wifi_credential" add constraint "wifi_credential_site_id_foreign" foreign key ("site_id") references "site" ("id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "auth_token" cascade;`);
    this.addSql(`drop table if exists "wifi_credential" cascade;`);

    this.addSql(`alter table "audit_event" drop constraint "audit_event_idempotency_key_unique";`);
    this.addSql(`alter table "audit_event" drop column "idempotency_key";`);

    this.addSql(`alter table "card" drop column "access_granted_at";`);

    this.addSql(`alter table "member" drop constraint "member_site_id_enrollment_pin_unique";`);
    this.addSql(`alter table "member" drop column "enrollment_pin", drop column "workflow_run_id";`);

    this.addSql(`alter table "site" drop column "access_list_version";`);
  }

}
