// SCIM 2.0 (RFC 7643) resources for an identity provider — Okta, Microsoft Entra ID — that
// provisions a company's people: how a member reads as a SCIM User, and how what the provider
// writes reads as a member (e-mail, name, language, role, dates, site). The provider's own
// attributes are kept and answered back as written, so its comparisons after a write hold.

import type { AccessDayChoice } from '../../db/entities/schedule.ts';
import { accessDaysProblem } from '../access/schedule.ts';
import { z } from 'zod';
import { DATE_YEARS, isCalendarDate } from '../time.ts';

export const SCHEMA = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  enterprise: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  onboarding: 'urn:onboarding:params:scim:schemas:extension:2.0:User',
  list: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patch: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
} as const;

export type ScimType = 'invalidFilter' | 'tooMany' | 'uniqueness' | 'mutability' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'invalidValue' | 'invalidVers' | 'sensitive';

/** Answered as SCIM error JSON (RFC 7644 §3.12). */
export class ScimError extends Error {
  readonly status: number;
  readonly scimType?: ScimType;
  constructor(status: number, detail: string, scimType?: ScimType) {
    super(detail);
    this.name = 'ScimError';
    this.status = status;
    this.scimType = scimType;
  }
}

export interface MemberForScim {
  id: string;
  email: string;
  name: string;
  locale: 'fr' | 'en';
  role: 'admin' | 'user';
  status: string;
  external_id: string | null;
  scim_attributes: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
  starts_on: string | null;
  ends_on: string | null;
  ends_at: Date | null;
  site_id: string | null;
  site_name: string | null;
  kind: 'member' | 'day_pass';
  day_pass_dates: string[] | null;
  access_days: string[] | null;
}

const iso = (d: Date) => new Date(d).toISOString();
const version = (d: Date) => `W/"${new Date(d).getTime()}"`;

/** `roles` as a provider writes them → our role: any value or display starting with "admin". */
export function roleOf(roles: unknown): 'admin' | 'user' | undefined {
  if (!Array.isArray(roles)) return undefined;
  return roles.some((r) => /^admin/i.test(String(isObject(r) ? (r.value ?? r.display ?? '') : r))) ? 'admin' : 'user';
}

/** The address a provider's `emails` names: the primary one, else the work one, else the first. */
function listedAddress(emails: unknown): string | undefined {
  const list = Array.isArray(emails) ? emails.filter(isObject) : [];
  const listed = list.find((e) => e.primary === true || String(e.primary).toLowerCase() === 'true') ?? list.find((e) => e.type === 'work') ?? list[0];
  return typeof listed?.value === 'string' ? listed.value.trim().toLowerCase() : undefined;
}

/**
 * A member as a SCIM User. A member the provider provisioned reads back as it wrote them: the
 * attributes it wrote (and only those: one it removed stays removed), each with what we hold now
 * where the attribute is ours (userName and emails the address, displayName the name, active the
 * status, roles the role, preferredLanguage the language). Where our side changed since (an admin
 * changed the address or the role), what we hold is answered instead. A member made by the API or
 * the pages, never written by a provider, reads with every attribute we have.
 */
