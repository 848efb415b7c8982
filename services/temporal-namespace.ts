// The namespace the lifecycles run in, on a self-hosted Temporal server, which (unlike the dev
// server) starts with none. Idempotent: `npm run temporal:setup` and `npm run cluster` both call it.
import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';

// gRPC status codes (the client's errors carry them as `code`).
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;

/**
 * How long Temporal keeps a closed lifecycle's history. The member's own record (the audit log)
 * is in PostgreSQL and kept for good; this is for engineers looking at a recent offboarding.
 */
export const NAMESPACE_RETENTION_DAYS = 30;

/** Registers `namespace` when it does not exist; answers whether it had to. */
export async function ensureNamespace(connection: Connection, namespace: string): Promise<boolean> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return false;
  } catch (error) {
    if ((error as { code?: number }).code !== NOT_FOUND) throw error;
  }
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs(`${NAMESPACE_RETENTION_DAYS} days`),
      description: 'Member lifecycles (member-onboarding)',
    });
    return true;
  } catch (error) {
    // Another process (a second `temporal:setup`) registered it in between.
    if ((error as { code?: number }).code === ALREADY_EXISTS) return false;
    throw error;
  }
}
