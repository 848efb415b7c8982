import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import { RequestContext } from '@mikro-orm/core';
import Koa from 'koa';
import type { Config } from '../config/index.ts';
import type { Orm } from '../db/orm.ts';
import type { MailCatcher } from '../services/mail-catcher.ts';
import { problemMiddleware } from './errors.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { Readiness } from './readiness.ts';
import { requestLog } from './request-context.ts';
import { mountRoutes, openApiDocument, type Route } from './route.ts';
import { devMailRouter } from './routes/dev-mail.ts';
import { healthRoutes } from './routes/health.ts';

export interface AppDeps {
  config: Config;
  logger: Logger;
  orm: Orm;
  readiness: Readiness;
  metrics: Metrics;
  mailCatcher?: MailCatcher;
}

export const API_INFO = {
  title: 'Member onboarding API',
  version: '1.0.0',
  description: 'Invite members, register their access cards, and remove them — one Temporal workflow per member.',
};

export function apiRoutes(deps: Pick<AppDeps, 'readiness'>): Route[] {
  return [...healthRoutes(deps.readiness)];
}

export function createApp(deps: AppDeps): Koa {
  const { config, logger, orm, metrics } = deps;
  const app = new Koa({ proxy: config.production });
  const routes = apiRoutes(deps);
  const openApi = openApiDocument(routes, API_INFO, config.http.publicUrl);

  const router = new Router();
  mountRoutes(router, routes);
  router.get('/openapi.json', (ctx) => {
    ctx.body = openApi;
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  if (deps.mailCatcher && !config.production) {
    const dev = devMailRouter(deps.mailCatcher);
    router.use(dev.routes(), dev.allowedMethods());
  }

  app.use(requestLog(logger));
  app.use(metrics.middleware());
  app.use(problemMiddleware(logger));
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '256kb', encoding: 'utf-8' }));
  app.use((ctx, next) => RequestContext.create(orm.em, next));
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));
  return app;
}
