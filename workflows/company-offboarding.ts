// A company leaving (end of contract): one durable workflow per offboarding. It waits for the
// date (cancellable until then), then removes every member through their own lifecycle — the
// usual offboarding each — a batch at a time, and sends one report to the operator's and the
// company's admins. A restarted worker replays it and carries on: a member already removed
// counts as done, so each is removed exactly once.
import { ApplicationFailure, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { cancelOffboardingUpdate, offboardingProgressQuery, type CompanyOffboardingInput, type CompanyOffboardingProgress } from '../contract/workflows.ts';
import { emailActivityOptions } from './email-options.ts';


const { beginCompanyOffboarding, removeCompanyMembers, finishCompanyOffboarding, cancelCompanyOffboarding } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  // A worker lost mid-batch is noticed within this, and the batch retried elsewhere.
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
const { sendEmail } = proxyActivities<Activities>(emailActivityOptions);

export async function companyOffboarding(input: CompanyOffboardingInput): Promise<CompanyOffboardingProgress> {
  const progress: CompanyOffboardingProgress = { state: 'scheduled', total: null, removed: 0 };
  let cancelledBy: string | undefined;
  setHandler(offboardingProgressQuery, () => progress);
  setHandler(
    cancelOffboardingUpdate,
    ({ actor }) => {
      cancelledBy = actor;
      return { cancelled: true };
    },
    {
      validator: ({ actor }) => {
        if (typeof actor !== 'string' || !actor) throw ApplicationFailure.nonRetryable('actor is required', 'InvalidRequest');
        if (progress.state !== 'scheduled') throw ApplicationFailure.nonRetryable('the offboarding has started: members are being removed', 'OffboardingStarted');
      },
    },
  );

  const waitMs = Date.parse(input.effectiveAt) - Date.now();
  if (waitMs > 0) await condition(() => cancelledBy !== undefined, waitMs);
  if (cancelledBy !== undefined) {
    await cancelCompanyOffboarding({ offboardingId: input.offboardingId, actor: cancelledBy });
    progress.state = 'cancelled';
    return progress;
  }

  progress.state = 'running';
  ({ total: progress.total } = await beginCompanyOffboarding({ offboardingId: input.offboardingId }));
  for (;;) {
    const batch = await removeCompanyMembers({ companyId: input.companyId, offboardingId: input.offboardingId, batchSize: input.batchSize ?? 20 });
    progress.removed = batch.removed;
    if (batch.remaining === 0) break;
  }
  const { reportTo } = await finishCompanyOffboarding({ offboardingId: input.offboardingId });
  if (reportTo) {
    await sendEmail({
      key: `company-offboarding-${input.offboardingId}/report`,
      companyId: input.companyId,
      memberId: reportTo,
      to: 'company_and_operator_admins',
      template: 'company_offboarded',
      data: { offboardingId: input.offboardingId },
    });
  }
  progress.state = 'completed';
  return progress;
}
