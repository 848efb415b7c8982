// A door agent says it is alive every 30 seconds, with what an operator needs to trust the door:
// its version, the list version it decides from, the entry events still waiting to be uploaded and
// each reader's state. A door heard from more than 2 minutes ago is "silent": its agent stopped,
// lost the network or lost power, and the door decides (or not) on its own.
import { sql } from 'kysely';
import { dbNow, jsonb } from '../../db/sql.ts';
import type { EntityManager } from '../../db/orm.ts';
import type { AgentReader } from '../../db/entities/door-controller.entity.ts';
import type { DoorControllerIdentity } from './signatures.ts';

export const SILENT_AFTER_S = 120;

export interface Heartbeat {
  agentVersion: string;
  listVersion: number | null;
  queuedEvents: number;
  readers: AgentReader[];
}

export async function recordHeartbeat(em: EntityManager, door: DoorControllerIdentity, beat: Heartbeat): Promise<void> {
  await em
    .getKysely()
    .updateTable('door_controller')
    .set({
      heartbeat_at: dbNow,
      agent_version: beat.agentVersion,
      agent_list_version: beat.listVersion,
      agent_queued_events: beat.queuedEvents,
      agent_readers: jsonb(beat.readers),
    })
    .where('id', '=', door.doorControllerId)
    .execute();
}

/** `never_seen`: no request yet; `silent`: nothing heard for more than 2 minutes. */
export type DoorHealth = 'never_seen' | 'ok' | 'silent';

export const silentSql = sql<boolean>`last_seen_at < now() - make_interval(secs => ${SILENT_AFTER_S})`;
