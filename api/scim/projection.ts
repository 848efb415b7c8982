// `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5 and §3.9), on GET and on POST /.search:
// the provider names what it wants back, or what to leave out. `schemas` and `id` are always
// returned. A name is an attribute (`displayName`), a sub-attribute (`name.givenName`), or either
// behind its schema's URN (`urn:…:enterprise:2.0:User:department`); case does not matter.
import { ScimError } from '../../domain/scim/resources.ts';

const ALWAYS = new Set(['schemas', 'id']);
const MAX_NAMES = 100;

export interface Projection {
  attributes?: string[];
  excluded?: string[];
}

/** A comma-separated query parameter, or a SearchRequest's list. */
export function names(value: unknown, parameter: string): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
  if (!list || list.length > MAX_NAMES || !list.every((n) => typeof n === 'string' && n.length <= 300)) {
    throw new ScimError(400, `${parameter} is a list of attribute names (at most ${MAX_NAMES})`, 'invalidValue');
  }
  const trimmed = (list as string[]).map((n) => n.trim()).filter(Boolean);
  return trimmed.length ? trimmed : undefined;
}

/** Where a name points in a resource: the object it lives in, the key there, then a sub-key. */
function locate(resource: Record<string, unknown>, name: string): { container: string | undefined; key: string; sub: string | undefined } {
  const lower = name.toLowerCase();
  for (const key of Object.keys(resource)) {
    if (key.startsWith('urn:') && lower.startsWith(`${key.toLowerCase()}:`)) {
      const [attr, sub] = name.slice(key.length + 1).split('.');
      return { container: key, key: attr!, sub };
    }
    if (key.startsWith('urn:') && lower === key.toLowerCase()) return { container: undefined, key, sub: undefined };
  }
  // A core attribute, possibly behind the core schema's own URN.
  const bare = name.replace(/^urn:ietf:params:scim:schemas:core:2\.0:(user|group):/i, '');
  const [attr, sub] = bare.split('.');
  return { container: undefined, key: attr!, sub };
}

const findKey = (object: Record<string, unknown>, key: string) => Object.keys(object).find((k) => k.toLowerCase() === key.toLowerCase());

function pick(resource: Record<string, unknown>, into: Record<string, unknown>, name: string): void {
  const { container, key, sub } = locate(resource, name);
  const source = container ? (resource[container] as Record<string, unknown> | undefined) : resource;
  if (!source || typeof source !== 'object') return;
  const found = findKey(source, key);
  if (!found) return;
  const target = container ? ((into[container] ??= {}) as Record<string, unknown>) : into;
  const value = source[found];
  if (sub === undefined || value === null || typeof value !== 'object') {
    target[found] = value;
    return;
  }
  if (Array.isArray(value)) {
    // Several sub-attributes of one multi-valued attribute (emails.value, emails.type) merge by position.
    const previous = Array.isArray(target[found]) ? (target[found] as Record<string, unknown>[]) : [];
    target[found] = value.map((item: unknown, i) => {
      const k = item && typeof item === 'object' ? findKey(item as Record<string, unknown>, sub) : undefined;
      return { ...(previous[i] ?? {}), ...(k ? { [k]: (item as Record<string, unknown>)[k] } : {}) };
    });
    return;
  }
  const k = findKey(value as Record<string, unknown>, sub);
  if (k) target[found] = { ...((target[found] as Record<string, unknown>) ?? {}), [k]: (value as Record<string, unknown>)[k] };
}

function drop(resource: Record<string, unknown>, name: string): void {
  const { container, key, sub } = locate(resource, name);
  const source = container ? (resource[container] as Record<string, unknown> | undefined) : resource;
  if (!source || typeof source !== 'object') return;
  const found = findKey(source, key);
  if (!found || (!container && ALWAYS.has(found))) return;
  if (sub === undefined) {
    delete source[found];
    return;
  }
  const value = source[found];
  const strip = (item: unknown) => {
    if (!item || typeof item !== 'object') return item;
    const k = findKey(item as Record<string, unknown>, sub);
    if (!k) return item;
    const { [k]: _gone, ...rest } = item as Record<string, unknown>;
    return rest;
  };
  source[found] = Array.isArray(value) ? value.map(strip) : strip(value);
}

export function project(resource: Record<string, unknown>, projection: Projection): Record<string, unknown> {
  if (projection.attributes) {
    const kept: Record<string, unknown> = {};
    for (const key of Object.keys(resource)) if (ALWAYS.has(key)) kept[key] = resource[key];
    for (const name of projection.attributes) pick(resource, kept, name);
    return kept;
  }
  if (projection.excluded) {
    const copy = structuredClone(resource);
    for (const name of projection.excluded) drop(copy, name);
    return copy;
  }
  return resource;
}

/** A ListResponse with each resource projected. */
export function projectList(list: Record<string, unknown>, projection: Projection): Record<string, unknown> {
  if (!projection.attributes && !projection.excluded) return list;
  return { ...list, Resources: (list.Resources as Record<string, unknown>[]).map((r) => project(r, projection)) };
}
