import { Migration } from '@mikro-orm/migrations';

export class Migration20261123153215_branding extends Migration {

  override name = 'Migration20261123153215_branding';

  override up(): void | Promise<void> {
    this.addSql(`alter table "organization" add "brand_color" varchar(7) not null default '#1d4ed8', add "logo_url" varchar(2000) null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "organization" drop column "brand_color", drop column "logo_url";`);
  }

}
