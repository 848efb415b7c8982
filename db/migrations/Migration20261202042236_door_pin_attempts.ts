import { Migration } from '@mikro-orm/migrations';

export class Migration20261202042236_door_pin_attempts extends Migration {

  override name = 'Migration20261202042236_door_pin_attempts';

  override up(): void | Promise<void> {
    this.addSql(`create table "door_pin_attempt" ("id" bigserial primary key, "site_id" uuid not null, "door_controller_id" uuid not null, "attempted_at" timestamptz not null, "succeeded" boolean not null default false);`);
    this.addSql(`create index "door_pin_attempt_site_id_attempted_at_index" on "door_pin_attempt" ("site_id", "attempted_at");`);

    this.addSql(`alter table "door_pin_attempt" add constraint "door_pin_attempt_site_id_foreign" foreign key ("site_id") references "site" ("id") on delete cascade;`);
    this.addSql(`alter table "door_pin_attempt" add constraint "door_pin_attempt_door_controller_id_foreign" foreign key ("door_controller_id") references "door_controller" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "door_pin_attempt" cascade;`);
  }

}
