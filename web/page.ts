// What every page handler uses: render a view with the common data, redirect after a POST, read a
// form, turn a zod error into messages tied to the fields, and require a signed-in member.
import type { EntityManager } from '../db/orm.ts';
import type { Context, Next } from 'koa';
import { ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { z, ZodError } from 'zod';
import type { Logger } from '../lib/logger.ts';
import type { RateLimits } from '../http/rate-limit.ts';
import { AppError, KIND_STATUS } from '../http/errors.ts';
import type { Config } from '../config/index.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import type { LifecycleGateway } from '../domain/members/lifecycle-gateway.ts';
import { DomainError } from '../domain/errors.ts';
import type { Secrets } from '../domain/secrets.ts';
import type { WebhookGateway } from '../domain/webhooks/gateway.ts';
import type { VisitGateway } from '../domain/visits/visit-gateway.ts';
import type { WifiProvider } from '../providers/wifi.ts';
import { CsrfError, CSRF_FIELD, pageState, type Viewer } from './page-context.ts';
import type { PageViews } from './views.ts';

export interface PageDeps {
  config: Config;
  em(): EntityManager;
  secrets: Secrets;
  logger: Logger;
  limits: RateLimits;
  views: PageViews;
  lifecycles: LifecycleGateway;
  webhooks: WebhookGateway;
  visits: VisitGateway;
  wifi: WifiProvider;
  staticUrls: Record<string, string>;
}

export type FieldErrors = Record<string, string>;

export interface Renderer {
  (ctx: Context, view: string, data?: Record<string, unknown>, status?: number): void;
  /** A translation in the request's language, as plain text. */
  t(ctx: Context, key: string, values?: Record<string, unknown>): string;
  has(ctx: Context, key: string): boolean;
}

/**
 * The same address with `lang` set: the language switch keeps the reader where they are. A page
 * answering a form names the address to GET instead (`here`), as a POST's own path may have none.
 */
function withLanguage(ctx: Context, lang: string, here: unknown): string {
  if (ctx.method !== 'GET' && typeof here === 'string') return `${here}?lang=${lang}`;
  const params = new URLSearchParams(ctx.querystring);
  params.delete('lang');
  params.delete(CSRF_FIELD);
  params.set('lang', lang);
  // `//host/x` (or `/\\host/x`) is a path to us but, written in an href, another site: any run
  // of slashes or backslashes at the start is folded to one.
  return `${ctx.path.replace(/^[/\\]+/, '/')}?${params}`;
}

export function createRenderer(deps: Pick<PageDeps, 'views' | 'staticUrls'>): Renderer {
  const render = ((ctx, view, data = {}, status = 200) => {
    const state = pageState(ctx);
    const done = typeof ctx.query.done === 'string' && deps.views.has(state.locale, `flash.${ctx.query.done}`) ? `flash.${ctx.query.done}` : null;
    ctx.status = status;
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = deps.views.render(view, {
      timeZone: state.viewer?.timeZone ?? 'Europe/Paris',
      ...data,
      pageName: view.replace(/\//g, '_'),
      locale: state.locale,
      viewer: state.viewer,
      isAdmin: state.viewer?.role === 'admin' || state.viewer?.operatorAdmin === true,
      isOperator: state.viewer?.operatorAdmin === true,
      // Workways keeps "Register my access card" in the header's profile menu while it is due.
      cardPending: state.viewer?.status === 'awaiting_card' || state.viewer?.status === 'card_overdue',
      csrfField: CSRF_FIELD,
      csrfToken: state.csrfToken,
      path: ctx.path,
      flash: done,
      static: deps.staticUrls,
      // Only the pages with passkey buttons load WebAuthn's script.
      passkeys: view === 'login' || view === 'profile',
      brandCss: state.viewer ? `/brand/${state.viewer.brandColor.slice(1).toLowerCase()}.css` : null,
      languages: [
        { code: 'fr', name: 'Français', url: withLanguage(ctx, 'fr', data.here), current: state.locale === 'fr' },
        { code: 'en', name: 'English', url: withLanguage(ctx, 'en', data.here), current: state.locale === 'en' },
      ],
    });
  }) as Renderer;
  render.t = (ctx, key, values) => deps.views.translate(pageState(ctx).locale, key, values);
  render.has = (ctx, key) => deps.views.has(pageState(ctx).locale, key);
  return render;
}

/** 303 See Other: after a form, the browser GETs the next page (a reload never re-posts). */
export function see(ctx: Context, url: string): void {
  ctx.status = 303;
  ctx.redirect(url);
}

/** Only a path of this site: `next=https://evil.test` or `//evil.test` would send people away. */
export function safeNext(value: unknown, fallback: string): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : fallback;
}

/** The form's fields, without the token and with empty fields left out (so "optional" means optional). */
export function formFields(ctx: Context, lists: string[] = []): Record<string, string | string[]> {
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const fields: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(body)) {
    if (name === CSRF_FIELD) continue;
    // Boxes ticked under one name (several members selected) arrive as a list.
    if (lists.includes(name)) {
      fields[name] = [value].flat().map(String).filter((v) => v.trim() !== '');
      continue;
    }
    const text = Array.isArray(value) ? String(value.at(-1) ?? '') : String(value ?? '');
    if (text.trim() !== '') fields[name] = text;
  }
  return fields;
}

