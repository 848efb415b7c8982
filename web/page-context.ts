// Per-request state of the pages: who is looking (from the session cookie), in which language,
// and the form token that proves a POST came from one of our pages.
import { randomBytes } from 'node:crypto';
import type { EntityManager } from '../db/orm.ts';
import type { Context, Next } from 'koa';
import { cookieName, CSRF_COOKIE, LANGUAGE_COOKIE, SESSION_COOKIE } from '../http/session-cookie.ts';
import { resolveSession } from '../domain/auth/sessions.ts';
import type { Secrets } from '../domain/secrets.ts';
import type { MemberLocale, MemberRole, MemberStatus } from '../db/entities/index.ts';
import { isPageLocale, type PageLocale } from './views.ts';

export { CSRF_COOKIE, LANGUAGE_COOKIE };
export const CSRF_FIELD = '_csrf';

export interface Viewer {
  memberId: string;
  companyId: string;
  operatorId: string;
  /** Operator staff: sites, doors, card stock and companies, and support on any member. */
  operatorAdmin: boolean;
  sessionId: string;
  role: MemberRole;
  status: MemberStatus;
  actor: string;
  name: string;
  email: string;
  locale: MemberLocale;
  company: string;
  /** The company's colour (#rrggbb) and logo, in the pages' header as in its e-mails. */
  brandColor: string;
  logoUrl: string | null;
  timeZone: string;
}

export interface PageState {
  viewer?: Viewer;
  locale: PageLocale;
  csrfToken: string;
}

export const pageState = (ctx: Context): PageState => ctx.state.page as PageState;

export class CsrfError extends Error {
  constructor() {
    super('the form token is missing or not this browser\'s');
    this.name = 'CsrfError';
  }
}

async function findViewer(em: EntityManager, token: string | undefined): Promise<Viewer | undefined> {
  // An API key in the cookie is not a person: the pages are for members.
  if (!token || token.startsWith('mo_')) return undefined;
  const session = await resolveSession(em, token);
  if (!session) return undefined;
  const row = await em
    .getKysely()
    .selectFrom('member as m')
    .innerJoin('organization as o', 'o.id', 'm.organization_id')
    .leftJoin('site as s', 's.id', 'm.site_id')
    .select(['m.name', 'm.email', 'm.locale', 'o.name as company', 'o.brand_color', 'o.logo_url', 's.time_zone'])
    .where('m.id', '=', session.memberId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    ...session,
    actor: `member:${session.memberId}`,
    name: row.name,
    email: row.email,
    locale: row.locale,
    company: row.company,
    brandColor: row.brand_color,
    logoUrl: row.logo_url,
    timeZone: row.time_zone ?? 'Europe/Paris',
  };
}

const cookieOptions = (ctx: Context, maxAge: number) => ({ httpOnly: true, sameSite: 'lax' as const, secure: ctx.secure, path: '/', maxAge, overwrite: true });

export function pageContext(deps: { em: () => EntityManager; secrets: Secrets }) {
  return async function page(ctx: Context, next: Next) {
    const viewer = await findViewer(deps.em(), ctx.cookies.get(cookieName(ctx, SESSION_COOKIE)));

    // An explicit choice (?lang=) is remembered; then the member's own language; then the browser's.
    const asked = ctx.query.lang;
    let locale: PageLocale;
    if (isPageLocale(asked)) {
      ctx.cookies.set(cookieName(ctx, LANGUAGE_COOKIE), asked, { ...cookieOptions(ctx, 365 * 24 * 3600 * 1000), httpOnly: false });
      locale = asked;
    } else {
      const remembered = ctx.cookies.get(cookieName(ctx, LANGUAGE_COOKIE));
      locale = isPageLocale(remembered) ? remembered : viewer ? viewer.locale : ((ctx.acceptsLanguages('fr', 'en') || 'fr') as PageLocale);
    }

    let csrfCookie = ctx.cookies.get(cookieName(ctx, CSRF_COOKIE));
    if (!csrfCookie || !/^[\w-]{32,64}$/.test(csrfCookie)) {
      csrfCookie = randomBytes(32).toString('base64url');
      ctx.cookies.set(cookieName(ctx, CSRF_COOKIE), csrfCookie, cookieOptions(ctx, 365 * 24 * 3600 * 1000));
    }
    const sessionId = viewer?.sessionId ?? '';
    const csrfToken = deps.secrets.formToken(csrfCookie, sessionId);
    ctx.state.page = { viewer, locale, csrfToken } satisfies PageState;
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Content-Security-Policy', "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");

    if (ctx.method === 'POST') {
      // Belt and braces: the browser says where the request came from, and the form carries a
      // token only our pages can know (multipart forms carry it in their action URL).
      if (ctx.get('Sec-Fetch-Site') === 'cross-site') throw new CsrfError();
      const body = ctx.request.body as Record<string, unknown> | undefined;
      const given = String(body?.[CSRF_FIELD] ?? ctx.query[CSRF_FIELD] ?? '');
      if (!deps.secrets.checkFormToken(given, csrfCookie, sessionId)) throw new CsrfError();
    }

    await next();
  };
}
