// How long personal data is kept: the deployment's defaults (the environment, CNIL's references),
// which each operator may change within bounds. The daily purge (workflows/retention.ts) reads them
// per operator; the cut-offs are plain functions of the run's own clock.
import { z } from 'zod';
import type { RetentionInput } from '../../contract/workflows.ts';
import type { EntityManager } from '../../db/orm.ts';
import { jsonb } from '../../db/sql.ts';
import { recordAudit } from '../audit.ts';

export interface RetentionSettings {
  /** Movement records: the CNIL's reference is three months at most. */
  entryEventDays: number;
  /** A visitor's name, address, message and times, after the visit's date (three months at most). */
  visitorDays: number;
  /** E-mails sent and webhook payloads. */
  messageDays: number;
  /** A removed member's name, e-mail, external id and Wi-Fi credentials; 0: at the next purge. */
  pseudonymiseAfterMonths: number;
}

/** What an operator may choose: the CNIL's ceilings for movement and visitor records, five years (its AU-008 ceiling for identity data) for a removed member. */
export const RetentionOverrides = z
  .object({
    entryEventDays: z.int().min(1).max(90),
    visitorDays: z.int().min(1).max(90),
    messageDays: z.int().min(1).max(365),
    pseudonymiseAfterMonths: z.int().min(0).max(60),
  })
  .partial()
  .strict();
export type RetentionOverrides = z.output<typeof RetentionOverrides>;

/** The deployment's defaults as the schedule carries them (fields absent in schedules made before they existed). */
export const retentionDefaults = (input: RetentionInput): RetentionSettings => ({
  entryEventDays: input.entryEventRetentionDays,
  visitorDays: input.visitorRetentionDays ?? 90,
  messageDays: input.messageRetentionDays ?? 30,
  pseudonymiseAfterMonths: input.pseudonymiseAfterMonths ?? 12,
});

export function resolveRetention(defaults: RetentionSettings, overrides: unknown): RetentionSettings {
  // A stored choice that no longer fits the bounds is ignored, not trusted.
  const parsed = RetentionOverrides.safeParse(overrides ?? {});
  return { ...defaults, ...(parsed.success ? parsed.data : {}) };
}

const DAY_MS = 86_400_000;

/** Everything older than these goes: instants, except visits (dated days, compared in UTC) and removals (calendar months). */
export function retentionCutoffs(settings: RetentionSettings, at: Date) {
  const removedBefore = new Date(at);
  removedBefore.setUTCMonth(removedBefore.getUTCMonth() - settings.pseudonymiseAfterMonths);
  return {
    entryEventsBefore: new Date(at.getTime() - settings.entryEventDays * DAY_MS),
    visitsBefore: new Date(at.getTime() - settings.visitorDays * DAY_MS).toISOString().slice(0, 10),
    messagesBefore: new Date(at.getTime() - settings.messageDays * DAY_MS),
    removedBefore,
  };
}

export async function operatorRetention(em: EntityManager, operatorId: string, defaults: RetentionSettings): Promise<{ settings: RetentionSettings; overrides: RetentionOverrides }> {
  const row = await em.getKysely().selectFrom('operator').select('retention').where('id', '=', operatorId).executeTakeFirstOrThrow();
  const parsed = RetentionOverrides.safeParse(row.retention ?? {});
  const overrides = parsed.success ? parsed.data : {};
  return { settings: resolveRetention(defaults, overrides), overrides };
}

/** Replaces the operator's choices (a field left out goes back to the default); audited with before and after. */
export async function setOperatorRetention(em: EntityManager, input: { operatorId: string; actor: string; overrides: RetentionOverrides; defaults: RetentionSettings }) {
  return em.transactional(async (tx) => {
    const before = await tx.getKysely().selectFrom('operator').select('retention').where('id', '=', input.operatorId).forUpdate().executeTakeFirstOrThrow();
    await tx.getKysely().updateTable('operator').set({ retention: jsonb(input.overrides) }).where('id', '=', input.operatorId).execute();
    await recordAudit(tx, { companyId: null, operatorId: input.operatorId, actor: input.actor, type: 'retention.changed', data: { from: before.retention ?? {}, to: input.overrides } });
    return { settings: resolveRetention(input.defaults, input.overrides), overrides: input.overrides };
  });
}
