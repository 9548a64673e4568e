// What the cycle's actions share in one process (control server or worker): the configuration, the
// database, the store, and the cycle's products, opened once on first use.
import type { Config } from "../config/load.ts";
import { loadConfig } from "../config/load.ts";
import { type Database, openDatabase } from "../db/database.ts";
import { stepArrivals } from "../sim/ecmwf/schedule.ts";
import type { LocalStore } from "../store/store.ts";
import { storeOf } from "../store/store.ts";
import { type CycleProductSpec, cycleProducts } from "./products.ts";

export interface CycleRuntime {
  config: Config;
  db: Database;
  store: LocalStore;
  products: CycleProductSpec[];
}

/** The URL of the destination's catalogue (a second PostgreSQL), when products are to be replicated there. */
export const destinationCatalogueVariable = "CLOUDBURST_DESTINATION_DATABASE_URL";

let opening: Promise<CycleRuntime> | null = null;

/** The process's cycle runtime; `config` defaults to the one CLOUDBURST_CONFIG or ./cloudburst.yaml names. */
export function cycleRuntime(config?: Config): Promise<CycleRuntime> {
  opening ??= (async () => {
    const resolved = config ?? loadConfig();
    const db = await openDatabase(resolved, { applicationName: "cloudburst-cycle" });
    return {
      config: resolved,
      db,
      store: storeOf(resolved),
      products: cycleProducts(
        resolved,
        stepArrivals().map((a) => a.step),
      ),
    };
  })();
  return opening;
}

export async function closeCycleRuntime(): Promise<void> {
  const runtime = await opening?.catch(() => null);
  opening = null;
  await runtime?.db.close();
}

/** A cycle's base time from the suite's CB_CYCLE variable. */
export function cycleBaseTime(variables: Record<string, string>): Date {
  const text = variables["CB_CYCLE"];
  const time = text ? new Date(text) : null;
  if (!time || Number.isNaN(time.getTime()))
    throw new Error(`CB_CYCLE is "${text ?? ""}": expected the cycle's base time (ISO 8601)`);
  return time;
}

/** When the cycle's first data is expected (CB_FIRST_DATA, ISO 8601); now when the suite does not say. */
export function firstDataAt(variables: Record<string, string>): Date {
  const text = variables["CB_FIRST_DATA"];
  if (text === undefined || text === "") return new Date();
  const time = new Date(text);
  if (Number.isNaN(time.getTime()))
    throw new Error(
      `CB_FIRST_DATA is "${text}": expected the time the cycle's first data is due (ISO 8601), or no value for now`,
    );
  return time;
}

/** The key a cycle's deliveries and fleet records are filed under. */
export function cycleKey(producer: string, baseTime: Date): string {
  return `${producer}/${baseTime.toISOString().slice(0, 13).replace(/[-T:]/g, "")}`;
}