export function userResource(m: MemberForScim, groups: { id: string; display_name: string }[], baseUrl: string): Record<string, unknown> {
  const stored = m.scim_attributes ?? {};
  const wrote = (key: string) => m.scim_attributes === null || key in stored;
  const [given, ...rest] = m.name.split(' ');
  const written = typeof stored.preferredLanguage === 'string' ? stored.preferredLanguage : undefined;
  const writtenTag = written && /^(fr|en)([-_]|$)/i.test(written.trim()) ? written.trim().slice(0, 2).toLowerCase() : undefined;
  const storedLanguage = written !== undefined && (writtenTag === undefined || writtenTag === m.locale) ? written : m.locale;
  // A removed member's address is the provider's to keep: it is the one a reactivation invites.
  const removed = m.status === 'removed';
  const storedUserName = typeof stored.userName === 'string' && (removed || stored.userName.toLowerCase() === m.email || !stored.userName.includes('@')) ? stored.userName : m.email;
  const storedEmails = Array.isArray(stored.emails) && (removed || listedAddress(stored.emails) === m.email || (typeof stored.userName === 'string' && stored.userName.toLowerCase() === m.email)) ? stored.emails : undefined;
  const storedRoles = roleOf(stored.roles) === m.role ? stored.roles : undefined;
  // Ours (dates, site, status): answered like the rest, to a provider that wrote into it, and
  // wherever there are dates to show.
  const { [SCHEMA.onboarding]: _ours, ...theirs } = stored;
  const withOurs = wrote(SCHEMA.onboarding) || Boolean(m.starts_on || m.ends_on || m.ends_at || m.access_days || m.kind !== 'member');
  return {
    ...theirs,
    schemas: [SCHEMA.user, ...(stored[SCHEMA.enterprise] ? [SCHEMA.enterprise] : []), ...(withOurs ? [SCHEMA.onboarding] : [])],
    id: m.id,
    ...(m.external_id ? { externalId: m.external_id } : {}),
    userName: storedUserName,
    ...(wrote('name') ? { name: isObject(stored.name) ? stored.name : { formatted: m.name, givenName: given, ...(rest.length ? { familyName: rest.join(' ') } : {}) } } : {}),
    ...(wrote('displayName') ? { displayName: m.name } : {}),
    emails: storedEmails ?? [{ value: m.email, type: 'work', primary: true }],
    ...(wrote('preferredLanguage') ? { preferredLanguage: storedLanguage } : {}),
    // Always said once removed: that is what a provider must learn.
    ...(wrote('active') || m.status === 'removed' ? { active: m.status !== 'removed' } : {}),
    ...(wrote('roles') || m.role === 'admin' ? { roles: storedRoles ?? [{ value: m.role, display: m.role === 'admin' ? 'Administrator' : 'User', primary: true }] } : {}),
    groups: groups.map((g) => ({ value: g.id, display: g.display_name, $ref: `${baseUrl}/Groups/${g.id}` })),
    ...(withOurs
      ? {
          [SCHEMA.onboarding]: {
            ...(m.starts_on ? { startDate: m.starts_on } : {}),
            ...(m.ends_on ? { endDate: m.ends_on } : m.ends_at ? { endDate: iso(m.ends_at) } : {}),
            ...(m.site_name ? { site: m.site_name } : {}),
            kind: m.kind,
            ...(m.day_pass_dates ? { dates: m.day_pass_dates } : {}),
            ...(m.access_days ? { accessDays: m.access_days } : {}),
            status: m.status,
          },
        }
      : {}),
    meta: { resourceType: 'User', created: iso(m.created_at), lastModified: iso(m.updated_at), location: `${baseUrl}/Users/${m.id}`, version: version(m.updated_at) },
  };
}

export interface ScimUserInput {
  email: string;
  name: string | undefined;
  locale: 'fr' | 'en' | undefined;
  /** undefined: the provider sends no roles (its groups, or our admins, decide). */
  role: 'admin' | 'user' | undefined;
  active: boolean;
  externalId: string | null;
  startsOn: string | null | undefined;
  endsOn: string | null | undefined;
  endsAt: string | null | undefined;
  site: string | undefined;
  /** Our extension's `kind`, `dates` (a day pass) and `accessDays`: undefined when not sent, null clears access days. */
  kind: 'member' | 'day_pass' | undefined;
  dates: string[] | undefined;
  accessDays: AccessDayChoice[] | null | undefined;
  /** What is stored and answered back. */
  attributes: Record<string, unknown>;
}

// One bare address, as the REST API takes it: `"victim"<x@evil.test>` or `a,b@evil.test` were
// stored as written and then delivered elsewhere than the address shown.
const isAddress = (value: string) => value.length <= 320 && z.email().safeParse(value).success;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Entra sends booleans as "True"/"False" strings. */
export function scimBoolean(value: unknown, attribute: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  throw new ScimError(400, `${attribute} must be true or false`, 'invalidValue');
}

const text = (value: unknown, attribute: string, max = 320): string | undefined => {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new ScimError(400, `${attribute} must be a string`, 'invalidValue');
  const trimmed = value.trim();
  if (trimmed.length > max) throw new ScimError(400, `${attribute} is longer than ${max} characters`, 'invalidValue');
  return trimmed || undefined;
};

/** A date the provider gives (`2027-01-04`, or a date-time whose date part is taken). */
function startDate(value: unknown): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null || value === '') return null;
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) && isCalendarDate(value.slice(0, 10))) return value.slice(0, 10);
  throw new ScimError(400, `startDate must be a date, YYYY-MM-DD, between the years ${DATE_YEARS.from} and ${DATE_YEARS.to}`, 'invalidValue');
}

function endDate(value: unknown): { endsOn: string | null | undefined; endsAt: string | null | undefined } {
  if (value === undefined) return { endsOn: undefined, endsAt: undefined };
  if (value === null || value === '') return { endsOn: null, endsAt: null };
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && isCalendarDate(value)) return { endsOn: value, endsAt: undefined };
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) && isCalendarDate(value.slice(0, 10)) && !Number.isNaN(Date.parse(value))) {
    const at = new Date(value);
    if (at.getUTCFullYear() >= DATE_YEARS.from && at.getUTCFullYear() <= DATE_YEARS.to) return { endsOn: undefined, endsAt: at.toISOString() };
  }
  throw new ScimError(400, `endDate must be a date (YYYY-MM-DD, the last day) or a date-time (the exact end), between the years ${DATE_YEARS.from} and ${DATE_YEARS.to}`, 'invalidValue');
}

