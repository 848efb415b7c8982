// The small load balancer `npm run cluster` puts in front of its API processes, as a reverse proxy
// would in production: TCP round robin over the APIs' ports. A connection an API refuses (it died
// or is restarting) goes to the next one, so only requests already inside a killed API fail, and
// the clients retry those. Plain TCP keeps HTTP keep-alive and bodies untouched.
import net from 'node:net';

export interface Balancer {
  url: string;
  port: number;
  /** Connections handed to each backend so far, in the order given. */
  readonly served: number[];
  close(): Promise<void>;
}

export async function startBalancer(backends: number[], options: { port?: number; host?: string } = {}): Promise<Balancer> {
  const host = options.host ?? '127.0.0.1';
  const served = backends.map(() => 0);
  let next = 0;
  const sockets = new Set<net.Socket>();

  const connect = (client: net.Socket, tried = 0) => {
    if (tried >= backends.length) {
      client.destroy();
      return;
    }
    const index = next++ % backends.length;
    const upstream = net.connect({ port: backends[index]!, host: '127.0.0.1' });
    sockets.add(upstream);
    upstream.once('close', () => sockets.delete(upstream));
    upstream.once('connect', () => {
      served[index]!++;
      upstream.removeAllListeners('error');
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      client.pipe(upstream).pipe(client);
      client.resume();
    });
    upstream.once('error', () => {
      upstream.destroy();
      connect(client, tried + 1);
    });
  };

  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.on('error', () => {});
    connect(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
