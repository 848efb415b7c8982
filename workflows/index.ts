// The worker's workflow bundle: every workflow type the task queue serves.
export { diagnosticsWorkflow } from './diagnostics.ts';
export { memberLifecycle } from './member-lifecycle/workflow.ts';
export { accountEmail, emailChange, passwordReset, signUp } from './account-email.ts';
export { memberImport } from './member-import.ts';
export { companyOffboarding } from './company-offboarding.ts';
export { webhookRelay, webhookStream, webhookTestDelivery } from './webhooks.ts';
export { purgeExpiredData } from './retention.ts';
export { visit } from './visit.ts';
