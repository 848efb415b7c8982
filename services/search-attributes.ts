// Registers the search attributes the member lifecycle writes (MemberStatus, OrganizationId) on a
// Temporal server that does not know them yet. Idempotent.
import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { searchAttributeKeys } from '../contract/workflows.ts';

const { IndexedValueType } = proto.temporal.api.enums.v1;

/** Returns the names it had to add. */
export async function registerSearchAttributes(connection: Connection, namespace: string, options: { assumeMissing?: boolean } = {}): Promise<string[]> {
  // A namespace registered a moment ago reaches the operator service's cache some seconds after
  // the frontend's (a self-hosted server answers NOT_FOUND meanwhile).
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await addMissing(connection, namespace, options);
    } catch (error) {
      if ((error as { code?: number }).code !== 5 || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function addMissing(connection: Connection, namespace: string, options: { assumeMissing?: boolean }): Promise<string[]> {
  // The time-skipping test server cannot list them, but can add them.
  const existing = options.assumeMissing ? { customAttributes: {} } : await connection.operatorService.listSearchAttributes({ namespace });
  const missing = searchAttributeKeys.filter((key) => !(key.name in existing.customAttributes));
  if (missing.length > 0) {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
    });
  }
  return missing.map((key) => key.name);
}
