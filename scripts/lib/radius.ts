// FreeRADIUS for `npm start`: run when installed, else said once and Wi-Fi stays in the database.
import path from 'node:path';
import type { Config } from '../../config/index.ts';
import { findFreeradius, startFreeradius, type Freeradius } from '../../services/freeradius.ts';
import { CommandError } from '../../lib/cli.ts';

/** FreeRADIUS's folder under the stack's data. */
export const radiusDir = (config: Config) => path.join(config.dataDir, 'radius');

/** Whether startRadius will run FreeRADIUS here (a bad FREERADIUS_PATH is for it to name). */
export function radiusWillStart(config: Config): boolean {
  if (!config.radius.start) return false;
  try {
    return findFreeradius(config.radius.binaryPath) !== undefined;
  } catch {
    return false;
  }
}

export async function startRadius(config: Config, databaseUrl: string, onProgress: (m: string) => void): Promise<{ server?: Freeradius; summary: string }> {
  if (!config.radius.start) return { summary: `(RADIUS_START=0: FreeRADIUS runs elsewhere, on ${config.radius.server.host}:${config.radius.authPort})` };
  const binary = findFreeradius(config.radius.binaryPath);
  if (!binary) {
    const why = 'not installed: Wi-Fi credentials are kept in the database, but no access point can check them (apt-get install freeradius freeradius-postgresql, or set FREERADIUS_PATH)';
    onProgress(`FreeRADIUS ${why}`);
    return { summary: `(FreeRADIUS ${why.split(':')[0]})` };
  }
  onProgress('Starting FreeRADIUS …');
  const { listenAddress, authPort, acctPort, clientNetwork, clientLifetimeSeconds } = config.radius;
  try {
    const server = await startFreeradius({
      binary: binary.path,
      dir: radiusDir(config),
      databaseUrl,
      listenAddress,
      authPort,
      acctPort,
      clientNetwork,
      clientLifetime: clientLifetimeSeconds,
    });
    return { server, summary: `${listenAddress}:${authPort} (auth), ${acctPort} (accounting), ${binary.source}` };
  } catch (error) {
    const message = (error as Error).message;
    if (/not readable|no FreeRADIUS configuration/.test(message)) {
      onProgress(`FreeRADIUS found but not started (${message}): Wi-Fi stays database-only`);
      return { summary: '(FreeRADIUS not started: see above)' };
    }
    throw new CommandError(`FreeRADIUS did not start (${message}); is RADIUS_AUTH_PORT ${authPort} or RADIUS_ACCT_PORT ${acctPort} in use?`);
  }
}
