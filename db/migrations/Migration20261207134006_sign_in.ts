// Joining and signing in (issue 36): company e-mail domains, join policy, contracted seats and
// single sign-on; sign-up requests; passkeys; the one-time challenges of passkeys and OpenID
// Connect; the operator's billing link; and members awaiting an admin's approval.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261207134006_sign_in extends Migration {

  override name = 'Migration20261207134006_sign_in';

  override up(): void | Promise<void> {
    this.addSql(`create table "company_domain" ("domain" varchar(253) not null, "organization_id" uuid not null, "declared_by" varchar(100) not null, "declared_at" timestamptz not null, "confirmed_by" varchar(100) null, "confirmed_at" timestamptz null, primary key ("domain"));`);

    this.addSql(`create table "sign_up_request" ("id" uuid not null, "organization_id" uuid not null, "email" varchar(320) not null, "locale" varchar(8) not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "consumed_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "sign_up_request_organization_id_email_index" on "sign_up_request" ("organization_id", "email");`);

    this.addSql(`create table "sign_in_challenge" ("id" uuid not null, "purpose" text not null, "member_id" uuid null, "organization_id" uuid null, "data" jsonb not null, "expires_at" timestamptz not null, "consumed_at" timestamptz null, primary key ("id"));`);

    this.addSql(`create table "passkey" ("id" varchar(1400) not null, "member_id" uuid not null, "public_key" bytea not null, "counter" bigint not null default '0', "transports" jsonb null, "name" varchar(100) not null, "created_at" timestamptz not null, "last_used_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "passkey_member_id_index" on "passkey" ("member_id");`);

    this.addSql(`alter table "operator" add "billing_url" varchar(2000) null, add "billing_contact" varchar(320) null;`);

    this.addSql(`alter table "organization" add "join_policy" text not null default 'approval', add "seats" int null, add "sso" jsonb null;`);
    this.addSql(`alter table "organization" add constraint "organization_join_policy_check" check ("join_policy" in ('automatic', 'approval'));`);

    this.addSql(`alter table "member" drop constraint "member_status_check";`);
    this.addSql(`alter table "member" add constraint "member_status_check" check ("status" in ('scheduled', 'awaiting_approval', 'invited', 'invitation_expired', 'awaiting_card', 'card_overdue', 'active', 'removed'));`);

    this.addSql(`alter table "company_domain" add constraint "company_domain_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on delete cascade;`);

    this.addSql(`alter table "sign_up_request" add constraint "sign_up_request_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on delete cascade;`);

    this.addSql(`alter table "sign_in_challenge" add constraint "sign_in_challenge_member_id_foreign" foreign key ("member_id") references "member" ("id") on delete cascade;`);
    this.addSql(`alter table "sign_in_challenge" add constraint "sign_in_challenge_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on delete cascade;`);
    this.addSql(`alter table "sign_in_challenge" add constraint "sign_in_challenge_purpose_check" check ("purpose" in ('passkey_registration', 'passkey_sign_in', 'sso'));`);

    this.addSql(`alter table "passkey" add constraint "passkey_member_id_foreign" foreign key ("member_id") references "member" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "company_domain" cascade;`);
    this.addSql(`drop table if exists "sign_up_request" cascade;`);
    this.addSql(`drop table if exists "sign_in_challenge" cascade;`);
    this.addSql(`drop table if exists "passkey" cascade;`);

    this.addSql(`alter table "member" drop constraint "member_status_check";`);
    this.addSql(`alter table "member" add constraint "member_status_check" check ("status" in ('scheduled', 'invited', 'invitation_expired', 'awaiting_card', 'card_overdue', 'active', 'removed'));`);

    this.addSql(`alter table "operator" drop column "billing_url", drop column "billing_contact";`);

    this.addSql(`alter table "organization" drop constraint "organization_join_policy_check";`);
    this.addSql(`alter table "organization" drop column "join_policy", drop column "seats", drop column "sso";`);
  }

}
