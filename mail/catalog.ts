// The e-mails the platform sends and what each one needs to render. Workflows import the names
// (types only); the renderer and the outbox activity import the data shapes. Dates are ISO 8601
// strings: the templates show them in `timeZone` and the recipient's language.
export const EMAIL_TEMPLATES = [
  'invitation',
  'invitation_reminder',
  'invitation_expired',
  'card_instructions',
  'card_reminder',
  'card_overdue',
  'access_active',
  'password_reset',
  'email_change_confirm',
  'email_change_notice',
  'removal_notice',
  'offboarding_report',
  'import_finished',
  'company_offboarded',
  'webhook_disabled',
  'visit_invitation',
  'visit_reminder',
  'visit_cancelled',
  'visit_declined',
  'visit_arrived',
  'visit_approval',
  'sign_up_link',
  'sign_up_request',
  'sign_up_decided',
] as const;
export type EmailTemplate = (typeof EMAIL_TEMPLATES)[number];

/** Who reads each e-mail: it picks the footer ("you were invited" / "you administer"). */
export type EmailAudience = 'member' | 'admin' | 'company_and_operator' | 'visitor' | 'host' | 'applicant';

export const EMAIL_AUDIENCE: Record<EmailTemplate, EmailAudience> = {
  invitation: 'member',
  invitation_reminder: 'member',
  invitation_expired: 'admin',
  card_instructions: 'member',
  card_reminder: 'member',
  card_overdue: 'admin',
  access_active: 'member',
  password_reset: 'member',
  email_change_confirm: 'member',
  email_change_notice: 'member',
  removal_notice: 'member',
  offboarding_report: 'admin',
  import_finished: 'admin',
  // The company's admins and the operator's: the footer says why each of them gets it.
  company_offboarded: 'company_and_operator',
  webhook_disabled: 'admin',
  // The visitor, invited by the member the e-mail is about; the host, about their visitor.
  visit_invitation: 'visitor',
  visit_reminder: 'visitor',
  visit_cancelled: 'visitor',
  visit_declined: 'visitor',
  visit_arrived: 'host',
  visit_approval: 'host',
  // "S'inscrire": the address that asked, the admins who decide, then the person again.
  sign_up_link: 'applicant',
  sign_up_request: 'admin',
  sign_up_decided: 'applicant',
};

export const EMAIL_LOCALES = ['fr', 'en'] as const;
export type EmailLocale = (typeof EMAIL_LOCALES)[number];

export interface Person {
  name: string;
  email: string;
}

/** What every e-mail has, whoever it goes to. */
export interface CommonEmailData {
  /** Who reads it: the member, or an administrator for the e-mails about a member. */
  recipient: Person;
  audience: EmailAudience;
  /** Whom it is about (the recipient themself in a member's e-mails). */
  member: Person;
  company: { name: string; brandColor: string; logoUrl: string | null };
  site: { name: string } | null;
  /** IANA time zone of the member's site: dates are shown where the member is. */
  timeZone: string;
  /** PUBLIC_URL, for the footer. */
  homeUrl: string;
}

export interface ImportProblem {
  /** As the file counts rows: in a CSV the header is row 1. */
  position: number;
  email: string;
  skipped: boolean;
  /** Why, as a code worded in the reader's language (`import_finished.reasons.<reason>`); else `message` (English). */
  reason: string | null;
  /** The reason's details: which fields, which site, which earlier row ('' when it has none). */
  params: { fields: string; site: string; row: string };
  message: string;
}

/** A visit as its e-mails tell it: where, when, who invites. Never the PIN but in the invitation. */
export interface VisitEmail {
  visitorName: string | null;
  hostName: string;
  /** YYYY-MM-DD at the site. */
  date: string;
  /** The host's hours that day at the entrance (when the PIN opens), e.g. 06:00–22:00. */
  hours: { from: string; to: string }[];
  expectedAt: string | null;
  message: string | null;
  siteName: string;
  address: string | null;
  instructions: string | null;
}

export interface TemplateData {
  invitation: { invitation: { url: string; expiresAt: string } };
  invitation_reminder: { invitation: { url: string; expiresAt: string } };
  invitation_expired: { invitation: { expiredAt: string }; memberUrl: string };
  card_instructions: { card: { pin: string; enrollmentUrl: string } };
  card_reminder: { card: { pin: string | null; enrollmentUrl: string } };
  card_overdue: { memberUrl: string };
  access_active: {
    card: { number: string } | null;
    /** No password: an e-mail is read on lock screens and kept in mailboxes; the profile shows it. */
    wifi: { ssid: string | null; username: string; profileUrl: string } | null;
  };
  password_reset: { reset: { code: string; minutes: number } };
  /** To the new address: the link that makes it the sign-in address. */
  email_change_confirm: { change: { from: string; to: string; requestedBy: string; url: string; expiresAt: string } };
  /** To the address in use: what is about to change, before it does. */
  email_change_notice: { change: { from: string; to: string; requestedBy: string; expiresAt: string } };
  removal_notice: { removal: { at: string } };
  offboarding_report: {
    report: {
      removedBy: string;
      /** Removed by the member's end date, not by a person. */
      bySchedule?: boolean;
      reason: string | null;
      statusBefore: string;
      requestedAt: string;
      completedAt: string;
      card: { number: string } | null;
      wifiRevoked: boolean;
      /** Disconnect-Messages to the site's access points; null when the site has none. */
      disconnect?: { points: number; confirmed: number; noSession: number; silent: number } | null;
      credentialsRevoked: number;
      memberNotified: boolean;
    };
    memberUrl: string;
  };
  company_offboarded: {
    offboarding: {
      name: string;
      effectiveAt: string;
      finishedAt: string;
      /** Members removed by the offboarding. */
      removed: number;
      requestedBy: string;
      /** Where the operator follows it. */
      url: string;
    };
  };
  webhook_disabled: {
    webhook: {
      url: string;
      host: string;
      reason: 'failing' | 'gone';
      /** The first failure of the run that disabled it. */
      failingSince: string;
      lastStatus: number | null;
      /** Deliveries that ended failed. */
      failed: number;
      settingsUrl: string;
    };
  };
  import_finished: {
    import: {
      total: number;
      created: number;
      skipped: number;
      failed: number;
      startedAt: string;
      finishedAt: string;
      url: string;
      /** The first rows that were not invited (skipped or failed), in file order. */
      problems: ImportProblem[];
      moreProblems: number;
    };
  };
}

export interface TemplateData {
  visit_invitation: { visit: VisitEmail & { pin: string } };
  visit_reminder: { visit: VisitEmail };
  visit_cancelled: { visit: VisitEmail };
  visit_declined: { visit: VisitEmail & { unanswered: boolean } };
  visit_arrived: { visit: VisitEmail & { arrivedAt: string } };
  visit_approval: { visit: VisitEmail & { visitorEmail: string; answerUrl: string; minutes: number } };
}

export interface TemplateData {
  /** The verification link of an address at a company's domain: it leads to name and password. */
  sign_up_link: { signUp: { url: string; expiresAt: string } };
  sign_up_request: { signUp: { expiresAt: string }; memberUrl: string };
  sign_up_decided: { signUp: { approved: boolean; expired: boolean; signInUrl: string } };
}

export type EmailData<T extends EmailTemplate> = CommonEmailData & TemplateData[T];
