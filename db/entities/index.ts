export * from './organization.entity.ts';
export * from './site.entity.ts';
export * from './door-controller.entity.ts';
export * from './card.entity.ts';
export * from './member.entity.ts';
export * from './api-key.entity.ts';
export * from './audit-event.entity.ts';
export * from './email-outbox.entity.ts';
export * from './auth-token.entity.ts';
export * from './wifi-credential.entity.ts';

import { ApiKeySchema } from './api-key.entity.ts';
import { AuthTokenSchema } from './auth-token.entity.ts';
import { AuditEventSchema } from './audit-event.entity.ts';
import { CardSchema } from './card.entity.ts';
import { DoorControllerSchema } from './door-controller.entity.ts';
import { EmailOutboxSchema } from './email-outbox.entity.ts';
import { MemberSchema } from './member.entity.ts';
import { OrganizationSchema } from './organization.entity.ts';
import { SiteSchema } from './site.entity.ts';
import { WifiCredentialSchema } from './wifi-credential.entity.ts';

export const entities = [
  OrganizationSchema,
  SiteSchema,
  DoorControllerSchema,
  CardSchema,
  MemberSchema,
  ApiKeySchema,
  AuditEventSchema,
  EmailOutboxSchema,
  AuthTokenSchema,
  WifiCredentialSchema,
];
