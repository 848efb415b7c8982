import { proxyActivities } from '@temporalio/workflow';
import { withCompanyId, type EmailChangeInput } from '../contract/workflows.ts';
import type { Activities } from '../activities/index.ts';
import type { SendEmailInput } from '../activities/email-content.ts';
import { RESET_CODE_TTL_MS } from '../domain/auth/reset-code.ts';
import { EMAIL_CHANGE_TTL_MS } from '../domain/members/email-change-ttl.ts';
import { SIGN_UP_LINK_TTL_MS } from '../domain/sign-in/sign-up-ttl.ts';

const { sendEmail, issuePasswordResetCodes, routeSignUp } = proxyActivities<Activities>({
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

/**
 * "Forgot my password" for an address: the codes are issued here, not in the request, so the
 * answer takes the same time whether or not the address has an account. Each code's e-mail gives
 * up when the code expires.
 */
export async function passwordReset(input: { email: string }): Promise<{ codesSent: number }> {
  const codes = await issuePasswordResetCodes({ email: input.email });
  for (const code of codes) {
    await sendEmail({
      companyId: code.companyId,
      memberId: code.memberId,
      template: 'password_reset',
      key: `password-reset/${code.tokenId}`,
      data: { resetTokenId: code.tokenId },
      giveUpAfterMs: RESET_CODE_TTL_MS,
      to: 'member',
    });
  }
  return { codesSent: codes.length };
}

/**
 * A pending change of a member's sign-in address: the address in use hears of it first, then the
 * new one gets the link that confirms it (change-email.ts). In that order, so the notice cannot
 * reach an address that was confirmed meanwhile.
 */
export async function emailChange(given: EmailChangeInput): Promise<{ sent: number }> {
  // Changes asked before "company" carry organizationId.
  const input = withCompanyId(given);
  const common = { companyId: input.companyId, memberId: input.memberId, data: { tokenId: input.tokenId }, giveUpAfterMs: EMAIL_CHANGE_TTL_MS };
  const notice = await sendEmail({ ...common, template: 'email_change_notice', key: `email-change/${input.tokenId}/notice`, to: 'member' });
  const confirm = await sendEmail({ ...common, template: 'email_change_confirm', key: `email-change/${input.tokenId}/confirm`, to: 'new_address' });
  return { sent: notice.sent + confirm.sent };
}

/**
 * "S'inscrire" for an address, decided off the request so the answer never tells: an address on
 * record gets the usual e-mail (its invitation again, resent by its lifecycle, or a reset code),
 * one at a company's confirmed domain a verification link, any other nothing.
 */
export async function signUp(input: { email: string; locale: 'fr' | 'en' }): Promise<{ sent: string }> {
  const route = await routeSignUp(input);
  if (route.kind === 'on_record') {
    await passwordReset({ email: input.email });
  } else if (route.kind === 'domain') {
    await sendEmail({
      companyId: route.companyId,
      memberId: '',
      to: 'sign_up_address',
      template: 'sign_up_link',
      key: `sign-up/${route.signUpId}`,
      data: { signUpId: route.signUpId },
      giveUpAfterMs: SIGN_UP_LINK_TTL_MS,
    });
  }
  return { sent: route.kind };
}
