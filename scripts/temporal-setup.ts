// npm run temporal:setup: registers the namespace (when missing) and the search attributes the
// member lifecycle writes (MemberStatus, OrganizationId) on a self-hosted Temporal server, which
// starts with neither. Idempotent. The dev server started by `npm start` gets them from its
// command line; on Temporal Cloud create the namespace and attributes in the Cloud UI or tcld.
import { Connection } from '@temporalio/client';
import { registerSearchAttributes } from '../services/search-attributes.ts';
import { ensureNamespace, NAMESPACE_RETENTION_DAYS } from '../services/temporal-namespace.ts';
import { waitForTemporal } from '../services/temporal-server.ts';
import { searchAttributeKeys } from '../contract/workflows.ts';
import { CommandError, loadConfigOrExit, runMain } from '../lib/cli.ts';
import { cliTemporalTarget } from './lib/services.ts';

const usage = "usage: npm run temporal:setup\nRegisters the namespace TEMPORAL_NAMESPACE (when missing) and the search attributes (MemberStatus, OrganizationId) on the Temporal server of TEMPORAL_ADDRESS (or this folder's running stack).";

runMain(async () => {
  const config = loadConfigOrExit();
  const target = cliTemporalTarget(config);
  const address = String(target.connectionOptions.address);
  const cloud = Boolean(target.connectionOptions.tls || target.connectionOptions.apiKey);
  if (!cloud) {
    // In docker-compose this runs while Temporal is still starting; its system namespace answers first.
    await waitForTemporal(address, 'temporal-system', 180_000);
  }
  const connection = await Connection.connect(target.connectionOptions as never);
  try {
    // Temporal Cloud namespaces are made in its UI or tcld, never by a client's API key.
    if (!cloud && (await ensureNamespace(connection, target.namespace))) {
      console.log(`registered namespace ${target.namespace} (closed lifecycles kept ${NAMESPACE_RETENTION_DAYS} days)`);
      await waitForTemporal(address, target.namespace, 60_000);
    }
    const added = await registerSearchAttributes(connection, target.namespace).catch((error: Error) => {
      throw new CommandError(`could not add search attributes ${searchAttributeKeys.map((k) => k.name).join(', ')} on ${address}: ${error.message}`);
    });
    console.log(
      added.length
        ? `registered search attributes: ${added.join(', ')} (namespace ${target.namespace})`
        : `search attributes already registered (namespace ${target.namespace})`,
    );
  } finally {
    await connection.close();
  }
}, usage);
