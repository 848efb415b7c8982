// The door agent (issue 34): what its heartbeat reports — its version, the list version it decides
// from, its queued entry events and each OSDP reader's state — for the operator's site page.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261207062806_door_agent extends Migration {

  override name = 'Migration20261207062806_door_agent';

  override up(): void | Promise<void> {
    this.addSql(`alter table "door_controller" add "heartbeat_at" timestamptz null, add "agent_version" varchar(40) null, add "agent_list_version" int null, add "agent_queued_events" int null, add "agent_readers" jsonb null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "door_controller" drop column "heartbeat_at", drop column "agent_version", drop column "agent_list_version", drop column "agent_queued_events", drop column "agent_readers";`);
  }

}
