// Shared by the fleet's tests: alerts kept in memory, and a controller on the CloudSigma simulator.
import { after, before } from "node:test";
import type pg from "pg";
import { type Alert, type AlertChannel, Alerter } from "../../src/alerts/alerts.ts";
import { alertsConfigSchema } from "../../src/alerts/config.ts";
import { CloudSigmaProvider } from "../../src/fleet/cloudsigma/provider.ts";
import { type FleetConfig, fleetConfigSchema } from "../../src/fleet/config.ts";
import { FleetController, type FleetLogger } from "../../src/fleet/controller.ts";
import { FleetStore } from "../../src/fleet/store.ts";
import { type RunningSimulator, startCloudSigmaSimulator } from "../../src/sim/cloudsigma/index.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

export class MemoryChannel implements AlertChannel {
  readonly name = "memory";
  readonly alerts: Alert[] = [];
  async send(alert: Alert) {
    this.alerts.push(alert);
  }
}

/** Log lines kept in memory, with their level. */
export class MemoryLog implements FleetLogger {
  readonly lines: Array<{ level: "info" | "warn" | "error"; message: string; fields: object }> = [];
  info(fields: object, message: string) {
    this.lines.push({ level: "info", message, fields });
  }
  warn(fields: object, message: string) {
    this.lines.push({ level: "warn", message, fields });
  }
  error(fields: object, message: string) {
    this.lines.push({ level: "error", message, fields });
  }
}

/** A fleet configuration for the simulator: fast polling, few quick retries. */
export function simFleetConfig(environment: string, extra: Record<string, unknown> = {}): FleetConfig {
  const { cloudsigma, ...rest } = extra as { cloudsigma?: Record<string, unknown> };
  return fleetConfigSchema.parse({
    environment,
    provider: "cloudsigma",
    ...rest,
    cloudsigma: {
      goldenServer: "cloudburst-golden",
      pollIntervalMs: 20,
      retry: { attempts: 3, baseMs: 10, maxMs: 40 },
      ...cloudsigma,
    },
  });
}

/** A controller on the simulator's account, its alerts in memory. */
export function simController(sim: RunningSimulator, pool: pg.Pool, config: FleetConfig) {
  const provider = new CloudSigmaProvider({
    apiUrl: sim.url,
    credentials: { token: sim.credentials.token },
    config: config.cloudsigma,
  });
  const channel = new MemoryChannel();
  const log = new MemoryLog();
  const store = new FleetStore(pool);
  const controller = new FleetController({
    provider,
    store,
    config,
    alerter: new Alerter(alertsConfigSchema.parse({}), [channel], pool),
    workerAccess: () => ({ serverUrl: "http://10.0.0.1:8080", fingerprint: null }),
    log,
  });
  return { provider, store, controller, channel, log };
}

/**
 * A fresh database and a fast CloudSigma simulator without guests for the test file, started before
 * its tests and stopped after them.
 */
export function simulatorAndDatabase(): { db: TestDatabase; sim: RunningSimulator } {
  const world = {} as { db: TestDatabase; sim: RunningSimulator };
  before(async () => {
    world.db = await createTestDatabase();
    world.sim = await startCloudSigmaSimulator({ timeScale: 0.01, launchGuests: false, stateFile: null });
  });
  after(async () => {
    await world.sim?.stop();
    await world.db?.drop();
  });
  return world;
}
