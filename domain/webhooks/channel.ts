/** The PostgreSQL NOTIFY channel a committed webhook event is announced on (the relay listens). */
export const WEBHOOK_CHANNEL = 'webhook_events';
