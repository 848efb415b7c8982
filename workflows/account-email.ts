import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { SendEmailInput } from '../activities/email.ts';

const { sendEmail } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * An e-mail about a member's account that is not a lifecycle step (the password-reset code): sent
 * through the same outbox, retried quickly (the code is short-lived) until the SMTP server takes
 * it or `giveUpAfterMs` has passed.
 */
export async function accountEmail(input: Omit<SendEmailInput, 'to'>): Promise<{ sent: number; failed: number }> {
  return sendEmail({ ...input, to: 'member' });
}
