// Wiring shared by the CLI and the HTTP API: a controller for a configuration and a database.
import { alerterFromConfig } from "../alerts/channels.ts";
import type { AlertsConfig } from "../alerts/config.ts";
import { alertsConfigSchema } from "../alerts/config.ts";
import type { Database } from "../db/database.ts";
import { fleetEnvironmentKeys } from "./config.ts";
import { type CycleDemand, FleetController, type FleetLogger } from "./controller.ts";
import type { Provider } from "./provider.ts";
import { createProvider, type FleetSettings, fleetConfig } from "./registry.ts";
import { FleetStore } from "./store.ts";

/** What the fleet service reads of a loaded configuration: the fleet's settings, alerts, the server's address. */
export interface FleetServiceSettings extends FleetSettings {
  alerts?: AlertsConfig;
  server: { host: string; port: number; publicUrl?: string | undefined };
}

export function alertsConfig(config: FleetServiceSettings): AlertsConfig {
  return config.alerts ?? alertsConfigSchema.parse(undefined);
}

/** Where workers reach the control server: fleet.workerServerUrl, server.publicUrl, or host:port. */
export function workerServerUrl(config: FleetServiceSettings): string {
  return (
    fleetConfig(config).workerServerUrl ??
    config.server.publicUrl ??
    `http://${config.server.host}:${config.server.port}`
  );
}

/**
 * The controller for a configuration and a database. Cloud workers reach the database at
 * CLOUDBURST_WORKER_DATABASE_URL; workers on this machine get this process's own database URL, so they
 * never start an embedded cluster of their own.
 */
export function createController(
  config: FleetServiceSettings,
  provider: Provider,
  db: Pick<Database, "pool" | "url">,
  log?: FleetLogger,
  demand?: CycleDemand,
): FleetController {
  const workerDatabaseUrl =
    config.env[fleetEnvironmentKeys.workerDatabaseUrl]?.trim() ||
    (provider.capabilities.sameMachine ? db.url : undefined);
  return new FleetController({
    provider,
    store: new FleetStore(db.pool),
    config: fleetConfig(config),
    alerter: alerterFromConfig(alertsConfig(config), db.pool),
    workerServerUrl: workerServerUrl(config),
    workerDatabaseUrl,
    demand,
    ...(log ? { log } : {}),
  });
}

export interface FleetService {
  config: FleetServiceSettings;
  provider: Provider;
  store: FleetStore;
  controller: FleetController;
  stop(): Promise<void>;
}

/**
 * Starts the fleet in the control server: the provider, and the reconcile loop every
 * fleet.reconcileIntervalSeconds. A provider that cannot be set up (no credentials) is logged and the
 * server runs without a fleet.
 */
export async function startFleet(
  config: FleetServiceSettings,
  db: Database,
  log: FleetLogger,
  /** The cycles' demand for compute, for autoscaling (the control server's cycles know it). */
  demand?: CycleDemand,
): Promise<FleetService | null> {
  let provider: Provider;
  try {
    provider = createProvider(config, {}, { env: config.env });
  } catch (error) {
    log.warn({ err: (error as Error).message }, "fleet disabled: the provider cannot be set up");
    return null;
  }
  const controller = createController(config, provider, db, log, demand);
  const stopper = new AbortController();
  const loop = controller.run(stopper.signal);
  const service: FleetService = {
    config,
    provider,
    store: new FleetStore(db.pool),
    controller,
    async stop() {
      stopper.abort();
      await loop.catch(() => undefined);
      controller.close();
    },
  };
  return service;
}
