// The process's HTTP app: the shared floor (logging, security headers, metrics, problems, body
// parsing, the request's entity manager), then the API's routes, then the pages.
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import { RequestContext } from '@mikro-orm/core';
import type { EntityManager } from '../db/orm.ts';
import Koa from 'koa';
import type { Config } from '../config/index.ts';
import type { Orm } from '../db/orm.ts';
import type { Secrets } from '../domain/secrets.ts';
import type { MailCatcher } from '../services/mail-catcher.ts';
import { createAuthenticator } from '../api/auth.ts';
import { AppError, problemMiddleware } from '../http/errors.ts';
import { metricsAllowed, securityHeaders } from '../http/security-headers.ts';
import { createIdempotency } from '../api/idempotency.ts';
import { scimErrors, scimRouter } from '../api/scim/router.ts';
import type { Logger } from '../lib/logger.ts';
import type { Metrics } from '../api/metrics.ts';
import type { RateLimits } from '../http/rate-limit.ts';
import type { Readiness } from '../api/readiness.ts';
import { requestLog } from '../api/request-context.ts';
import { mountRoutes, openApiDocument } from '../api/route.ts';
import { API_INFO, apiRoutes } from '../api/routes.ts';
import { devMailRouter } from '../api/routes/dev-mail.ts';
import type { ApiServices } from '../api/services.ts';
import type { LifecycleGateway } from '../domain/members/lifecycle-gateway.ts';
import type { WebhookGateway } from '../domain/webhooks/gateway.ts';
import type { VisitGateway } from '../domain/visits/visit-gateway.ts';
import { radiusWifi } from '../providers/wifi.ts';
import { createPagesRouter, wantsPage } from '../web/pages.ts';
import { loadPageViews } from '../web/views.ts';
import { ROUTER_METHODS } from '../http/methods.ts';
import type { PayloadCodec } from '@temporalio/common';
import { codecRouter } from '../api/codec.ts';

export interface AppDeps {
  config: Config;
  logger: Logger;
  orm: Orm;
  lifecycles: LifecycleGateway;
  webhooks: WebhookGateway;
  visits: VisitGateway;
  secrets: Secrets;
  readiness: Readiness;
  metrics: Metrics;
  /** Sign-in and password-reset limits, shared by every API process (http/rate-limit.ts). */
  limits: RateLimits;
  mailCatcher?: MailCatcher;
  /** Decrypts workflow payloads for the Temporal UI's operator admins (api/codec.ts). */
  payloadCodec: PayloadCodec;
}

export async function createApp(deps: AppDeps): Promise<Koa> {
  const { config, logger, orm, metrics } = deps;
  // Behind proxies, only the last TRUST_PROXY_HOPS entries of X-Forwarded-For are theirs: Koa's
  // default takes the leftmost, which the client writes, so rotating it escaped the per-IP limits.
  const hops = config.production ? config.http.trustProxyHops : 0;
  const app = new Koa({ proxy: hops > 0, maxIpsCount: hops });
  // Inside a request, orm.em is that request's context (RequestContext below).
  const em = () => orm.em as EntityManager;
  const wifi = radiusWifi(orm, deps.secrets);
  const services: ApiServices = { config, orm, lifecycles: deps.lifecycles, webhooks: deps.webhooks, visits: deps.visits, secrets: deps.secrets, wifi, logger, metrics, limits: deps.limits, em };
  const routes = apiRoutes(services, deps.readiness);
  const openApi = openApiDocument(routes, API_INFO, config.http.publicUrl);

  // The pages call the same domain code as the routes above, as the signed-in member.
  const pages = await createPagesRouter({
    config,
    em,
    secrets: deps.secrets,
    logger,
    limits: services.limits,
    views: await loadPageViews(),
    lifecycles: deps.lifecycles,
    webhooks: deps.webhooks,
    visits: deps.visits,
    wifi,
  });

  const router = new Router({ methods: ROUTER_METHODS });
  const codec = codecRouter({ em, codec: deps.payloadCodec, uiOrigin: config.temporal.uiOrigin, ownOrigin: new URL(config.http.publicUrl).origin });
  const scim = scimRouter({ em, lifecycles: deps.lifecycles, adminGroup: config.scim.adminGroup, publicUrl: config.http.publicUrl });
  mountRoutes(router, routes, { authenticate: createAuthenticator({ em, secrets: deps.secrets }), idempotency: createIdempotency(em) });
  router.get('/openapi.json', (ctx) => {
    ctx.body = openApi;
  });
  router.get('/metrics', async (ctx) => {
    // In production the figures (routes, rates, errors) are for the operator's scraper only.
    if (config.production && !metricsAllowed(ctx, config.http.metricsToken)) {
      throw new AppError('not-found', 404, 'No such resource', { detail: 'set METRICS_TOKEN and send it as a bearer token to read /metrics' });
    }
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  if (deps.mailCatcher && !config.production) {
    const dev = devMailRouter(deps.mailCatcher);
    router.use(dev.routes(), dev.allowedMethods());
  }

  app.use(requestLog(logger));
  app.use(securityHeaders(config.production));
  app.use(metrics.middleware());
  app.use(problemMiddleware(logger));
  app.use(async (ctx, next) => {
    await next();
    if (ctx.status === 404 && ctx.body === undefined && wantsPage(ctx)) await pages.notFound(ctx);
  });
  // SCIM answers in its own error format, even when the body cannot be parsed.
  app.use(scimErrors(logger));
  app.use(
    bodyParser({
      enableTypes: ['json', 'text', 'form'],
      // JSON includes application/scim+json by default.
      extendTypes: { text: ['text/csv'] },
      // A 5,000-member JSON import fits; anything bigger is refused with 413 before parsing.
      jsonLimit: '1mb',
      textLimit: '1mb',
      // Forms are small; the largest is a site's card list (1,000 lines).
      formLimit: '256kb',
      encoding: 'utf-8',
    }),
  );
  app.use((ctx, next) => RequestContext.create(orm.em, next));
  app.use(scim.routes());
  app.use(scim.allowedMethods());
  app.use(codec.routes());
  app.use(codec.allowedMethods());
  app.use(router.routes());
  // Without `throw`: the routers set 405 (with Allow) or 501, and the problem middleware words them.
  app.use(router.allowedMethods());
  app.use(pages.router.routes());
  app.use(pages.router.allowedMethods());
  return app;
}
