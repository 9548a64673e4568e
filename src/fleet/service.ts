// Wiring shared by the CLI and the HTTP API: a controller for a configuration and a database.
import { alerterFromConfig } from "../alerts/channels.ts";
import type { AlertsConfig } from "../alerts/config.ts";
import { alertsConfigSchema } from "../alerts/config.ts";
import type { Database } from "../db/database.ts";
import type { FleetConfig } from "./config.ts";
import { type CycleDemand, FleetController, type FleetLogger } from "./controller.ts";
import type { ProviderError } from "./errors.ts";
import type { Provider } from "./provider.ts";
import { createProvider, type FleetSettings, fleetConfig } from "./registry.ts";
import { FleetStore } from "./store.ts";
import type { ControlAddress, WorkerAccess } from "./userdata.ts";
import { vlanUrl } from "./vlan.ts";

/** What the fleet service reads of a loaded configuration: the fleet's settings, alerts, the server's address. */
export interface FleetServiceSettings extends FleetSettings {
  alerts?: AlertsConfig;
  server: { host: string; port: number; publicUrl?: string | undefined };
}

export function alertsConfig(config: FleetServiceSettings): AlertsConfig {
  return config.alerts ?? alertsConfigSchema.parse(undefined);
}

/**
 * Where nodes find work, from the configuration alone (a CLI without a running server): the data
 * role's URL (fleet.workerServerUrl, server.publicUrl, or host:port) and the fingerprint of the
 * certificate in use when TLS is on, the host replaced by the data role's VLAN address when
 * fleet.vlan is set; null when the port is picked at start (0) and so unknown here.
 */
export function configuredWorkerAccess(
  config: FleetServiceSettings & { server: { tls?: { enabled: boolean } } },
  fingerprint: string | null,
): WorkerAccess | null {
  const fleet = fleetConfig(config);
  const scheme = config.server.tls?.enabled ? "https" : "http";
  const url =
    fleet.workerServerUrl ??
    config.server.publicUrl ??
    (config.server.port === 0 ? null : `${scheme}://${config.server.host}:${config.server.port}`);
  return url ? nodeAccess({ serverUrl: url, fingerprint }, fleet) : null;
}

/** What nodes are told: `access` with its URL on the private network when the fleet has one. */
export function nodeAccess(access: WorkerAccess, fleet: Pick<FleetConfig, "vlan">): WorkerAccess {
  return { ...access, serverUrl: vlanUrl(access.serverUrl, fleet.vlan) };
}

export interface ControllerWiring {
  log?: FleetLogger | undefined;
  /** The cycles' demand for compute, for autoscaling (the control role's cycles know it). */
  demand?: CycleDemand | undefined;
  /** Where nodes find work now (the data role's address once it serves); null while unknown. */
  workerAccess: () => WorkerAccess | null;
  /** Where the data server finds the control role; null when it runs what its image holds. */
  controlAccess?: (() => ControlAddress | null) | undefined;
}

/** The controller for a configuration and a database. */
export function createController(
  config: FleetServiceSettings,
  provider: Provider,
  db: Pick<Database, "pool" | "url">,
  wiring: ControllerWiring,
): FleetController {
  return new FleetController({
    provider,
    store: new FleetStore(db.pool),
    config: fleetConfig(config),
    alerter: alerterFromConfig(alertsConfig(config), db.pool),
    workerAccess: wiring.workerAccess,
    controlAccess: wiring.controlAccess,
    demand: wiring.demand,
    ...(wiring.log ? { log: wiring.log } : {}),
  });
}

export interface FleetService {
  config: FleetServiceSettings;
  provider: Provider;
  store: FleetStore;
  controller: FleetController;
  /** Where nodes find work now (what their user data says); null while the data role's address is unknown. */
  workerAccess: () => WorkerAccess | null;
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
  wiring: ControllerWiring & { log: FleetLogger; onProviderError?: (error: ProviderError) => void },
): Promise<FleetService | null> {
  const { log } = wiring;
  let provider: Provider;
  try {
    provider = createProvider(
      config,
      {},
      { env: config.env, ...(wiring.onProviderError ? { onError: wiring.onProviderError } : {}) },
    );
  } catch (error) {
    log.warn({ err: (error as Error).message }, "fleet disabled: the provider cannot be set up");
    return null;
  }
  const controller = createController(config, provider, db, wiring);
  const stopper = new AbortController();
  const loop = controller.run(stopper.signal);
  const service: FleetService = {
    config,
    provider,
    store: new FleetStore(db.pool),
    controller,
    workerAccess: wiring.workerAccess,
    async stop() {
      stopper.abort();
      await loop.catch(() => undefined);
      controller.close();
    },
  };
  return service;
}
