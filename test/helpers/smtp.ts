// A real SMTP server inside the test (smtp-server), each message parsed with mailparser. It can be
// created "down" (its port reserved but not listening) and brought up later, to play an outage.
import net from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { Scope } from './scope.ts';
import { waitFor } from './wait.ts';

/** Every address an HTML e-mail points at or loads (links and images), unescaped. */
export const linksIn = (html: string): string[] => [...html.matchAll(/\b(?:href|src)="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));

export interface ReceivedMail {
  envelopeTo: string[];
  mail: ParsedMail;
}

export interface TestSmtp {
  url: string;
  received: ReceivedMail[];
  to(address: string): ReceivedMail[];
  /** Waits until `address` has received `count` messages (or more) and returns them. */
  waitFor(address: string, count?: number): Promise<ReceivedMail[]>;
  listen(): Promise<void>;
}

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export async function testSmtp(t: Scope, options: { down?: boolean } = {}): Promise<TestSmtp> {
  const port = await freePort();
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address.toLowerCase()), mail });
          callback();
        })
        .catch(callback);
    },
  });
  let listening = false;
  t.teardown(() => (listening ? new Promise<void>((resolve) => server.close(() => resolve())) : undefined));
  const smtp: TestSmtp = {
    url: `smtp://127.0.0.1:${port}`,
    received,
    to: (address) => received.filter((r) => r.envelopeTo.includes(address.toLowerCase())),
    waitFor: (address, count = 1) =>
      waitFor(`${count} message(s) to ${address}`, async () => {
        const mails = smtp.to(address);
        return mails.length >= count ? mails : undefined;
      }),
    async listen() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      });
      listening = true;
    },
  };
  if (!options.down) await smtp.listen();
  return smtp;
}