// Kept as the provider wrote them, but `active` (a removal) and roles (the role) act too.
const READ_ONLY = new Set(['id', 'meta', 'groups', 'password']);
const MAX_ATTRIBUTES = 32_768;

/** Reads a SCIM User the provider sent (POST, PUT, or the result of a PATCH). */
export function readUser(doc: unknown): ScimUserInput {
  if (!isObject(doc)) throw new ScimError(400, 'the body must be a SCIM User object', 'invalidSyntax');
  const emails = Array.isArray(doc.emails) ? doc.emails.filter(isObject) : [];
  // SCIM's userName is any unique string; the sign-in address is userName when it is one, else
  // the primary address in emails, else the work one, else the first.
  const userName = text(doc.userName, 'userName', 1000);
  const email = userName && isAddress(userName.toLowerCase()) ? userName.toLowerCase() : listedAddress(emails);
  if (!email || !isAddress(email)) throw new ScimError(400, 'userName, or the primary (else work, else first) value in emails, must be one bare e-mail address such as name@example.com', 'invalidValue');
  const nameParts = isObject(doc.name) ? doc.name : {};
  const joined = [text(nameParts.givenName, 'name.givenName', 200), text(nameParts.familyName, 'name.familyName', 200)].filter(Boolean).join(' ');
  const name = text(doc.displayName, 'displayName', 200) ?? text(nameParts.formatted, 'name.formatted', 200) ?? (joined || undefined);
  // Kept as written (in `attributes`); only a French or English tag sets the member's language.
  const tag = [doc.preferredLanguage, doc.locale].find((v) => typeof v === 'string' && /^(fr|en)([-_]|$)/i.test(v.trim())) as string | undefined;
  const language = tag?.trim().slice(0, 2).toLowerCase();
  const roles = roleOf(doc.roles);
  const ours = isObject(doc[SCHEMA.onboarding]) ? (doc[SCHEMA.onboarding] as Record<string, unknown>) : {};
  const externalId = doc.externalId === undefined || doc.externalId === null ? null : text(doc.externalId, 'externalId', 255) ?? null;
  const attributes = Object.fromEntries(Object.entries(doc).filter(([k]) => !READ_ONLY.has(k)));
  if (JSON.stringify(attributes).length > MAX_ATTRIBUTES) throw new ScimError(400, `the user's attributes exceed ${MAX_ATTRIBUTES} bytes`, 'invalidValue');
  return {
    email,
    name,
    locale: language === 'fr' || language === 'en' ? language : undefined,
    role: roles,
    active: doc.active === undefined ? true : scimBoolean(doc.active, 'active'),
    externalId,
    startsOn: startDate(ours.startDate),
    ...endDate(ours.endDate),
    site: text(ours.site, `${SCHEMA.onboarding}:site`, 200),
    ...accessOf(ours),
    attributes,
  };
}

export function listResponse(resources: unknown[], totalResults: number, startIndex: number): Record<string, unknown> {
  return { schemas: [SCHEMA.list], totalResults, startIndex, itemsPerPage: resources.length, Resources: resources };
}

/** Our extension's access fields: kind, a day pass's dates, access days (left out: unchanged). */
function accessOf(ours: Record<string, unknown>): Pick<ScimUserInput, 'kind' | 'dates' | 'accessDays'> {
  const kind = ours.kind === undefined || ours.kind === null ? undefined : ours.kind;
  if (kind !== undefined && kind !== 'member' && kind !== 'day_pass') throw new ScimError(400, `${SCHEMA.onboarding}:kind must be "member" or "day_pass"`, 'invalidValue');
  const dates = ours.dates;
  if (dates !== undefined && dates !== null && (!Array.isArray(dates) || !dates.every((d) => typeof d === 'string' && isCalendarDate(d)))) {
    throw new ScimError(400, `${SCHEMA.onboarding}:dates must be a list of dates, YYYY-MM-DD`, 'invalidValue');
  }
  const days = ours.accessDays;
  const problem = days === undefined || days === null ? undefined : accessDaysProblem(days);
  if (problem) throw new ScimError(400, `${SCHEMA.onboarding}:accessDays: ${problem} (["always"], or ["business_week"] plus "saturday" and/or "sunday")`, 'invalidValue');
  return { kind: kind as ScimUserInput['kind'], dates: (dates ?? undefined) as string[] | undefined, accessDays: days === undefined ? undefined : ((days as AccessDayChoice[] | null) ?? null) };
}
