import { Migration } from '@mikro-orm/migrations';

export class Migration20261202043258_qr_unique_per_site extends Migration {

  override name = 'Migration20261202043258_qr_unique_per_site';

  override up(): void | Promise<void> {
    this.addSql(`alter table "card" drop constraint "card_qr_token_unique";`);
    this.addSql(`alter table "card" add constraint "card_site_id_qr_token_unique" unique ("site_id", "qr_token");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "card" drop constraint "card_site_id_qr_token_unique";`);
    this.addSql(`alter table "card" add constraint "card_qr_token_unique" unique ("qr_token");`);
  }

}
