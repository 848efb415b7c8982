// A real HTTP receiver for webhook tests, drills and the benchmark: records every request (headers, raw body) and answers
// as the test says — 200, an error, 410, 429 with Retry-After, or a dropped connection.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** An answer; `drop`: the connection is cut; `hang`: no answer at all. */
export type ReceiverMode = { status: number; headers?: Record<string, string>; body?: string } | 'drop' | 'hang';

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  headers: Record<string, string>;
  body: string;
  /** What the receiver answered (0: dropped). */
  answered: number;
  at: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** How it answers from now on. */
  answer(mode: ReceiverMode): void;
  /** Requests answered 2xx, by webhook-id. */
  accepted(): ReceivedWebhook[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(path = '/hooks', onRequest?: (r: ReceivedWebhook) => void): Promise<WebhookReceiver> {
  let mode: ReceiverMode = { status: 200, body: 'ok' };
  const received: ReceivedWebhook[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
      const current = mode;
      const entry = {
        id: headers['webhook-id'] ?? '', timestamp: headers['webhook-timestamp'] ?? '', signature: headers['webhook-signature'] ?? '',
        headers, body: Buffer.concat(chunks).toString('utf8'), answered: typeof current === 'string' ? 0 : current.status, at: Date.now(),
      };
      received.push(entry);
      onRequest?.(entry);
      if (current === 'drop') {
        request.socket.destroy();
        return;
      }
      if (current === 'hang') return;
      response.writeHead(current.status, { 'content-type': 'text/plain', ...current.headers });
      response.end(current.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    answer(next) {
      mode = next;
    },
    accepted: () => received.filter((r) => r.answered >= 200 && r.answered < 300),
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
