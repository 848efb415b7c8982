// SCIM PATCH (RFC 7644 §3.5.2), applied to a resource as we answer it. scim-patch does the
// applying, with three things done around it:
// - Which attributes a PATCH may name. scim-patch walks the path it is given into the document
//   with plain property access, so `__proto__.x` or `constructor.prototype.x` (as a path, or as a
//   key of a path-less value) wrote onto Object.prototype and broke every later request of the
//   process. Every path and every key is checked against the resource's schema before scim-patch
//   runs: SCIM's own answer for a path outside the schema is 400 `invalidPath`.
// - A path that is a whole extension (`urn:…:enterprise:2.0:User`): scim-patch splits it at its
//   last colon (`…:2.0` and `User`) and wrote a nonsense key. Done here instead.
// - Entra's forms ("False" as a string, path-less values whose keys are paths).
// scim-patch is quiet since 2024-12; with these checks in front it is kept rather than replaced,
// since what it does right (filters in paths, Okta's and Entra's operation forms) is much of SCIM.
import { patchBodyValidation, scimPatch, ScimError as PatchError, type ScimPatchOperation } from 'scim-patch';
import { SCHEMA, scimBoolean, ScimError } from './resources.ts';

/** RFC 7643 §4.1 and §4.2 (core User, enterprise extension), plus our extension. */
const USER_ATTRIBUTES = [
  'userName', 'name', 'displayName', 'nickName', 'profileUrl', 'title', 'userType', 'preferredLanguage', 'locale', 'timezone',
  'active', 'password', 'emails', 'phoneNumbers', 'ims', 'photos', 'addresses', 'groups', 'entitlements', 'roles', 'x509Certificates',
  'externalId', 'schemas',
];
/** RFC 7643 §4.3 (enterprise User). */
const ENTERPRISE_ATTRIBUTES = ['employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager'];
const ONBOARDING_ATTRIBUTES = ['startDate', 'endDate', 'site', 'status', 'kind', 'dates', 'accessDays'];
const GROUP_ATTRIBUTES = ['displayName', 'members', 'externalId', 'schemas'];

export type PatchedResource = 'User' | 'Group';

const lowered = (names: string[]) => new Set(names.map((a) => a.toLowerCase()));

/** Each resource's core schema and extensions, by URN, with the attribute names they have. */
const allowed: Record<PatchedResource, { core: string; top: Set<string>; extensions: Map<string, Set<string>> }> = {
  User: {
    core: SCHEMA.user,
    top: lowered(USER_ATTRIBUTES),
    extensions: new Map([[SCHEMA.enterprise, lowered(ENTERPRISE_ATTRIBUTES)], [SCHEMA.onboarding, lowered(ONBOARDING_ATTRIBUTES)]]),
  },
  Group: { core: SCHEMA.group, top: lowered(GROUP_ATTRIBUTES), extensions: new Map() },
};

/** The extension a path names whole (`urn:…:enterprise:2.0:User`), as SCHEMA spells it. */
const wholeExtension = (resource: PatchedResource, path: string) => [...allowed[resource].extensions.keys()].find((urn) => urn.toLowerCase() === path.trim().toLowerCase());

// A sub-attribute name as RFC 7643 §2.1 spells ATTRNAME; never one that reaches a prototype.
const ATTRNAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

const invalidPath = (path: string, why: string) => new ScimError(400, `the path "${path}" ${why}`, 'invalidPath');

function checkName(name: string, path: string): void {
  if (FORBIDDEN.has(name) || !ATTRNAME.test(name)) throw invalidPath(path, `names "${name}", which is not an attribute`);
}

/**
 * `attr`, `attr.sub`, `attr[filter].sub`, `urn:…:User:attr.sub` → checked against the schema.
 * The filter inside brackets is checked for the names it compares, not its values.
 */
export function checkPatchPath(resource: PatchedResource, path: string): void {
  const schema = allowed[resource];
  // The whole extension as one value (Entra does this): its keys are checked as a value.
  if (wholeExtension(resource, path)) return;
  let rest = path.trim();
  let names = schema.top;
  for (const [urn, attributes] of [[schema.core, schema.top] as const, ...schema.extensions]) {
    if (rest.toLowerCase() === urn.toLowerCase()) throw invalidPath(path, 'names a schema, not an attribute');
    if (rest.toLowerCase().startsWith(`${urn.toLowerCase()}:`)) {
      rest = rest.slice(urn.length + 1);
      names = attributes;
      break;
    }
  }
  const match = /^([^.[\]]+)(?:\[([^\]]*)\])?(?:\.([^.[\]]+))?$/.exec(rest);
  if (!match) throw invalidPath(path, 'is not an attribute path');
  const [, attribute, filter, sub] = match as unknown as [string, string, string | undefined, string | undefined];
  checkName(attribute, path);
  if (!names.has(attribute.toLowerCase())) throw invalidPath(path, `names "${attribute}", which is not an attribute of ${resource}`);
  if (sub !== undefined) checkName(sub, path);
  if (filter !== undefined) for (const word of filter.match(/[A-Za-z_$][\w$.-]*/g) ?? []) for (const part of word.split('.')) if (FORBIDDEN.has(part)) throw invalidPath(path, `names "${part}"`);
}

