// Outbound safety: a webhook URL is typed by a company's admin, so without a check it could make
// the platform POST to its own database, the cloud's metadata service or the office network.
// The check runs on the address actually connected to (Node's `lookup` hook), at every attempt,
// so a name that resolves elsewhere later (DNS rebinding) is caught too.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Only globally routable unicast: not loopback, private, link-local (metadata), CGNAT, multicast, reserved… */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  // IPv4-mapped IPv6 (::ffff:127.0.0.1) is judged as the IPv4 address it is.
  const parsed = ipaddr.process(address);
  // So is the older IPv4-compatible form (::127.0.0.1, written ::7f00:1), which ipaddr.js files
  // under plain unicast: `http://[::127.0.0.1]/` and `::a9fe:a9fe` (the metadata service) passed.
  if (parsed.kind() === 'ipv6') {
    const parts = (parsed as ipaddr.IPv6).parts;
    if (parts.slice(0, 6).every((p) => p === 0)) {
      const [high, low] = [parts[6]!, parts[7]!];
      return ipaddr.IPv4.parse(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`).range() === 'unicast';
    }
  }
  return parsed.range() === 'unicast';
}

export class BlockedAddressError extends Error {
  readonly address: string;
  constructor(address: string) {
    super(`refused: ${address} is not a public address (loopback, private, link-local or reserved)`);
    this.name = 'BlockedAddressError';
    this.address = address;
  }
}

/** Whether a URL's host can only be refused, before any DNS lookup (an IP literal). */
export function literalBlocked(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !isPublicAddress(host)) return host;
  if (host === 'localhost' || host.endsWith('.localhost')) return host;
  return undefined;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** `lookup` for http.request: resolves as usual, then refuses any non-public answer. */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '');
    const list = addresses as LookupAddress[];
    const blocked = list.find((a) => !isPublicAddress(a.address));
    if (blocked) return callback(Object.assign(new BlockedAddressError(blocked.address), { code: 'EBLOCKED' }), '');
    if (options.all) return callback(null, list);
    callback(null, list[0]!.address, list[0]!.family);
  });
}
