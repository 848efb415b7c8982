// Every side effect of a workflow lives here. Built once per worker with its dependencies, so the
// activities hold no global state and tests can pass their own.
import { sql } from 'kysely';
import type { Orm } from '../db/orm.ts';
import type { Secrets } from '../domain/secrets.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { EmailRenderer } from '../mail/render.ts';
import type { CardAccessProvider } from '../providers/access.ts';
import type { WifiProvider } from '../providers/wifi.ts';
import { issuePasswordResetCodes, type IssuedResetCode } from '../domain/auth/password-reset.ts';
import { routeSignUp, type SignUpRoute } from '../domain/sign-in/sign-up.ts';
import { failDataErrorsAtOnce } from './data-errors.ts';
import { readFormerNames } from './former-names.ts';
import { createEmailActivities } from './email.ts';
import { createImportActivities } from './member-import.ts';
import { createCompanyOffboardingActivities } from './company-offboarding.ts';
import type { LifecycleGateway } from '../domain/members/lifecycle-gateway.ts';
import { createLifecycleActivities } from './member-lifecycle.ts';
import { createWebhookActivities } from './webhooks.ts';
import { createRetentionActivities } from './retention.ts';
import { createVisitActivities } from './visits.ts';
import type { WebhookGateway } from '../domain/webhooks/gateway.ts';
import type { VisitGateway } from '../domain/visits/visit-gateway.ts';

export interface ActivityDeps {
  orm: Orm;
  mailer: Mailer;
  renderer: EmailRenderer;
  /** How long SMTP errors are retried before an e-mail is marked failed (SMTP_RETRY_FOR). */
  mailRetryForMs: number;
  access: CardAccessProvider;
  wifi: WifiProvider;
  secrets: Secrets;
  publicUrl: string;
  /** Bulk imports start lifecycles and a company's offboarding removes members: from activities. */
  lifecycles: LifecycleGateway;
  /** Deliveries: the address guard (WEBHOOK_ALLOW_PRIVATE) and the relay's way to wake streams. */
  webhooks: { allowPrivate: boolean; gateway: WebhookGateway };
  /** A removed host's visits are cancelled: their workflows are told. */
  visits: VisitGateway;
}

export function createActivities(deps: ActivityDeps) {
  const { orm } = deps;
  return readFormerNames(failDataErrorsAtOnce({
    /** Proves a worker reaches the database; answers the database server's clock. */
    async checkDatabase(): Promise<string> {
      const { rows } = await sql<{ now: Date }>`select now() as now`.execute(orm.em.fork().getKysely());
      return new Date(rows[0]!.now).toISOString();
    },
    /** The `passwordReset` workflow's step: a code per live account under the address (maybe none). */
    async issuePasswordResetCodes(input: { email: string }): Promise<IssuedResetCode[]> {
      return issuePasswordResetCodes(orm.em.fork(), input.email);
    },
    /** The `signUp` workflow's step: what an address entered on "S'inscrire" gets. */
    async routeSignUp(input: { email: string; locale: 'fr' | 'en' }): Promise<SignUpRoute> {
      return routeSignUp({ em: orm.em.fork(), lifecycles: deps.lifecycles }, input);
    },
    ...createLifecycleActivities(deps),
    ...createEmailActivities(deps),
    ...createImportActivities(deps),
    ...createCompanyOffboardingActivities(deps),
    ...createWebhookActivities(deps),
    ...createRetentionActivities(deps),
    ...createVisitActivities(deps),
  }));
}

export type Activities = ReturnType<typeof createActivities>;
