import { Migration } from '@mikro-orm/migrations';

export class Migration20261207001028_scim_member_display extends Migration {

  override name = 'Migration20261207001028_scim_member_display';

  override up(): void | Promise<void> {
    this.addSql(`alter table "scim_group_member" add "display" varchar(256) null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "scim_group_member" drop column "display";`);
  }

}
