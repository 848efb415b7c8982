// The admins' API keys page: make a key for the HR system or the identity provider (its secret
// shown on this answer only), see who made each and when it was last used, revoke one. The
// operator's staff also manage the operator's own keys here.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { createApiKey, listApiKeys, revokeApiKey, scopesFor, type KeyOwner } from '../../domain/api-keys.ts';
import { DomainError } from '../../domain/errors.ts';
import { AppError } from '../../http/errors.ts';
import { domainMessage, idParam, parseForm, requireAdmin, see, type PageDeps, type Renderer } from '../page.ts';
import type { Viewer } from '../page-context.ts';

const KeyForm = z.object({
  name: z.string().trim().min(1).max(200),
  owner: z.enum(['company', 'operator']).default('company'),
  scope_members: z.literal('on').optional(),
  scope_read: z.literal('on').optional(),
  scope_scim: z.literal('on').optional(),
  scope_companies: z.literal('on').optional(),
});
const OwnerForm = z.object({ owner: z.enum(['company', 'operator']).default('company') });

function ownerOf(viewer: Viewer, owner: 'company' | 'operator'): KeyOwner {
  if (owner === 'operator') {
    if (!viewer.operatorAdmin) throw new AppError('operator-only', 403, 'The operator only');
    return { operatorId: viewer.operatorId };
  }
  return { companyId: viewer.companyId, operatorId: viewer.operatorId };
}

export function apiKeyPages(router: Router, deps: PageDeps, render: Renderer): void {
  const page = async (ctx: Context, viewer: Viewer, extra: Record<string, unknown> = {}, status = 200) => {
    const named = <K extends { name: string }>(keys: K[]) => keys.map((k) => ({ ...k, name: keyName(ctx, render, k.name) }));
    const company = named(await listApiKeys(deps.em(), ownerOf(viewer, 'company')));
    const operator = viewer.operatorAdmin ? named(await listApiKeys(deps.em(), ownerOf(viewer, 'operator'))) : null;
    // A page showing a secret is never stored by a browser or a proxy.
    if (extra.created) ctx.set('Cache-Control', 'no-store');
    render(ctx, 'admin/api-keys', {
      here: '/admin/api-keys',
      company,
      operator,
      companyScopes: scopesFor({ companyId: viewer.companyId, operatorId: viewer.operatorId }),
      operatorScopes: scopesFor({ operatorId: viewer.operatorId }),
      scimUrl: `${deps.config.http.publicUrl}/scim/v2`,
      ...extra,
    }, status);
  };

  router.get('/admin/api-keys', async (ctx) => page(ctx, requireAdmin(ctx)));

  router.post('/admin/api-keys', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const form = parseForm(ctx, render, KeyForm);
    const values = ctx.request.body as Record<string, string>;
    if (!form.ok) return page(ctx, viewer, { values, errors: form.errors }, 400);
    const scopes = (['members', 'read', 'scim', 'companies'] as const).filter((s) => form.data[`scope_${s}`] === 'on');
    try {
      const created = await createApiKey(deps.em(), ownerOf(viewer, form.data.owner), { name: form.data.name, scopes, actor: viewer.actor });
      return page(ctx, viewer, { created }, 201);
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'unprocessable') throw error;
      return page(ctx, viewer, { values, errors: { scopes: domainMessage(ctx, render, error) } }, 400);
    }
  });

  router.post('/admin/api-keys/:id/revoke', async (ctx) => {
    const viewer = requireAdmin(ctx);
    const id = idParam(ctx);
    const form = parseForm(ctx, render, OwnerForm);
    await revokeApiKey(deps.em(), ownerOf(viewer, form.ok ? form.data.owner : 'company'), id, viewer.actor);
    see(ctx, '/admin/api-keys?done=api_key_revoked');
  });
}

// The keys the platform makes itself (with a company, with the operator) carry an English name in
// the database; a reader sees it in their own language.
const SYSTEM_KEY_NAMES: Record<string, string> = { 'Initial key': 'api_keys.initial_name', 'Operator key': 'api_keys.operator_name' };

export function keyName(ctx: Context, render: Renderer, name: string): string {
  const key = SYSTEM_KEY_NAMES[name];
  return key ? render.t(ctx, key) : name;
}
