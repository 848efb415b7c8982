// npm run temporal:setup: registers the search attributes the member lifecycle writes
// (MemberStatus, OrganizationId) on a self-hosted Temporal. Idempotent. The dev server started by
// `npm start` gets them from its command line; on Temporal Cloud add them in the Cloud UI or tcld.
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { temporalTarget } from '../services/temporal-connection.ts';
import { waitForTemporal } from '../services/temporal-server.ts';
import { searchAttributeKeys } from '../workflows/search-attributes.ts';
import { CommandError, loadConfigOrExit, runMain } from './lib/cli.ts';

const { IndexedValueType } = proto.temporal.api.enums.v1;

runMain(async () => {
  const config = loadConfigOrExit();
  const target = temporalTarget(config);
  const address = String(target.connectionOptions.address);
  if (!target.connectionOptions.tls && !target.connectionOptions.apiKey) {
    // In docker-compose this runs while Temporal is still starting.
    await waitForTemporal(address, target.namespace, 180_000);
  }
  const connection = await Connection.connect(target.connectionOptions as never);
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace: target.namespace });
    const missing = searchAttributeKeys.filter((key) => !(key.name in existing.customAttributes));
    if (missing.length > 0) {
      await connection.operatorService
        .addSearchAttributes({
          namespace: target.namespace,
          searchAttributes: Object.fromEntries(missing.map((key) => [key.name, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
        })
        .catch((error: Error) => {
          throw new CommandError(`could not add search attributes ${missing.map((k) => k.name).join(', ')} on ${address}: ${error.message}`);
        });
    }
    console.log(
      missing.length
        ? `registered search attributes: ${missing.map((k) => k.name).join(', ')} (namespace ${target.namespace})`
        : `search attributes already registered (namespace ${target.namespace})`,
    );
  } finally {
    await connection.close();
  }
});
