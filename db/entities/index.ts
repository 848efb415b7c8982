export * from './operator.entity.ts';
export * from './company.entity.ts';
export * from './company-site.entity.ts';
export * from './company-offboarding.entity.ts';
export * from './site.entity.ts';
export * from './door-controller.entity.ts';
export * from './card.entity.ts';
export * from './member.entity.ts';
export * from './api-key.entity.ts';
export * from './audit-event.entity.ts';
export * from './email-outbox.entity.ts';
export * from './auth-token.entity.ts';
export * from './wifi-credential.entity.ts';
export * from './idempotency-record.entity.ts';
export * from './member-import.entity.ts';
export * from './door-event.entity.ts';
export * from './scim-group.entity.ts';
export * from './radius-client.entity.ts';
export * from './webhook.entity.ts';
export * from './zone.entity.ts';
export * from './entry-event.entity.ts';
export * from './visit.entity.ts';
export * from './audit-chain-head.entity.ts';
export * from './sign-in.entity.ts';

import { ApiKeySchema } from './api-key.entity.ts';
import { AuthTokenSchema } from './auth-token.entity.ts';
import { AuditEventSchema } from './audit-event.entity.ts';
import { AuditChainHeadSchema } from './audit-chain-head.entity.ts';
import { CardSchema } from './card.entity.ts';
import { DoorControllerSchema } from './door-controller.entity.ts';
import { EmailOutboxSchema } from './email-outbox.entity.ts';
import { MemberSchema } from './member.entity.ts';
import { CompanySchema } from './company.entity.ts';
import { OperatorSchema } from './operator.entity.ts';
import { CompanySiteSchema } from './company-site.entity.ts';
import { CompanyOffboardingSchema } from './company-offboarding.entity.ts';
import { SiteSchema } from './site.entity.ts';
import { WifiCredentialSchema } from './wifi-credential.entity.ts';
import { IdempotencyRecordSchema } from './idempotency-record.entity.ts';
import { MemberImportRowSchema, MemberImportSchema } from './member-import.entity.ts';
import { ScimGroupMemberSchema, ScimGroupSchema } from './scim-group.entity.ts';
import { RadiusClientSchema } from './radius-client.entity.ts';
import { WebhookDeliverySchema, WebhookEndpointSchema, WebhookEventSchema } from './webhook.entity.ts';
import { ZoneGrantSchema, ZoneSchema } from './zone.entity.ts';
import { EntryEventSchema } from './entry-event.entity.ts';
import { ReceptionKioskSchema, VisitSchema } from './visit.entity.ts';
import { CompanyDomainSchema, PasskeySchema, SignInChallengeSchema, SignUpRequestSchema } from './sign-in.entity.ts';
import { DoorPendingPinSchema, DoorPinAttemptSchema, DoorSignatureSchema } from './door-event.entity.ts';

export const entities = [
  OperatorSchema,
  CompanySchema,
  CompanySiteSchema,
  CompanyOffboardingSchema,
  SiteSchema,
  DoorControllerSchema,
  CardSchema,
  MemberSchema,
  ApiKeySchema,
  AuditEventSchema,
  AuditChainHeadSchema,
  EmailOutboxSchema,
  AuthTokenSchema,
  WifiCredentialSchema,
  IdempotencyRecordSchema,
  MemberImportSchema,
  MemberImportRowSchema,
  DoorSignatureSchema,
  DoorPendingPinSchema,
  DoorPinAttemptSchema,
  ScimGroupSchema,
  ScimGroupMemberSchema,
  RadiusClientSchema,
  WebhookEndpointSchema,
  WebhookEventSchema,
  WebhookDeliverySchema,
  ZoneSchema,
  ZoneGrantSchema,
  EntryEventSchema,
  VisitSchema,
  ReceptionKioskSchema,
  CompanyDomainSchema,
  SignUpRequestSchema,
  PasskeySchema,
  SignInChallengeSchema,
];
