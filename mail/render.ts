// A deliberately plain renderer: subject and text in French and English for every e-mail the
// lifecycle sends. The MJML + Handlebars templates of issue #5 replace it behind this signature.
export const EMAIL_TEMPLATES = [
  'invitation',
  'invitation_reminder',
  'invitation_expired',
  'card_instructions',
  'card_reminder',
  'card_overdue',
  'access_active',
  'removal_notice',
  'offboarding_report',
  'password_reset',
] as const;
export type EmailTemplate = (typeof EMAIL_TEMPLATES)[number];

export interface EmailContext {
  locale: 'fr' | 'en';
  recipientName: string;
  member: { name: string; email: string };
  organization: { name: string };
  site?: { name: string };
  /** Present in the invitation e-mails: the single-use link to create a password. */
  invitationUrl?: string;
  invitationExpiresAt?: string;
  cardEnrollmentUrl?: string;
  pin?: string;
  /** The password-reset code (6 digits) and how long it lasts. */
  resetCode?: string;
  resetCodeMinutes?: number;
  cardNumber?: string;
  wifi?: { ssid: string | null; username: string; password: string };
  report?: Record<string, unknown>;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

type Lines = (c: EmailContext) => { subject: string; body: string[] };

const fr: Record<EmailTemplate, Lines> = {
  invitation: (c) => ({
    subject: `${c.organization.name} vous invite à créer votre compte`,
    body: [`Bonjour ${c.recipientName},`, `${c.organization.name} vous invite. Créez votre mot de passe :`, c.invitationUrl!, `Ce lien est valable jusqu'au ${c.invitationExpiresAt}.`],
  }),
  invitation_reminder: (c) => ({
    subject: `Rappel : créez votre compte ${c.organization.name}`,
    body: [`Bonjour ${c.recipientName},`, `Votre invitation vous attend toujours :`, c.invitationUrl!, `Ce lien est valable jusqu'au ${c.invitationExpiresAt}.`],
  }),
  invitation_expired: (c) => ({
    subject: `Invitation expirée : ${c.member.name}`,
    body: [`Bonjour ${c.recipientName},`, `${c.member.name} (${c.member.email}) n'a pas créé son compte à temps : l'invitation a expiré. Vous pouvez la renvoyer.`],
  }),
  card_instructions: (c) => ({
    subject: 'Enregistrez votre badge',
    body: [`Bonjour ${c.recipientName},`, `Pour enregistrer votre badge, tapez ${c.pin} sur le lecteur à l'entrée puis présentez votre badge, ou scannez son QR code :`, `Enregistrer mon badge : ${c.cardEnrollmentUrl}`],
  }),
  card_reminder: (c) => ({
    subject: 'Rappel : votre badge n’est pas encore enregistré',
    body: [`Bonjour ${c.recipientName},`, `Enregistrer mon badge : ${c.cardEnrollmentUrl}`],
  }),
  card_overdue: (c) => ({
    subject: `Badge non enregistré : ${c.member.name}`,
    body: [`Bonjour ${c.recipientName},`, `${c.member.name} (${c.member.email}) n'a toujours pas enregistré son badge. Vous pouvez l'enregistrer pour ce membre.`],
  }),
  access_active: (c) => ({
    subject: 'Votre accès est actif',
    body: [`Bonjour ${c.recipientName},`, `Votre badge ${c.cardNumber} ouvre désormais les portes de ${c.site?.name ?? c.organization.name}.`, ...wifiLines(c, 'Wi-Fi', 'identifiant', 'mot de passe')],
  }),
  removal_notice: (c) => ({
    subject: `Votre accès à ${c.organization.name} a été retiré`,
    body: [`Bonjour ${c.recipientName},`, `Votre compte, votre badge et votre accès Wi-Fi chez ${c.organization.name} ont été désactivés.`],
  }),
  password_reset: (c) => ({
    subject: `Votre code de réinitialisation : ${c.resetCode}`,
    body: [`Bonjour ${c.recipientName},`, `Pour choisir un nouveau mot de passe ${c.organization.name}, saisissez ce code : ${c.resetCode}`, `Il est valable ${c.resetCodeMinutes} minutes. Si vous n'avez rien demandé, ignorez ce message.`],
  }),
  offboarding_report: (c) => ({
    subject: `Départ de ${c.member.name} : rapport`,
    body: [`Bonjour ${c.recipientName},`, `${c.member.name} (${c.member.email}) a été retiré.`, JSON.stringify(c.report, null, 2)],
  }),
};

const en: Record<EmailTemplate, Lines> = {
  invitation: (c) => ({
    subject: `${c.organization.name} invites you to create your account`,
    body: [`Hello ${c.recipientName},`, `${c.organization.name} invites you. Create your password:`, c.invitationUrl!, `This link is valid until ${c.invitationExpiresAt}.`],
  }),
  invitation_reminder: (c) => ({
    subject: `Reminder: create your ${c.organization.name} account`,
    body: [`Hello ${c.recipientName},`, `Your invitation is still waiting:`, c.invitationUrl!, `This link is valid until ${c.invitationExpiresAt}.`],
  }),
  invitation_expired: (c) => ({
    subject: `Invitation expired: ${c.member.name}`,
    body: [`Hello ${c.recipientName},`, `${c.member.name} (${c.member.email}) did not create their account in time: the invitation expired. You can resend it.`],
  }),
  card_instructions: (c) => ({
    subject: 'Register your access card',
    body: [`Hello ${c.recipientName},`, `To register your card, type ${c.pin} on the reader at the entrance and present your card, or scan its QR code:`, `Register my card: ${c.cardEnrollmentUrl}`],
  }),
  card_reminder: (c) => ({
    subject: 'Reminder: your access card is not registered yet',
    body: [`Hello ${c.recipientName},`, `Register my card: ${c.cardEnrollmentUrl}`],
  }),
  card_overdue: (c) => ({
    subject: `Card not registered: ${c.member.name}`,
    body: [`Hello ${c.recipientName},`, `${c.member.name} (${c.member.email}) still has not registered a card. You can register one on their behalf.`],
  }),
  access_active: (c) => ({
    subject: 'Your access is active',
    body: [`Hello ${c.recipientName},`, `Your card ${c.cardNumber} now opens the doors of ${c.site?.name ?? c.organization.name}.`, ...wifiLines(c, 'Wi-Fi', 'username', 'password')],
  }),
  removal_notice: (c) => ({
    subject: `Your access to ${c.organization.name} was removed`,
    body: [`Hello ${c.recipientName},`, `Your account, card and Wi-Fi access at ${c.organization.name} have been deactivated.`],
  }),
  password_reset: (c) => ({
    subject: `Your password reset code: ${c.resetCode}`,
    body: [`Hello ${c.recipientName},`, `To choose a new ${c.organization.name} password, enter this code: ${c.resetCode}`, `It is valid for ${c.resetCodeMinutes} minutes. If you did not ask for it, ignore this message.`],
  }),
  offboarding_report: (c) => ({
    subject: `${c.member.name} was removed: report`,
    body: [`Hello ${c.recipientName},`, `${c.member.name} (${c.member.email}) was removed.`, JSON.stringify(c.report, null, 2)],
  }),
};

function wifiLines(c: EmailContext, wifi: string, user: string, password: string): string[] {
  if (!c.wifi) return [];
  return [`${wifi}${c.wifi.ssid ? ` « ${c.wifi.ssid} »` : ''} — ${user}: ${c.wifi.username}, ${password}: ${c.wifi.password}`];
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function renderEmail(template: EmailTemplate, context: EmailContext): RenderedEmail {
  const { subject, body } = (context.locale === 'en' ? en : fr)[template](context);
  return {
    subject,
    text: `${body.join('\n\n')}\n`,
    html: `<!doctype html><html lang="${context.locale}"><body>${body.map((line) => `<p style="white-space:pre-wrap">${escapeHtml(line)}</p>`).join('')}</body></html>`,
  };
}
