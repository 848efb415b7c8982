// The webhook receiver (scripts/lib/webhook-receiver.ts), closed after the test.
import { startWebhookReceiver, type WebhookReceiver } from '../../scripts/lib/webhook-receiver.ts';
import type { Scope } from './scope.ts';

export type { ReceivedWebhook, ReceiverMode, WebhookReceiver } from '../../scripts/lib/webhook-receiver.ts';

export async function webhookReceiver(t: Scope, path = '/hooks'): Promise<WebhookReceiver> {
  const receiver = await startWebhookReceiver(path);
  t.teardown(() => receiver.close());
  return receiver;
}
