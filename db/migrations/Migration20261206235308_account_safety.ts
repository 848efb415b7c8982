import { Migration } from '@mikro-orm/migrations';

export class Migration20261206235308_account_safety extends Migration {

  override name = 'Migration20261206235308_account_safety';

  override up(): void | Promise<void> {
    this.addSql(`alter table "auth_token" drop constraint "auth_token_purpose_check";`);
    this.addSql(`alter table "auth_token" add "new_email" varchar(320) null;`);
    this.addSql(`alter table "auth_token" add constraint "auth_token_purpose_check" check ("purpose" in ('invitation', 'session', 'password_reset', 'email_change'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "auth_token" drop constraint "auth_token_purpose_check";`);
    this.addSql(`alter table "auth_token" drop column "new_email";`);
    this.addSql(`alter table "auth_token" add constraint "auth_token_purpose_check" check ("purpose" in ('invitation', 'session', 'password_reset'));`);
  }

}