/** Each field's first problem, in the reader's words. */
export function fieldErrors(ctx: Context, render: Renderer, error: ZodError, input: Record<string, unknown>): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? '_form');
    if (errors[field]) continue;
    const i = issue as { code: string; minimum?: number | bigint; maximum?: number | bigint; format?: string };
    errors[field] =
      // Our own refinements name their message's key (e.g. password_mismatch).
      i.code === 'custom' ? render.t(ctx, `errors.${issue.message}`)
      : input[field] === undefined ? render.t(ctx, 'errors.required')
      : i.code === 'too_small' ? render.t(ctx, 'errors.too_short', { min: Number(i.minimum) })
      : i.code === 'too_big' ? render.t(ctx, 'errors.too_long', { max: Number(i.maximum) })
      : i.code === 'invalid_format' && i.format === 'email' ? render.t(ctx, 'errors.email')
      : render.t(ctx, 'errors.invalid');
  }
  return errors;
}

export function parseForm<S extends z.ZodType>(ctx: Context, render: Renderer, schema: S, lists: string[] = []): { ok: true; data: z.output<S> } | { ok: false; errors: FieldErrors } {
  const fields = formFields(ctx, lists);
  const parsed = schema.safeParse(fields);
  return parsed.success ? { ok: true, data: parsed.data } : { ok: false, errors: fieldErrors(ctx, render, parsed.error, fields) };
}

/** A domain refusal in the reader's words when the pages know the case, else its own (English) message. */
export function domainMessage(ctx: Context, render: Renderer, error: DomainError | AppError): string {
  const key = `problems.${error.code.replace(/-/g, '_')}`;
  return render.has(ctx, key) ? render.t(ctx, key, { ...(error instanceof DomainError ? error.details : error.extra) }) : error.message;
}

/** The `:id` of an admin page's address: anything but a UUID names nothing, so 404. */
export function idParam(ctx: Context): string {
  const id = z.uuid().safeParse(ctx.params.id);
  if (!id.success) throw new AppError('not-found', 404, 'No such page');
  return id.data;
}

/** Where a signed-in person lands: admins on the overview, members on their profile. */
export const homeFor = (role: string) => (role === 'admin' ? '/admin' : '/me');

/** A refusal a page shows in its own words (a domain rule, or a 4xx), as opposed to a failure. */
export const isRefusal = (error: unknown): error is DomainError | AppError => error instanceof DomainError || (error instanceof AppError && error.status < 500);

export function requireViewer(ctx: Context): Viewer {
  const viewer = pageState(ctx).viewer;
  if (!viewer) throw new SignInRequired();
  return viewer;
}

export function requireAdmin(ctx: Context): Viewer & { role: 'admin' } {
  const viewer = requireViewer(ctx);
  if (viewer.role !== 'admin' && !viewer.operatorAdmin) throw new AppError('forbidden', 403, 'Administrators only');
  return viewer as Viewer & { role: 'admin' };
}

/** The operator's pages (sites, doors, card stock, companies) are for its staff only. */
export function requireOperator(ctx: Context): Viewer & { operatorAdmin: true } {
  const viewer = requireViewer(ctx);
  if (!viewer.operatorAdmin) throw new AppError('operator-only', 403, 'The operator only');
  return viewer as Viewer & { operatorAdmin: true };
}

export class SignInRequired extends Error {
  constructor() {
    super('sign in first');
    this.name = 'SignInRequired';
  }
}

/** The pages' error handling: people get a page in their language, never a problem+json. */
export function pageErrors(render: Renderer, logger: Logger) {
  return async function errors(ctx: Context, next: Next) {
    try {
      await next();
    } catch (error) {
      if (error instanceof SignInRequired) {
        see(ctx, `/login?next=${encodeURIComponent(ctx.originalUrl)}`);
        return;
      }
      if (!ctx.state.page) throw error;
      const status =
        error instanceof CsrfError ? 403
        : error instanceof DomainError ? KIND_STATUS[error.kind]
        : error instanceof AppError ? error.status
        : error instanceof ServiceError || error instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isDatabaseUnavailable(error) ? 503
        : error instanceof ZodError ? 400
        : 500;
      const kind =
        error instanceof CsrfError ? 'csrf'
        : status === 404 || status === 410 ? 'not_found'
        : error instanceof AppError && error.code === 'operator-only' ? 'operator_only'
        : status === 403 ? 'forbidden'
        : status === 429 ? 'too_many'
        : status === 503 ? 'unavailable'
        : status >= 500 ? 'internal'
        : 'invalid';
      if (status >= 500 && status !== 503) logger.error({ err: error, requestId: ctx.state.requestId }, 'page failed');
      else if (status === 503) logger.warn({ err: error, requestId: ctx.state.requestId }, 'page could not reach the workflow engine or the database');
      // A refusal the pages can put in words says what happened, beside the generic title.
      const detail = error instanceof DomainError && render.has(ctx, `problems.${error.code}`) ? domainMessage(ctx, render, error) : null;
      render(ctx, 'error', { kind, detail, requestId: ctx.state.requestId }, status);
    }
  };
}
