// The operator's page about personal data: how long each kind is kept (its choices over the
// deployment's CNIL defaults, applied by the next daily purge), the audit chains' heads, and the
// whole audit trail as a file for `npm run audit:verify`. Staff only.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { auditChainHeads } from '../../domain/audit.ts';
import { auditCsvLines } from '../../domain/members/audit-export.ts';
import { operatorRetention, RetentionOverrides, retentionDefaults, setOperatorRetention } from '../../domain/privacy/retention.ts';
import { sendCsv } from '../csv.ts';
import type { Viewer } from '../page-context.ts';
import { parseForm, requireOperator, see, type PageDeps, type Renderer } from '../page.ts';

const FIELDS = RetentionOverrides.keyof().options;
// An emptied field goes back to the default.
const blankIsDefault = z.preprocess((v) => (v === '' || v === undefined ? undefined : Number(v)), z.number().optional());
const RetentionForm = z.object(Object.fromEntries(FIELDS.map((f) => [f, blankIsDefault])) as Record<(typeof FIELDS)[number], typeof blankIsDefault>).pipe(RetentionOverrides);

export function operatorPrivacyPages(router: Router, deps: PageDeps, render: Renderer): void {
  const defaults = retentionDefaults(deps.config.retention);
  const page = async (ctx: Context, viewer: Viewer & { operatorAdmin: true }, extra: Record<string, unknown> = {}, status = 200) => {
    const { settings, overrides } = await operatorRetention(deps.em(), viewer.operatorId, defaults);
    const heads = await auditChainHeads(deps.em(), { operatorId: viewer.operatorId });
    const companies = await deps.em().getKysely().selectFrom('organization').select(['id', 'name']).where('operator_id', '=', viewer.operatorId).execute();
    const names = new Map(companies.map((c) => [c.id, c.name]));
    render(ctx, 'operator/privacy', {
      here: '/operator/privacy',
      fields: FIELDS.map((name) => ({ name, value: overrides[name] ?? '', applied: settings[name], default: defaults[name] })),
      chains: heads.map((h) => ({ name: h.companyId ? names.get(h.companyId) : null, operator: h.companyId === null, seq: h.seq, hash: h.hash })),
      ...extra,
    }, status);
  };

  router.get('/operator/privacy', async (ctx) => page(ctx, requireOperator(ctx)));

  router.post('/operator/privacy/retention', async (ctx) => {
    const viewer = requireOperator(ctx);
    const form = parseForm(ctx, render, RetentionForm);
    if (!form.ok) return page(ctx, viewer, { errors: form.errors }, 400);
    const chosen = Object.fromEntries(Object.entries(form.data).filter(([, v]) => v !== undefined));
    await setOperatorRetention(deps.em(), { operatorId: viewer.operatorId, actor: viewer.actor, overrides: chosen, defaults });
    see(ctx, '/operator/privacy?done=retention_saved');
  });

  // Every event the operator reads (its own and every company's), with their links, for `npm run audit:verify`.
  router.get('/operator/audit.csv', async (ctx) => {
    const viewer = requireOperator(ctx);
    sendCsv(ctx, 'audit.csv', await auditCsvLines(deps.em(), { operatorId: viewer.operatorId }, {}, 'operator'));
  });
}
