// Realistic data for every e-mail: `npm run emails:preview`, the render tests and the render
// benchmark all use it, so what a person checks in a browser is what the tests check.
import { EMAIL_AUDIENCE, type CommonEmailData, type EmailData, type EmailTemplate, type TemplateData } from './catalog.ts';

export function sampleEmailData<T extends EmailTemplate>(
  template: T,
  options: { publicUrl?: string; common?: Partial<CommonEmailData> } = {},
): EmailData<T> {
  const base = (options.publicUrl ?? 'https://onboarding.example.org').replace(/\/$/, '');
  const member = { name: 'Camille Durand', email: 'camille.durand@example.org' };
  const admin = { name: 'Ada Martin', email: 'ada.martin@example.org' };
  const visitor = { name: 'Jules Petit', email: 'jules.petit@example.net' };
  const audience = EMAIL_AUDIENCE[template];
  const toAdmin = audience !== 'member' && audience !== 'host' && audience !== 'visitor' && audience !== 'applicant';
  const common: CommonEmailData = {
    recipient: audience === 'visitor' ? visitor : toAdmin ? admin : member,
    audience: EMAIL_AUDIENCE[template],
    member: template === 'import_finished' || template === 'company_offboarded' || template === 'webhook_disabled' ? admin : member,
    company: { name: 'Atelier Lumière', brandColor: '#0f766e', logoUrl: null },
    site: { name: 'Lyon Part-Dieu' },
    timeZone: 'Europe/Paris',
    homeUrl: base,
    ...options.common,
  };
  const memberUrl = `${base}/admin/members/0b9e1c4e-5f7a-4f43-9d2a-3c1f2b6e8a10`;
  const visit = {
    visitorName: visitor.name, hostName: member.name, date: '2026-12-09', hours: [{ from: '06:00', to: '22:00' }], expectedAt: '14:30',
    message: 'Au plaisir de vous voir ! Demandez-moi à l’accueil du 3e étage.', siteName: 'Lyon Part-Dieu', address: '129 rue Servient, 69003 Lyon',
    instructions: 'Entrez par la porte principale, rue Servient. Tapez votre code sur le clavier à droite de la porte, puis présentez-vous à l’accueil.',
  };
  const specific: TemplateData = {
    visit_invitation: { visit: { ...visit, pin: '#582013' } },
    visit_reminder: { visit },
    visit_cancelled: { visit },
    visit_declined: { visit: { ...visit, unanswered: false } },
    visit_arrived: { visit: { ...visit, arrivedAt: '2026-12-09T13:27:00.000Z' } },
    visit_approval: { visit: { ...visit, visitorEmail: visitor.email, answerUrl: `${base}/visits/answer/eyJ0IjoiMSJ9.c2lnbmF0dXJl`, minutes: 15 } },
    sign_up_link: { signUp: { url: `${base}/sign-up/eyJ0IjoiMSJ9.c2lnbmF0dXJl`, expiresAt: '2026-12-02T17:00:00.000Z' } },
    sign_up_request: { signUp: { expiresAt: '2026-12-15T17:00:00.000Z' }, memberUrl },
    sign_up_decided: { signUp: { approved: true, expired: false, signInUrl: `${base}/login` } },
    invitation: { invitation: { url: `${base}/invitations/eyJ0IjoiMSJ9.c2lnbmF0dXJl`, expiresAt: '2026-12-01T17:00:00.000Z' } },
    invitation_reminder: { invitation: { url: `${base}/invitations/eyJ0IjoiMSJ9.c2lnbmF0dXJl`, expiresAt: '2026-12-01T17:00:00.000Z' } },
    invitation_expired: { invitation: { expiredAt: '2026-12-01T17:00:00.000Z' }, memberUrl },
    card_instructions: { card: { pin: '*4829', enrollmentUrl: `${base}/card` } },
    card_reminder: { card: { pin: '*4829', enrollmentUrl: `${base}/card` } },
    card_overdue: { memberUrl },
    access_active: { card: { number: '04A1B2C3' }, wifi: { ssid: 'Atelier-Membres', username: 'camille.durand', profileUrl: `${base}/me` } },
    password_reset: { reset: { code: '305718', minutes: 15 } },
    email_change_confirm: { change: { from: 'camille.durand@atelier-lumiere.fr', to: 'camille@durand.example', requestedBy: 'Ada Martin', url: `${base}/email-changes/eyJ0IjoiMSJ9.c2lnbmF0dXJl`, expiresAt: '2026-12-03T17:00:00.000Z' } },
    email_change_notice: { change: { from: 'camille.durand@atelier-lumiere.fr', to: 'camille@durand.example', requestedBy: 'Ada Martin', expiresAt: '2026-12-03T17:00:00.000Z' } },
    removal_notice: { removal: { at: '2027-03-31T16:30:00.000Z' } },
    offboarding_report: {
      report: {
        removedBy: 'Ada Martin',
        reason: 'Fin de contrat',
        statusBefore: 'active',
        requestedAt: '2027-03-31T16:30:00.000Z',
        completedAt: '2027-03-31T16:30:04.000Z',
        card: { number: '04A1B2C3' },
        wifiRevoked: true,
        disconnect: { points: 2, confirmed: 1, noSession: 1, silent: 0 },
        credentialsRevoked: 2,
        memberNotified: true,
      },
      memberUrl,
    },
    company_offboarded: {
      offboarding: {
        name: 'Atelier Lumière',
        effectiveAt: '2027-03-31T16:00:00.000Z',
        finishedAt: '2027-03-31T16:01:12.000Z',
        removed: 48,
        requestedBy: 'Louise Bernard',
        url: `${base}/operator/companies/5a3c9e2b-1f4d-4b8a-9c7e-6d2f1a0b3c4d`,
      },
    },
    webhook_disabled: {
      webhook: {
        url: 'https://hr.atelier-lumiere.example/hooks/onboarding',
        host: 'hr.atelier-lumiere.example',
        reason: 'failing',
        failingSince: '2026-11-18T09:12:00.000Z',
        lastStatus: 502,
        failed: 14,
        settingsUrl: `${base}/admin/webhooks/3f6d2a10-8c1b-4e7a-9d55-0a4b2c6e8f31`,
      },
    },
    import_finished: {
      import: {
        total: 42,
        created: 39,
        skipped: 2,
        failed: 1,
        startedAt: '2026-11-23T08:15:00.000Z',
        finishedAt: '2026-11-23T08:16:10.000Z',
        url: `${base}/admin/imports/7c0c2b1e-9a51-4d0e-8f3c-2e4b6a1d9f00`,
        problems: [
          { position: 7, email: 'jean.morel@example.org', skipped: true, reason: 'already_member', params: { fields: '', site: '', row: '' }, message: 'already a member (active)' },
          { position: 12, email: 'lea.petit@example.org', skipped: true, reason: 'removed_earlier', params: { fields: '', site: '', row: '' }, message: 'removed earlier' },
          { position: 31, email: 'not-an-address', skipped: false, reason: 'invalid_field', params: { fields: 'email', site: '', row: '' }, message: 'email: Invalid email address' },
        ],
        moreProblems: 0,
      },
    },
  };
  return { ...common, ...specific[template] } as EmailData<T>;
}
