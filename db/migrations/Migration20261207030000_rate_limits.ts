import { Migration } from '@mikro-orm/migrations';

// The sign-in and password-reset limits, counted once for every API process: rate-limiter-flexible's
// PostgreSQL store, in its own table shape (it reads and writes it; the entities do not describe it).
export class Migration20261207030000_rate_limits extends Migration {

  override name = 'Migration20261207030000_rate_limits';

  override up(): void | Promise<void> {
    this.addSql(`create table "rate_limit" ("key" varchar(255) primary key, "points" integer not null default 0, "expire" bigint);`);
    this.addSql(`create index "rate_limit_expire_index" on "rate_limit" ("expire");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table "rate_limit";`);
  }

}
