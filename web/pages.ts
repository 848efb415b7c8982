// The server-rendered pages, served by the same Koa app as the API and calling the same domain
// code. One router: static assets, then every page behind the page context (viewer, language,
// CSRF check) and the pages' own error handling.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import Router from '@koa/router';
import type { Context } from 'koa';
import { projectRoot } from '../config/index.ts';
import { textColorOn } from '../domain/companies/brand.ts';
import { checkRequestText } from '../http/request-text.ts';
import { pageContext } from './page-context.ts';
import { createRenderer, pageErrors, type PageDeps } from './page.ts';
import { accountPages } from './routes/account.ts';
import { adminMemberPages } from './routes/admin-members.ts';
import { invitePages } from './routes/admin-invite.ts';
import { operatorAccessPages } from './routes/operator-access.ts';
import { membersListPages } from './routes/members-list.ts';
import { overviewPages } from './routes/overview.ts';
import { operatorPages } from './routes/operator.ts';
import { operatorCompanyPages } from './routes/operator-companies.ts';
import { apiKeyPages } from './routes/api-keys.ts';
import { webhookPages } from './routes/webhooks.ts';
import { memberPages } from './routes/member.ts';
import { visitorPages } from './routes/visitors.ts';
import { receptionPages } from './routes/reception.ts';
import { operatorReceptionPages } from './routes/operator-reception.ts';
import { operatorPrivacyPages } from './routes/operator-privacy.ts';
import type { PageViews } from './views.ts';
import { ROUTER_METHODS } from '../http/methods.ts';
import { signInPages } from './routes/sign-in.ts';
import { companyPages } from './routes/admin-company.ts';

const STATIC_DIR = path.join(projectRoot, 'web', 'static');
const TYPES: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.svg': 'image/svg+xml' };

/** Libraries' browser builds, served as our own files (the CSP allows scripts from here only). */
const VENDORED = [['simplewebauthn-browser.js', path.join(projectRoot, 'node_modules', '@simplewebauthn', 'browser', 'dist', 'bundle', 'index.umd.min.js')]] as const;

interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
}

/** The static files, read once; their URLs carry a content hash so browsers may keep them a year. */
async function loadStatic(): Promise<{ files: Map<string, StaticFile>; urls: Record<string, string> }> {
  const files = new Map<string, StaticFile>();
  const urls: Record<string, string> = {};
  const own = (await fs.readdir(STATIC_DIR)).map((name) => [name, path.join(STATIC_DIR, name)] as const);
  for (const [name, file] of [...own, ...VENDORED]) {
    const type = TYPES[path.extname(name)];
    if (!type) continue;
    const body = await fs.readFile(file);
    const hash = createHash('sha256').update(body).digest('base64url').slice(0, 10);
    files.set(name, { body, type, etag: `"${hash}"` });
    urls[name.replace(/\W/g, '_')] = `/static/${name}?v=${hash}`;
  }
  return { files, urls };
}

export async function createPagesRouter(deps: Omit<PageDeps, 'staticUrls' | 'views'> & { views: PageViews }): Promise<{ router: Router; notFound(ctx: Context): Promise<void> }> {
  const assets = await loadStatic();
  const full: PageDeps = { ...deps, staticUrls: assets.urls };
  const render = createRenderer(full);
  const router = new Router({ methods: ROUTER_METHODS });

  router.get('/static/:name', (ctx) => {
    const file = assets.files.get(ctx.params.name!);
    if (!file) return;
    ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.etag = file.etag;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.type = file.type;
    ctx.body = file.body;
  });

  // Browsers ask for /favicon.ico whatever the page says: the same picture.
  router.get('/favicon.ico', (ctx) => {
    const icon = assets.files.get('favicon.svg')!;
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.type = icon.type;
    ctx.body = icon.body;
  });

  // The company's colour as a stylesheet of its own (the CSP allows no inline style): one small
  // file per colour, cached for good since its address is the colour.
  router.get('/brand/:file', (ctx) => {
    const hex = /^([0-9a-f]{6})\.css$/.exec(ctx.params.file!)?.[1];
    if (!hex) return;
    ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.type = 'text/css; charset=utf-8';
    ctx.body = `:root { --brand: #${hex}; --on-brand: ${textColorOn(`#${hex}`)}; }\n`;
  });

  const pages = new Router({ methods: ROUTER_METHODS });
  const context = pageContext({ em: deps.em, secrets: deps.secrets });
  // After the context, so a refused text gets the page's own 400 in the reader's language.
  pages.use(pageErrors(render, deps.logger), context, (ctx, next) => {
    checkRequestText(ctx);
    return next();
  });
  accountPages(pages, full, render);
  signInPages(pages, full, render);
  companyPages(pages, full, render);
  memberPages(pages, full, render);
  overviewPages(pages, full, render);
  membersListPages(pages, full, render);
  // Before a member's pages: /admin/members/new is not a member's page.
  invitePages(pages, full, render);
  adminMemberPages(pages, full, render);
  operatorPages(pages, full, render);
  operatorCompanyPages(pages, full, render);
  operatorAccessPages(pages, full, render);
  operatorReceptionPages(pages, full, render);
  operatorPrivacyPages(pages, full, render);
  visitorPages(pages, full, render);
  receptionPages(pages, full, render);
  apiKeyPages(pages, full, render);
  webhookPages(pages, full, render);
  router.use(pages.routes());
  return {
    router,
    /** A mistyped address in a browser gets a page in the reader's language, not the API's problem+json. */
    notFound: (ctx: Context) => context(ctx, async () => render(ctx, 'error', { kind: 'not_found' }, 404)),
  };
}

export const wantsPage = (ctx: Context) => ctx.method === 'GET' && !ctx.path.startsWith('/v1/') && ctx.get('Accept').includes('text/html');
