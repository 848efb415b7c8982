// A development SMTP server: accepts every message, keeps it under .data/mail/ and lets the API's
// dev pages list and show it. Used by `npm start` when SMTP_URL is not set; never in production.
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CaughtMail {
  id: string;
  receivedAt: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html?: string;
}

export interface MailCatcher {
  port: number;
  smtpUrl: string;
  /** Newest first; `to` keeps the messages for one recipient (read from the envelope, before parsing). */
  list(options?: { to?: string }): Promise<CaughtMail[]>;
  get(id: string): Promise<CaughtMail | undefined>;
  stop(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/** Reads what a catcher stored in `dir`, newest first; usable from another process (tests). */
export function openMailbox(dir: string): Pick<MailCatcher, 'list' | 'get'> {
  async function read(id: string, to?: string): Promise<CaughtMail | undefined> {
    if (!/^[\w-]+$/.test(id)) return undefined;
    try {
      const envelope = JSON.parse(await fs.readFile(path.join(dir, `${id}.json`), 'utf8')) as { from: string; to: string[] };
      if (to && !envelope.to.some((address) => address.toLowerCase() === to.toLowerCase())) return undefined;
      const raw = await fs.readFile(path.join(dir, `${id}.eml`));
      const parsed = await simpleParser(raw);
      return {
        id,
        receivedAt: new Date(Number(id.split('-')[0])).toISOString(),
        from: envelope.from,
        to: envelope.to,
        subject: parsed.subject ?? '',
        text: parsed.text ?? '',
        html: parsed.html || undefined,
      };
    } catch {
      return undefined;
    }
  }

  return {
    async list(options = {}) {
      const ids = (await fs.readdir(dir))
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.slice(0, -5))
        .sort()
        .reverse();
      const mails = await Promise.all(ids.map((id) => read(id, options.to)));
      return mails.filter((m): m is CaughtMail => m !== undefined);
    },
    get: (id) => read(id),
  };
}

export async function startMailCatcher(options: { dir: string; port: number; host?: string }): Promise<MailCatcher> {
  await fs.mkdir(options.dir, { recursive: true });
  const host = options.host ?? '127.0.0.1';

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const id = `${Date.now()}-${randomUUID().slice(0, 8)}`;
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
        };
        // The envelope last: a reader that sees it finds the whole message.
        fs.writeFile(path.join(options.dir, `${id}.eml`), Buffer.concat(chunks))
          .then(() => fs.writeFile(path.join(options.dir, `${id}.json`), JSON.stringify(envelope)))
          .then(() => callback(), callback);
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;

  return {
    port,
    smtpUrl: `smtp://${host}:${port}`,
    ...openMailbox(options.dir),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
