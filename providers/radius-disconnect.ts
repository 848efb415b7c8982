// Disconnect-Messages (RFC 5176): when a member is removed, their live Wi-Fi sessions are ended at
// the access points, which otherwise keep them up until the next re-authentication (hours). The
// packet format and authenticators are the `radius` package's; this file only sends and waits.
import dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import { isIPv6 } from 'node:net';
import radius from 'radius';
import type { DisconnectAnswer, DisconnectOutcome } from '../contract/workflows.ts';

export interface DisconnectTarget {
  /** The RADIUS client's name, for the offboarding report. */
  name: string;
  address: string;
  port: number;
  secret: string;
  /** Open sessions the access point reported in accounting; none: the request names the user alone. */
  sessions: { sessionId: string; callingStationId: string | null }[];
}


export interface DisconnectOptions {
  /** Per attempt. */
  timeoutMs?: number;
  attempts?: number;
}

/** Sends one Disconnect-Request per session (or one by User-Name) to each target, in parallel. */
export async function sendDisconnects(username: string, targets: DisconnectTarget[], options: DisconnectOptions = {}): Promise<DisconnectOutcome[]> {
  return Promise.all(
    targets.map(async (target) => {
      const requests = target.sessions.length
        ? target.sessions.map((s) => [['User-Name', username], ['Acct-Session-Id', s.sessionId], ...(s.callingStationId ? [['Calling-Station-Id', s.callingStationId]] : [])])
        : [[['User-Name', username]]];
      const answers = await Promise.all(requests.map((attributes) => disconnectOnce(target, attributes, options)));
      // One ACK is enough to say the member is off that access point; a NAK says why not.
      const ack = answers.find((a) => a.answer === 'ack');
      const nak = answers.find((a) => a.answer === 'nak');
      const chosen = ack ?? nak ?? answers[0]!;
      return {
        client: target.name,
        address: target.address,
        port: target.port,
        sessions: target.sessions.length,
        answer: chosen.answer,
        ...(chosen.errorCause ? { errorCause: chosen.errorCause } : {}),
      };
    }),
  );
}

async function disconnectOnce(target: DisconnectTarget, attributes: unknown[][], options: DisconnectOptions): Promise<{ answer: DisconnectAnswer; errorCause?: string }> {
  const timeoutMs = options.timeoutMs ?? 1000;
  const attempts = options.attempts ?? 3;
  const identifier = randomInt(256);
  const packet = radius.encode({
    code: 'Disconnect-Request',
    secret: target.secret,
    identifier,
    attributes: [...attributes, ['Event-Timestamp', new Date()]],
    // The Request Authenticator already signs a Disconnect-Request (RFC 5176 §3.5); the package
    // computes a Message-Authenticator after it, which would break that signature.
    add_message_authenticator: false,
  });
  const socket = dgram.createSocket(isIPv6(target.address) ? 'udp6' : 'udp4');
  try {
    return await new Promise((resolve) => {
      let tries = 0;
      let timer: NodeJS.Timeout | undefined;
      const send = () => {
        if (tries++ >= attempts) return resolve({ answer: 'no_answer' });
        // Retransmissions are the same packet (same identifier and authenticator), as RFC 5176 asks.
        socket.send(packet, target.port, target.address, (error) => {
          if (error) resolve({ answer: 'no_answer' });
        });
        timer = setTimeout(send, timeoutMs);
      };
      socket.on('message', (message) => {
        let reply;
        try {
          if (!radius.verify_response({ response: message, request: packet, secret: target.secret })) return;
          reply = radius.decode({ packet: message, secret: target.secret });
        } catch {
          return; // not an answer to this request: keep waiting
        }
        if (reply.identifier !== identifier) return;
        clearTimeout(timer);
        if (reply.code === 'Disconnect-ACK') resolve({ answer: 'ack' });
        else if (reply.code === 'Disconnect-NAK') {
          const cause = reply.attributes['Error-Cause'];
          resolve({ answer: 'nak', ...(cause !== undefined ? { errorCause: String(cause) } : {}) });
        }
      });
      socket.on('error', () => {
        clearTimeout(timer);
        resolve({ answer: 'no_answer' });
      });
      send();
    });
  } finally {
    socket.close();
  }
}
