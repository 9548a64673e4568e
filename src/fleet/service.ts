// Wiring shared by the CLI and the HTTP API: a controller for a configuration and a database.
import type pg from "pg";
import { alerterFromConfig } from "../alerts/channels.ts";
import type { AlertsConfig } from "../alerts/config.ts";
import { alertsConfigSchema } from "../alerts/config.ts";
import type { Config } from "../config/load.ts";
import { FleetController } from "./controller.ts";
import type { Provider } from "./provider.ts";
import { fleetConfig } from "./registry.ts";
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

export function createController(
  config: Config,
  provider: Provider,
  pool: pg.Pool,
  log?: (message: string, fields?: Record<string, unknown>) => void,
): FleetController {
  return new FleetController({
    provider,
    store: new FleetStore(pool),
    config: fleetConfig(config),
    alerter: alerterFromConfig(alertsConfig(config), pool),
    workerServerUrl: workerServerUrl(config),
    ...(log ? { log } : {}),
  });
}
