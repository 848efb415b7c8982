// Sends one rendered e-mail over SMTP. The outbox (activities/email.ts) decides whether to send;
// this only talks to the server and says whether a failure is worth retrying.
import nodemailer from 'nodemailer';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable per outbox row: a receiving server that saw it already can drop a rare duplicate. */
  messageId: string;
}

export interface Mailer {
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
  close(): void;
}

export class PermanentMailError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentMailError';
  }
}

export function createMailer(options: { smtpUrl: string; from: string }): Mailer {
  // Pooled: a burst of invitations (a bulk import) reuses a few connections instead of opening one
  // per e-mail. Short timeouts so that a stuck server fails the attempt and Temporal retries it,
  // well inside the activity's own timeout. Settings in the URL's query win over these.
  const transport = nodemailer.createTransport({
    url: options.smtpUrl,
    pool: true,
    maxConnections: 5,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async send(email) {
      try {
        const info = await transport.sendMail({ from: options.from, ...email });
        return { messageId: info.messageId };
      } catch (error) {
        // 5xx: the server refused this message for good (unknown mailbox, policy); retrying sends
        // nothing. Everything else (connection, 4xx) is worth another attempt.
        const code = (error as { responseCode?: number }).responseCode;
        if (code !== undefined && code >= 500) throw new PermanentMailError((error as Error).message);
        throw error;
      }
    },
    close: () => transport.close(),
  };
}
