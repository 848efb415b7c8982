// Every port `npm start` will listen on, checked before anything starts. The Temporal dev server
// of another checkout's stack on 7233 answered our namespace before ours failed to bind, and the
// stack then served against that foreign server as if it were its own.
import type { Config } from '../../config/index.ts';
import { stopLeftoverFreeradius } from '../../services/freeradius.ts';
import { stopLeftoverDevServer } from '../../services/temporal-server.ts';
import { CommandError } from '../../lib/cli.ts';
import { portFree, udpPortFree } from './ports.ts';

interface Wanted {
  port: number;
  what: string;
  variable: string;
  udp?: { host: string };
}

/**
 * The ports this configuration starts servers on (the ones it connects to are not ours to check).
 * Embedded PostgreSQL is not here: it guards its own data folder and port, and stops its own leftover.
 */
function portsWanted(config: Config, radiusWillStart: boolean): Wanted[] {
  const wanted: Wanted[] = [{ port: config.http.port, what: 'the API', variable: 'PORT' }];
  if (!config.temporal.external) {
    wanted.push({ port: config.temporal.port, what: 'the Temporal dev server', variable: 'TEMPORAL_PORT' });
    if (!config.temporal.headless) wanted.push({ port: config.temporal.uiPort, what: 'the Temporal UI', variable: 'TEMPORAL_UI_PORT' });
  }
  if (config.mail.catcher) wanted.push({ port: config.mail.catcherPort, what: 'the mail catcher', variable: 'SMTP_CATCHER_PORT' });
  if (radiusWillStart) {
    const host = config.radius.listenAddress;
    wanted.push({ port: config.radius.authPort, what: 'FreeRADIUS (authentication)', variable: 'RADIUS_AUTH_PORT', udp: { host } });
    wanted.push({ port: config.radius.acctPort, what: 'FreeRADIUS (accounting)', variable: 'RADIUS_ACCT_PORT', udp: { host } });
  }
  return wanted;
}

/**
 * Our own leftovers (a start killed hard) are stopped first, as each server would at its start;
 * then any port still taken is someone else's, and the start is refused in one line naming it.
 */
export async function checkPorts(config: Config, ours: { temporalDbFile?: string; radiusDir?: string }, onProgress: (m: string) => void): Promise<void> {
  if (ours.temporalDbFile) await stopLeftoverDevServer(ours.temporalDbFile, onProgress);
  if (ours.radiusDir) await stopLeftoverFreeradius(ours.radiusDir);
  for (const wanted of portsWanted(config, ours.radiusDir !== undefined)) {
    const free = wanted.udp ? await udpPortFree(wanted.port, wanted.udp.host) : await portFree(wanted.port);
    if (!free) throw new CommandError(`port ${wanted.port} (${wanted.what}) is already in use by another program, perhaps another stack: stop it, or set ${wanted.variable}`);
  }
}

