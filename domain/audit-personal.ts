// An audit event's data, split in two as it is written: what stays for good, and a person's own
// fields (their e-mail, name, external id, the reason given for their removal, an identity
// provider's search for them), which erasure sets to null (domain/members/erase-member.ts). The
// hash chain covers a salted digest of the second part, so the trail stays verifiable after it.

type Json = Record<string, unknown>;

// Keys whose values name a person wherever they appear in a member's event (and in SCIM requests).
const PERSONAL_KEYS = new Set(['email', 'name', 'externalId', 'reason', 'filter', 'userName', 'displayName', 'givenName', 'familyName', 'visitorName', 'visitorEmail', 'message', 'error']);

const isPlain = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
// An address under a neutral key: `email.sent`'s `to`, a change's `from`/`to`.
const looksLikeAddress = (v: unknown) => typeof v === 'string' && /^[^\s@]+@[^\s@]+$/.test(v);

/** Whether this event's data may hold personal fields: a member's events, and SCIM's requests. */
export const mayBePersonal = (event: { memberId?: string | null; type: string }) => Boolean(event.memberId) || event.type.startsWith('scim.');

/** `{ kept, personal }`: personal is undefined when there is none. */
export function splitPersonal(data: Json): { kept: Json; personal?: Json } {
  const kept: Json = {};
  const personal: Json = {};
  for (const [key, value] of Object.entries(data)) {
    if (PERSONAL_KEYS.has(key) || looksLikeAddress(value)) {
      personal[key] = value;
    } else if (isPlain(value)) {
      const inner = splitPersonal(value);
      kept[key] = inner.kept;
      if (inner.personal) personal[key] = inner.personal;
    } else {
      kept[key] = value;
    }
  }
  return Object.keys(personal).length ? { kept, personal } : { kept };
}

/** The event's data as it was given: what stays, with the personal fields put back where they were (if not erased). */
export function joinPersonal(kept: Json, personal: Json | string | null | undefined): Json {
  if (!personal) return kept;
  return merge(kept, typeof personal === 'string' ? (JSON.parse(personal) as Json) : personal);
}

function merge(into: Json, from: Json): Json {
  const out: Json = { ...into };
  for (const [key, value] of Object.entries(from)) out[key] = isPlain(value) && isPlain(out[key]) ? merge(out[key] as Json, value) : value;
  return out;
}
