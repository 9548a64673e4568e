// Wiring shared by the CLI and the HTTP API: a controller for a configuration and a database.
import { alerterFromConfig } from "../alerts/channels.ts";
import type { AlertsConfig } from "../alerts/config.ts";
import { alertsConfigSchema } from "../alerts/config.ts";
import type { Config } from "../config/load.ts";
import type { Database } from "../db/database.ts";
import { fleetEnvironmentKeys } from "./config.ts";
import { type CycleDemand, FleetController, type FleetLogger } from "./controller.ts";
import type { Provider } from "./provider.ts";
import { createProvider, fleetConfig } from "./registry.ts";
import { FleetStore } from "./store.ts";

export function alertsConfig(config: Config): AlertsConfig {
  return (config as Config & { alerts?: AlertsConfig }).alerts ?? alertsConfigSchema.parse(undefined);
}

/** Where workers reach the control server: fleet.workerServerUrl, server.publicUrl, or host:port. */
export function workerServerUrl(config: Config): string {
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
  config: Config,
  provider: Provider,
  db: Pick<Database, "pool" | "url">,
  log?: FleetLogger,
  demand?: CycleDemand,
): FleetController {
  const workerDatabaseUrl =
    process.env[fleetEnvironmentKeys.workerDatabaseUrl]?.trim() ||
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
  config: Config;
  provider: Provider;
  store: FleetStore;
  controller: FleetController;
  stop(): Promise<void>;
}

let current: FleetService | null = null;

/** The fleet service of this process (the control server's), for the HTTP routes. */
export function currentFleet(): FleetService | null {
  return current;
}

/**
 * Starts the fleet in the control server: the provider, and the reconcile loop every
 * fleet.reconcileIntervalSeconds. A provider that cannot be set up (no credentials) is logged and the
 * server runs without a fleet.
 */
export async function startFleet(
  config: Config,
  db: Database,
  log: FleetLogger,
  /** The cycles' demand for compute, for autoscaling (the control server's cycles know it). */
  demand?: CycleDemand,
): Promise<FleetService | null> {
  let provider: Provider;
  try {
    provider = createProvider(config);
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
      if (current === service) current = null;
    },
  };
  current = service;
  return service;
}
