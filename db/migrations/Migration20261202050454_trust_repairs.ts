import { Migration } from '@mikro-orm/migrations';

export class Migration20261202050454_trust_repairs extends Migration {

  override name = 'Migration20261202050454_trust_repairs';

  override up(): void | Promise<void> {
    this.addSql(`create table "door_pin_attempt" ("id" bigserial primary key, "site_id" uuid not null, "door_controller_id" uuid not null, "pin" varchar(5) not null, "attempted_at" timestamptz not null, "outcome" text not null default 'pending');`);
    this.addSql(`create index "door_pin_attempt_site_id_attempted_at_index" on "door_pin_attempt" ("site_id", "attempted_at");`);

    this.addSql(`alter table "member_import_row" add "reason" varchar(40) null, add "reason_params" jsonb null;`);

    this.addSql(`alter table "card" drop constraint "card_qr_token_unique";`);
    this.addSql(`alter table "card" add constraint "card_site_id_qr_token_unique" unique ("site_id", "qr_token");`);

    this.addSql(`alter table "door_pin_attempt" add constraint "door_pin_attempt_site_id_foreign" foreign key ("site_id") references "site" ("id") on delete cascade;`);
    this.addSql(`alter table "door_pin_attempt" add constraint "door_pin_attempt_door_controller_id_foreign" foreign key ("door_controller_id") references "door_controller" ("id") on delete cascade;`);
    this.addSql(`alter table "door_pin_attempt" add constraint "door_pin_attempt_outcome_check" check ("outcome" in ('pending', 'failed', 'succeeded'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "door_pin_attempt" cascade;`);

    this.addSql(`alter table "card" drop constraint "card_site_id_qr_token_unique";`);
    this.addSql(`alter table "card" add constraint "card_qr_token_unique" unique ("qr_token");`);

    this.addSql(`alter table "member_import_row" drop column "reason", drop column "reason_params";`);
  }

}
