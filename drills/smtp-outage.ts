// The SMTP server is down while members are invited: every invitation must arrive, once, after it
// comes back — nothing given up, nothing sent twice.
import type { ProcessStack } from '../scripts/lib/process-stack.ts';
import type { Tenant } from '../scripts/lib/tenant.ts';
import { SUBJECTS, waitForMail, waveEmails, type DrillOutcome } from './lib.ts';

export async function smtpOutageDrill(stack: ProcessStack, tenant: Tenant, options: { members: number; downMs: number; timeoutMs: number }): Promise<DrillOutcome> {
  const emails = waveEmails('smtp', options.members);
  await stack.smtp.down();
  const downAt = performance.now();
  try {
    await tenant.bulkInvite(emails);
    const early = emails.filter((e) => stack.smtp.to(e).length).length;
    if (early) throw new Error(`${early} e-mails arrived while the SMTP server was down`);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, options.downMs - (performance.now() - downAt))));
  } finally {
    await stack.smtp.up();
  }
  const upAt = Date.now();
  const expected = new Map(emails.map((e) => [e, [SUBJECTS.invitation]]));
  const mail = await waitForMail(stack, expected, options.timeoutMs);
  const last = Math.max(...emails.flatMap((e) => stack.smtp.to(e).map((d) => d.receivedAt)));
  return {
    name: 'smtp-down',
    lifecycles: emails.length,
    lost: mail.missing,
    duplicated: mail.duplicated,
    notes: [
      `SMTP down ${Math.round(options.downMs / 1000)} s; the last invitation arrived ${Math.round((last - upAt) / 1000)} s after it came back`,
      `${mail.redelivered} SMTP re-deliveries with the same Message-ID`,
    ],
    failed: [],
  };
}
