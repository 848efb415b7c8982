import { Migration } from '@mikro-orm/migrations';

export class Migration20261202044407_import_row_reasons extends Migration {

  override name = 'Migration20261202044407_import_row_reasons';

  override up(): void | Promise<void> {
    this.addSql(`alter table "member_import_row" add "reason" varchar(40) null, add "reason_params" jsonb null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "member_import_row" drop column "reason", drop column "reason_params";`);
  }

}
