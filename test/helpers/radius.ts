// Real Wi-Fi clients against a real FreeRADIUS: `eapol_test` (wpa_supplicant's RADIUS test
// client, a WPA2-Enterprise supplicant) and a UDP socket standing in for an access point, which
// sends accounting and answers Disconnect-Messages.
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import radius from 'radius';
import { freeUdpPortPair } from '../../scripts/lib/ports.ts';
import { findFreeradius, startFreeradius, type Freeradius } from '../../services/freeradius.ts';
import { tag } from './api.ts';
import { testEnv } from './env.ts';
import type { Scope } from './scope.ts';

const run = promisify(execFile);

/** FreeRADIUS on this database, loopback, its clients re-read every second. */
export async function startTestRadius(t: Scope, databaseUrl: string): Promise<Freeradius> {
  const binary = findFreeradius(process.env.FREERADIUS_PATH || undefined);
  if (!binary) throw new Error('FreeRADIUS is not installed: apt-get install freeradius freeradius-postgresql freeradius-utils eapoltest (.ci/run does)');
  const authPort = await freeUdpPortPair();
  const dir = path.join(testEnv.workDir, `radius-${tag()}`);
  const server = await startFreeradius({
    binary: binary.path, dir, databaseUrl, listenAddress: '127.0.0.1', authPort, acctPort: authPort + 1, clientNetwork: '127.0.0.0/8', clientLifetime: 1,
  });
  t.teardown(() => server.stop());
  return server;
}

/** A loopback address of its own, as if each access point were a different box. */
export const accessPointAddress = () => `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 256)}.${2 + Math.floor(Math.random() * 250)}`;

export interface EapolResult {
  success: boolean;
  /** The Access-Accept's attributes by number (as eapol_test prints them, hex), when there was one. */
  accept?: Map<number, string>;
  output: string;
}

/** One WPA2-Enterprise authentication, PEAP/MSCHAPv2 or TTLS/PAP, from `source`. */
export async function eapol(options: { server: Freeradius; source: string; secret: string; identity: string; password: string; method?: 'peap' | 'ttls'; timeoutSeconds?: number }): Promise<EapolResult> {
  const file = path.join(testEnv.workDir, `eapol-${tag()}.conf`);
  const [eap, phase2] = options.method === 'ttls' ? ['TTLS', 'auth=PAP'] : ['PEAP', 'auth=MSCHAPV2'];
  fs.writeFileSync(file, `network={\n  ssid="test"\n  key_mgmt=WPA-EAP\n  eap=${eap}\n  identity="${options.identity}"\n  password="${options.password}"\n  phase2="${phase2}"\n}\n`);
  const args = ['-c', file, '-a', '127.0.0.1', '-p', String(options.server.authPort), '-s', options.secret, '-A', options.source, '-t', String(options.timeoutSeconds ?? 5), '-r', '0'];
  let output: string;
  let success: boolean;
  try {
    output = (await run('eapol_test', args, { maxBuffer: 16 * 1024 * 1024 })).stdout;
    success = /^SUCCESS$/m.test(output);
  } catch (error) {
    output = String((error as { stdout?: string }).stdout ?? error);
    success = false;
  } finally {
    fs.rmSync(file, { force: true });
  }
  const acceptAt = output.lastIndexOf('(Access-Accept)');
  let accept: Map<number, string> | undefined;
  if (acceptAt >= 0) {
    accept = new Map();
    const block = output.slice(acceptAt).split(/\n(?=\S)/)[0]!;
    for (const m of block.matchAll(/Attribute (\d+) \([^)]*\) length=\d+\n\s+Value: (\S+)/g)) accept.set(Number(m[1]), m[2]!);
  }
  return { success, ...(accept ? { accept } : {}), output };
}

export interface FakeAccessPoint {
  address: string;
  coaPort: number;
  /** The Disconnect-Requests it received (verified with the secret), attributes decoded. */
  disconnects: Record<string, unknown>[];
  /** What it answers; ACK unless told otherwise. */
  answer: 'Disconnect-ACK' | 'Disconnect-NAK' | 'silence';
  secret: string;
  /** An Accounting-Request Start for a session of `username`, to the RADIUS server. */
  startSession(server: Freeradius, username: string, sessionId: string): Promise<void>;
}

export async function fakeAccessPoint(t: Scope, address = accessPointAddress()): Promise<FakeAccessPoint> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, address, () => resolve());
  });
  t.teardown(() => new Promise<void>((r) => socket.close(() => r())));
  const point: FakeAccessPoint = {
    address,
    coaPort: socket.address().port,
    disconnects: [],
    answer: 'Disconnect-ACK',
    secret: '',
    async startSession(server, username, sessionId) {
      const client = dgram.createSocket('udp4');
      await new Promise<void>((r) => client.bind(0, address, () => r()));
      try {
        const packet = radius.encode({
          code: 'Accounting-Request',
          secret: point.secret,
          identifier: 1,
          attributes: [['User-Name', username], ['Acct-Status-Type', 'Start'], ['Acct-Session-Id', sessionId], ['NAS-IP-Address', address], ['Calling-Station-Id', '02-00-00-00-00-01'], ['Called-Station-Id', '0A-00-00-00-00-01:Members']],
        });
        const answered = new Promise<Buffer>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no Accounting-Response within 5 s')), 5000);
          client.once('message', (m) => { clearTimeout(timer); resolve(m); });
        });
        client.send(packet, server.acctPort, '127.0.0.1');
        const reply = radius.decode({ packet: await answered, secret: point.secret });
        if (reply.code !== 'Accounting-Response') throw new Error(`accounting answered ${reply.code}`);
      } finally {
        client.close();
      }
    },
  };
  socket.on('message', (message, from) => {
    let request;
    try {
      request = radius.decode({ packet: message, secret: point.secret });
    } catch {
      return; // a wrong secret: an access point drops it
    }
    if (request.code !== 'Disconnect-Request') return;
    point.disconnects.push(request.attributes);
    if (point.answer === 'silence') return;
    const reply = radius.encode_response({ packet: request, code: point.answer, secret: point.secret, ...(point.answer === 'Disconnect-NAK' ? { attributes: [['Error-Cause', 'Session-Context-Not-Found']] } : {}) });
    socket.send(reply, from.port, from.address);
  });
  return point;
}
