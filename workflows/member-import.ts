import { deprecatePatch, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { withCompanyId, type FormerlyOrganization } from '../contract/workflows.ts';
import { emailActivityOptions } from './email-options.ts';

const { importMemberBatch, finishMemberImport } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
const { sendEmail } = proxyActivities<Activities>(emailActivityOptions);

/**
 * A bulk invitation: its rows wait in the database and are invited batch by batch, each row's
 * outcome written as it goes, so the API answers at once and progress is readable at any time.
 * A retried batch skips the rows it already did. The administrator who started it gets an e-mail
 * with the outcome.
 */
export async function memberImport(input: { importId: string; batchSize?: number }): Promise<{ created: number; skipped: number; failed: number }> {
  for (;;) {
    const { remaining } = await importMemberBatch({ importId: input.importId, batchSize: input.batchSize ?? 50 });
    if (remaining === 0) break;
  }
  const { notify, ...counts } = await finishMemberImport({ importId: input.importId });
  // An import lasts minutes: none running from before this e-mail existed is left, so the patch is
  // deprecated (its marker stays in the histories of the imports that took it).
  deprecatePatch('import-finished-email');
  if (notify) {
    // An answer recorded before "company" named it organizationId.
    const { companyId, memberId } = withCompanyId<{ companyId: string; memberId: string } & FormerlyOrganization>(notify);
    await sendEmail({
      key: `member-import-${input.importId}/finished`,
      companyId,
      memberId,
      to: 'member',
      template: 'import_finished',
      data: { importId: input.importId },
    });
  }
  return counts;
}
