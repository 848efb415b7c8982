// A door controller's side of the API, as door-sim plays it (and as the door agent does): fetch
// this door's access list, decide from it offline with the server's own rule, upload what happened.
import { randomUUID } from 'node:crypto';
import { decideFromEntry, type AccessDecision, type AccessEntry } from '../../domain/access/decide.ts';
import { signDoorRequest } from '../../domain/door/signatures.ts';
import type { VisitorEntry } from '../../domain/visits/visitor-entry.ts';
import { hashVisitorPin } from '../../domain/visits/visitor-pin.ts';

export interface DoorList {
  version: number;
  timeZone: string;
  cards: AccessEntry[];
  /** An entrance door's live visitor PINs, hashed with the site's salt. */
  visitorPins?: { hash: { salt: string; iterations: number }; entries: VisitorEntry[] } | null;
}

export interface DoorIdentity {
  url: string;
  controller: string;
  secret: string;
}

export function signedFetch(door: DoorIdentity, method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const raw = body === undefined ? '' : JSON.stringify(body);
  return fetch(door.url + path, {
    method,
    headers: { 'X-Door-Controller': door.controller, 'X-Signature': signDoorRequest(door.secret, raw), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: raw }),
  });
}

/** The door's list (undefined with `etag` when it has not changed: 304). */
export async function fetchAccessList(door: DoorIdentity, etag?: string): Promise<{ list?: DoorList; etag?: string; status: number }> {
  const response = await signedFetch(door, 'GET', `/v1/door-controllers/${door.controller}/access-list`, undefined, etag ? { 'If-None-Match': etag } : {});
  if (response.status === 304) return { status: 304, etag };
  if (!response.ok) return { status: response.status };
  return { status: response.status, list: (await response.json()) as DoorList, etag: response.headers.get('etag') ?? undefined };
}

/** The door's decision for a card presented at `at`, from its list alone. */
export function presentCard(list: DoorList, cardNumber: string, at: Date): AccessDecision {
  return decideFromEntry(list.cards.find((c) => c.number === cardNumber), list.timeZone, at.getTime());
}

/**
 * A visitor's PIN typed at a door offline: hashed as the list says, found among its entries, and
 * decided by the same rule as a card. `used`: the PINs this door already let in, refused again
 * until its next list no longer carries them (single use, even before the upload).
 */
export async function presentVisitorPin(list: DoorList, pin: string, at: Date, used: ReadonlySet<string> = new Set()): Promise<{ decision: AccessDecision; visitId: string | null }> {
  const pins = list.visitorPins;
  if (!pins) return { decision: { granted: false, reason: 'zone_not_granted' }, visitId: null };
  const hash = await hashVisitorPin(pin, pins.hash.salt);
  const entry = pins.entries.find((e) => e.pinHash === hash);
  if (!entry) return { decision: { granted: false, reason: 'unknown_card' }, visitId: null };
  if (used.has(entry.visitId)) return { decision: { granted: false, reason: 'expired' }, visitId: entry.visitId };
  return { decision: decideFromEntry({ ...entry, number: entry.visitId }, list.timeZone, at.getTime()), visitId: entry.visitId };
}

export interface EntryEvent {
  id: string;
  type: 'granted' | 'denied';
  cardNumber?: string;
  visitId?: string;
  at: string;
  reason?: string;
}

/** What the door uploads for a decision: about a card, or (a visitor's PIN) its visit — the PIN itself never leaves the door. */
export const entryEventOf = (who: { cardNumber: string } | { visitId: string }, at: Date, decision: AccessDecision): EntryEvent => ({
  id: randomUUID(),
  type: decision.granted ? 'granted' : 'denied',
  ...who,
  at: at.toISOString(),
  ...(decision.granted ? {} : { reason: decision.reason }),
});

export async function uploadEvents(door: DoorIdentity, events: EntryEvent[]): Promise<Response> {
  return signedFetch(door, 'POST', `/v1/door-controllers/${door.controller}/events`, { events });
}
