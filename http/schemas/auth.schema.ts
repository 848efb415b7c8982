import { z } from 'zod';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../domain/passwords.ts';
import { Email, Timestamp, Uuid } from './common.schema.ts';

// The length rule (12+) is checked by the domain when a password is *set*; a sign-in only needs one.
const Password = z.string().min(1).max(PASSWORD_MAX_LENGTH);
// The length is checked by the domain (its answer, `password-rejected`, says why); stated here too.
export const NewPassword = z.string().max(PASSWORD_MAX_LENGTH).meta({
  minLength: PASSWORD_MIN_LENGTH,
  description: `At least ${PASSWORD_MIN_LENGTH} characters, not only spaces, at least 4 different characters, and not one of the most common passwords (400 password-rejected otherwise)`,
});

export const LoginBody = z
  .strictObject({
    email: Email,
    password: Password,
    companyId: Uuid.optional().meta({ description: 'Only needed when the same address and password open several companies' }),
    organizationId: Uuid.optional().meta({ deprecated: true, description: 'Deprecated: the former name of `companyId`, read for one more version' }),
  })
  .meta({ id: 'Login' });

export const PasswordResetBody = z.strictObject({ email: Email }).meta({ id: 'PasswordReset' });
export const PasswordResetAccepted = z.object({ status: z.literal('accepted'), detail: z.string() });

export const PasswordResetConfirmBody = z
  .strictObject({
    email: Email,
    code: z.string().regex(/^\d{6}$/, 'the 6 digits of the e-mail'),
    password: NewPassword,
  })
  .meta({ id: 'PasswordResetConfirm' });

export const InvitationParams = z.object({ token: z.string().min(1).max(300).meta({ description: 'The token of the invitation link' }) });

export const Invitation = z
  .object({
    valid: z.literal(true),
    email: Email,
    name: z.string(),
    company: z.string().meta({ description: 'The name of the company that invited the member' }),
    organization: z.string().meta({ deprecated: true, description: 'Deprecated: the same as `company` (its name before companies), kept for one more version' }),
    expiresAt: Timestamp,
  })
  .meta({ id: 'Invitation' });

export const AcceptInvitationBody = z.strictObject({ password: NewPassword }).meta({ id: 'AcceptInvitation' });
