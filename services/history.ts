// Workflow histories as JSON files: exported from a server, replayed by the tests so that a change
// to the workflow code that would break running members fails CI instead of production.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';

/** Writes one run's history (the latest run when runId is omitted); returns the file written. */
export async function exportHistory(client: Client, options: { workflowId: string; runId?: string; file: string }): Promise<string> {
  const history = await client.workflow.getHandle(options.workflowId, options.runId).fetchHistory();
  await fs.mkdir(path.dirname(options.file), { recursive: true });
  await fs.writeFile(options.file, `${historyToJSON(history)}\n`);
  return options.file;
}