/** Every key of a value, at any depth: none may reach a prototype. */
function checkKeys(value: unknown, where: string): void {
  if (Array.isArray(value)) {
    value.forEach((item) => checkKeys(item, where));
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const key of Object.keys(value)) {
    if (key.split(/[.:]/).some((part) => FORBIDDEN.has(part))) throw invalidPath(`${where}${key}`, `names "${key}", which is not an attribute`);
    checkKeys((value as Record<string, unknown>)[key], `${where}${key}.`);
  }
}

/** A path-less operation's value: each key is a path of its own (Entra's dotted keys and URNs). */
export function checkPatchValue(resource: PatchedResource, value: unknown, path: string | undefined): void {
  checkKeys(value, path ? `${path}.` : '');
  if (path || typeof value !== 'object' || value === null || Array.isArray(value)) return;
  for (const key of Object.keys(value)) checkPatchPath(resource, key);
}

/** Entra sends `"False"` and path-less values whose keys are paths: made plain for scim-patch. */
function normaliseOperations(operations: ScimPatchOperation[]): ScimPatchOperation[] {
  return operations.map((operation) => {
    const op = String(operation.op).toLowerCase() as 'add' | 'replace' | 'remove';
    const path = (operation as { path?: string }).path;
    let value = (operation as { value?: unknown }).value;
    if (path && /^active$/i.test(path) && op !== 'remove') value = scimBoolean(value, 'active');
    if (!path && value && typeof value === 'object' && !Array.isArray(value) && 'active' in value) {
      value = { ...(value as Record<string, unknown>), active: scimBoolean((value as Record<string, unknown>).active, 'active') };
    }
    return { ...operation, op, ...(value !== undefined ? { value } : {}) } as ScimPatchOperation;
  });
}

/** An extension's whole object, added, replaced or removed by its URN. */
function extensionOperation(kind: PatchedResource, resource: Record<string, unknown>, operation: ScimPatchOperation): Record<string, unknown> | undefined {
  const path = (operation as { path?: string }).path;
  const key = path ? wholeExtension(kind, path) : undefined;
  if (!key) return undefined;
  const schemas = (Array.isArray(resource.schemas) ? resource.schemas : []) as string[];
  const op = String(operation.op).toLowerCase();
  if (op === 'remove') {
    const { [key]: _gone, ...rest } = resource;
    return { ...rest, schemas: schemas.filter((s) => s !== key) };
  }
  const value = (operation as { value?: unknown }).value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ScimError(400, `${key} takes an object`, 'invalidValue');
  // An extension's own object names no schemas: the resource's list does.
  const { schemas: _own, ...attributes } = value as Record<string, unknown>;
  const before = op === 'add' && typeof resource[key] === 'object' && resource[key] !== null ? (resource[key] as Record<string, unknown>) : {};
  return { ...resource, [key]: { ...before, ...attributes }, schemas: schemas.includes(key) ? schemas : [...schemas, key] };
}

export function patchResource(kind: PatchedResource, resource: Record<string, unknown>, body: unknown): Record<string, unknown> {
  const request = body as { schemas?: string[]; Operations?: ScimPatchOperation[] };
  try {
    // Every path and key first: nothing that names a prototype reaches scim-patch, or its checks.
    for (const operation of Array.isArray(request?.Operations) ? request.Operations : []) {
      const path = (operation as { path?: unknown } | null)?.path;
      if (path !== undefined && typeof path !== 'string') throw new ScimError(400, 'a path must be a string', 'invalidPath');
      if (path) checkPatchPath(kind, path);
      checkPatchValue(kind, (operation as { value?: unknown } | null)?.value, path || undefined);
    }
    const operations = Array.isArray(request?.Operations) ? normaliseOperations(request.Operations) : (request?.Operations as never);
    patchBodyValidation({ ...request, Operations: operations } as never);
    // In order, one at a time: an extension's whole object here, anything else by scim-patch.
    let patched = resource;
    for (const operation of operations) {
      patched = extensionOperation(kind, patched, operation) ?? (scimPatch(patched as never, [operation], { mutateDocument: false, treatMissingAsAdd: true }) as Record<string, unknown>);
    }
    return patched;
  } catch (error) {
    if (error instanceof ScimError) throw error;
    if (error instanceof PatchError) throw new ScimError(400, error.message, error.message.includes('path') ? 'invalidPath' : 'invalidValue');
    throw new ScimError(400, `the PATCH could not be applied: ${(error as Error).message}`, 'invalidSyntax');
  }
}
