import dgram from 'node:dgram';
import net from 'node:net';

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function bindUdp(port: number, host = '127.0.0.1'): Promise<dgram.Socket | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => resolve(undefined));
    socket.bind(port, host, () => resolve(socket));
  });
}

/** Whether UDP `port` can be bound on `host` right now. */
export async function udpPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  const socket = await bindUdp(port, host);
  if (!socket) return false;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return true;
}

/** Two consecutive UDP ports free on 127.0.0.1 (RADIUS authentication, then accounting). */
export async function freeUdpPortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await bindUdp(0);
    if (!first) continue;
    const port = first.address().port;
    const second = port < 65535 ? await bindUdp(port + 1) : undefined;
    first.close();
    second?.close();
    if (second) return port;
  }
  throw new Error('no two consecutive free UDP ports on 127.0.0.1');
}

/** Whether `port` can be listened on at 127.0.0.1 right now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free TCP port in [low, high), for servers that cannot take any port: the Temporal server
 * stores its membership ports in a smallint column, so they must stay below 32768, under
 * Linux's ephemeral range (where `freePort` picks) that begins at 32768.
 */
export async function freePortIn(low: number, high: number, taken: ReadonlySet<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (!taken.has(port) && (await portFree(port))) return port;
  }
  throw new Error(`no free TCP port between ${low} and ${high} on 127.0.0.1`);
}
