// One HTTP attempt of a delivery, with the limits the receivers' side cannot be trusted with:
// a 15-second deadline for the whole exchange, at most 64 KB of answer read, no redirects
// followed (a 3xx is a failure), and the address guard in production.
import http from 'node:http';
import https from 'node:https';
import { BlockedAddressError, guardedLookup, literalBlocked } from './address-guard.ts';

export const WEBHOOK_TIMEOUT_MS = 15_000;
export const WEBHOOK_MAX_RESPONSE_BYTES = 64 * 1024;

export type SendResult =
  | { kind: 'answered'; status: number; body: string; retryAfterMs?: number; durationMs: number }
  | { kind: 'failed'; error: string; blocked: boolean; durationMs: number };

export interface SendOptions {
  allowPrivate: boolean;
  timeoutMs?: number;
  maxResponseBytes?: number;
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function sendWebhook(url: string, body: string, headers: Record<string, string>, options: SendOptions): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const target = new URL(url);
  if (!options.allowPrivate) {
    const blocked = literalBlocked(target);
    if (blocked) return Promise.resolve({ kind: 'failed', error: new BlockedAddressError(blocked).message, blocked: true, durationMs: 0 });
  }
  const maxBytes = options.maxResponseBytes ?? WEBHOOK_MAX_RESPONSE_BYTES;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(result);
    };
    const request = (target.protocol === 'https:' ? https : http).request(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body).toString(), 'user-agent': 'member-onboarding-webhooks/1', ...headers },
      agent: false,
      ...(options.allowPrivate ? {} : { lookup: guardedLookup as never }),
    });
    const deadline = setTimeout(() => {
      request.destroy();
      finish({ kind: 'failed', error: `no answer within ${(options.timeoutMs ?? WEBHOOK_TIMEOUT_MS) / 1000} s`, blocked: false, durationMs: elapsed() });
    }, options.timeoutMs ?? WEBHOOK_TIMEOUT_MS);
    request.on('error', (error: NodeJS.ErrnoException) => {
      finish({ kind: 'failed', error: error.message || error.code || 'connection failed', blocked: error instanceof BlockedAddressError || error.code === 'EBLOCKED', durationMs: elapsed() });
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        const header = response.headers['retry-after'];
        const retryAfter = retryAfterMs(Array.isArray(header) ? header[0] : header);
        finish({
          kind: 'answered',
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8'),
          ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
          durationMs: elapsed(),
        });
        response.destroy();
      };
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        // Enough read to judge the answer; the rest is never downloaded.
        if (size >= maxBytes) done();
      });
      response.on('end', done);
      response.on('error', done);
    });
    request.end(body);
  });
}
