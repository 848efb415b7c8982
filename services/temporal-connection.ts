import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { Config } from '../config/index.ts';

export interface TemporalTarget {
  connectionOptions: NativeConnectionOptions;
  namespace: string;
}

/**
 * With an external Temporal (TEMPORAL_ADDRESS, TEMPORAL_PROFILE or TEMPORAL_CONFIG_FILE), the
 * standard envconfig rules apply: TLS, API key, gRPC metadata, profiles — the same settings the
 * `temporal` CLI reads. Otherwise the dev server this project started.
 */
export function temporalTarget(config: Config, startedAddress?: string): TemporalTarget {
  if (config.temporal.external) {
    const loaded = loadClientConnectConfig({ overrideEnvVars: config.rawEnv as Record<string, string> });
    return {
      connectionOptions: loaded.connectionOptions,
      namespace: loaded.namespace ?? config.temporal.namespace,
    };
  }
  return {
    connectionOptions: { address: startedAddress ?? config.temporal.address },
    namespace: config.temporal.namespace,
  };
}
