// Hears PostgreSQL's notification of committed webhook events (recordAudit's pg_notify) and wakes
// the relay workflow, so an event goes out within moments instead of at the relay's next sweep.
// Best effort by design: a lost notification only waits for the sweep.
import pg from 'pg';
import { WEBHOOK_CHANNEL } from '../domain/webhooks/channel.ts';
import type { WebhookGateway } from '../domain/webhooks/gateway.ts';

export interface WebhookListener {
  close(): Promise<void>;
}

export async function listenForWebhookEvents(options: {
  databaseUrl: string;
  gateway: WebhookGateway;
  onError?: (error: unknown) => void;
}): Promise<WebhookListener> {
  let closed = false;
  let client: pg.Client | undefined;
  let pending: Promise<void> | undefined;
  let again = false;
  // Coalesced: a burst of commits is one wake-up (and one more if some came in during it).
  const wake = () => {
    if (pending) {
      again = true;
      return;
    }
    pending = options.gateway
      .wakeRelay()
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        pending = undefined;
        if (again && !closed) {
          again = false;
          wake();
        }
      });
  };
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: options.databaseUrl });
    c.on('notification', wake);
    c.on('error', (error) => {
      options.onError?.(error);
      c.end().catch(() => {});
      reconnect();
    });
    await c.connect();
    await c.query(`listen ${WEBHOOK_CHANNEL}`);
    client = c;
    // Whatever committed while nobody listened.
    wake();
  };
  const reconnect = () => {
    if (closed) return;
    setTimeout(() => {
      connect().catch((error: unknown) => {
        options.onError?.(error);
        reconnect();
      });
    }, 1000).unref();
  };
  await connect();
  return {
    async close() {
      closed = true;
      await client?.end().catch(() => {});
      await pending;
    },
  };
}
