// The SMTP server of the benchmarks and fault drills: keeps every delivery in memory (raw, parsed
// on demand), counts re-deliveries by Message-ID, and can be taken down and brought back up on
// the same port to play an outage.
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './ports.ts';

export interface Delivery {
  to: string[];
  messageId: string;
  subject: string;
  receivedAt: number;
  raw: Buffer;
}

export interface SmtpSink {
  url: string;
  deliveries: Delivery[];
  /** Deliveries to one address, oldest first. */
  to(address: string): Delivery[];
  parse(delivery: Delivery): Promise<ParsedMail>;
  /** Deliveries of a Message-ID already delivered: SMTP is at-least-once when a sender dies between the server's "250 OK" and writing it down. */
  redeliveries(): number;
  up(): Promise<void>;
  /** Stops listening and drops open connections: senders see "connection refused" until up(). */
  down(): Promise<void>;
  isUp(): boolean;
}

/** RFC 2047 encoded words (`=?UTF-8?Q?D=C3=A9part?=`), as UTF-8 text; the space between two of them is folding. */
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, _charset: string, encoding: string, text: string) =>
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8'),
    );
}

/** The unfolded, decoded value of one header of a raw message. */
function header(raw: Buffer, name: string): string {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, end < 0 ? raw.length : end).toString('utf8').replace(/\r\n[ \t]+/g, ' ');
  const match = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head);
  return decodeWords(match?.[1]?.trim() ?? '');
}

export async function startSmtpSink(options: { port?: number } = {}): Promise<SmtpSink> {
  const port = options.port ?? (await freePort());
  const deliveries: Delivery[] = [];
  const byAddress = new Map<string, Delivery[]>();
  let server: SMTPServer | undefined;

  const create = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      // A "down" server must drop its connections now, not after the default 30 s.
      closeTimeout: 200,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          const delivery: Delivery = {
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            messageId: header(raw, 'Message-ID'),
            subject: header(raw, 'Subject'),
            receivedAt: Date.now(),
            raw,
          };
          deliveries.push(delivery);
          for (const address of delivery.to) byAddress.set(address, [...(byAddress.get(address) ?? []), delivery]);
          callback();
        });
      },
    });

  const sink: SmtpSink = {
    url: `smtp://127.0.0.1:${port}`,
    deliveries,
    to: (address) => byAddress.get(address.toLowerCase()) ?? [],
    parse: (delivery) => simpleParser(delivery.raw),
    redeliveries() {
      const ids = new Set(deliveries.map((d) => d.messageId));
      return deliveries.length - ids.size;
    },
    async up() {
      if (server) return;
      const next = create();
      await new Promise<void>((resolve, reject) => {
        next.once('error', reject);
        next.listen(port, '127.0.0.1', () => resolve());
      });
      // A sender killed mid-message resets its connection: that is the drill, not a sink failure.
      next.on('error', () => {});
      server = next;
    },
    async down() {
      const current = server;
      server = undefined;
      if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
    },
    isUp: () => server !== undefined,
  };
  await sink.up();
  return sink;
}
