// Every port `npm start` will listen on, checked before anything starts. The Temporal dev server
// of another checkout's stack on 7233 answered our namespace before ours failed to bind, and the
// stack then served against that foreign server as if it were its own.
import dgram from 'node:dgram';
import path from 'node:path';
import type { Config } from '../../config/index.ts';
import { stopLeftover } from '../../services/stale-process.ts';
import { CommandError } from './cli.ts';
import { portFree } from './ports.ts';

function udpFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, host, () => socket.close(() => resolve(true)));
  });
}

interface Wanted {
  port: number;
  what: string;
  variable: string;
  udp?: { host: string };
}

/** The ports this configuration starts servers on (the ones it connects to are not ours to check). */
export function portsWanted(config: Config, radiusWillStart: boolean): Wanted[] {
  const wanted: Wanted[] = [{ port: config.http.port, what: 'the API', variable: 'PORT' }];
  if (!config.database.url) wanted.push({ port: config.database.embeddedPort, what: 'embedded PostgreSQL', variable: 'EMBEDDED_POSTGRES_PORT' });
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
export async function checkPorts(config: Config, radiusWillStart: boolean, onProgress: (m: string) => void): Promise<void> {
  const temporalDb = path.join(config.dataDir, 'temporal', 'temporal.sqlite');
  if (!config.temporal.external && (await stopLeftover(`${temporalDb}.pid`, temporalDb, 'SIGTERM'))) onProgress('Stopped a Temporal dev server left running by an earlier start');
  await stopLeftover(path.join(config.dataDir, 'radius', 'run', 'freeradius.pid'), path.join(config.dataDir, 'radius', 'raddb'), 'SIGTERM');
  for (const wanted of portsWanted(config, radiusWillStart)) {
    // Embedded PostgreSQL guards its own data folder and stops its own leftover itself.
    if (wanted.what === 'embedded PostgreSQL') continue;
    const free = wanted.udp ? await udpFree(wanted.port, wanted.udp.host) : await portFree(wanted.port);
    if (!free) throw new CommandError(`port ${wanted.port} (${wanted.what}) is already in use by another program, perhaps another stack: stop it, or set ${wanted.variable}`);
  }
}
