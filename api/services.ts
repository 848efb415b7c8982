import type { EntityManager } from '../db/orm.ts';
import type { Config } from '../config/index.ts';
import type { Orm } from '../db/orm.ts';
import type { LifecycleGateway } from '../domain/members/lifecycle-gateway.ts';
import type { WebhookGateway } from '../domain/webhooks/gateway.ts';
import type { VisitGateway } from '../domain/visits/visit-gateway.ts';
import type { Secrets } from '../domain/secrets.ts';
import type { Logger } from '../lib/logger.ts';
import type { Metrics } from './metrics.ts';
import type { RateLimits } from '../http/rate-limit.ts';
import type { WifiProvider } from '../providers/wifi.ts';

/** What route handlers call: built once per app. */
export interface ApiServices {
  config: Config;
  orm: Orm;
  /** Every call to a workflow: a lifecycle, an import, a password reset, a company's offboarding. */
  lifecycles: LifecycleGateway;
  /** Webhook delivery's workflows: a retry, a test event. */
  webhooks: WebhookGateway;
  /** Visits' workflows: started, told of an arrival or a cancellation, a walk-in answered. */
  visits: VisitGateway;
  secrets: Secrets;
  /** Members' Wi-Fi credentials (read for the member themself). */
  wifi: WifiProvider;
  logger: Logger;
  metrics: Metrics;
  limits: RateLimits;
  /** The request's entity manager (RequestContext). */
  em(): EntityManager;
}
