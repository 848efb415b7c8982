// Every route of the v1 API, in the order the OpenAPI document lists them.
import type { Readiness } from './readiness.ts';
import type { Route } from './route.ts';
import { accessRoutes } from './routes/access.ts';
import { visitRoutes } from './routes/visits.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { authRoutes } from './routes/auth.ts';
import { companyRoutes } from './routes/companies.ts';
import { doorRoutes } from './routes/door.ts';
import { healthRoutes } from './routes/health.ts';
import { meRoutes } from './routes/me.ts';
import { memberRoutes } from './routes/members.ts';
import { privacyRoutes } from './routes/privacy.ts';
import { companySettingsRoutes } from './routes/company-settings.ts';
import { siteRoutes } from './routes/sites.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { signInRoutes } from './routes/sign-in.ts';
import type { ApiServices } from './services.ts';

export const API_INFO = {
  title: 'Member onboarding API',
  version: '1.0.0',
  description: 'Invite members, register their access cards, and remove them — one Temporal workflow per member.',
};

export function apiRoutes(services: ApiServices, readiness: Readiness): Route[] {
  return [
    ...healthRoutes(readiness),
    ...memberRoutes(services),
    ...privacyRoutes(services),
    ...companyRoutes(services),
    ...siteRoutes(services),
    ...accessRoutes(services),
    ...visitRoutes(services),
    ...companySettingsRoutes(services),
    ...apiKeyRoutes(services),
    ...webhookRoutes(services),
    ...authRoutes(services),
    ...signInRoutes(services),
    ...meRoutes(services),
    ...doorRoutes(services),
  ];
}

