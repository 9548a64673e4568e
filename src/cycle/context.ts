// What the cycle's actions and data trigger need in one process, built once by its composition root
// (src/app/) and handed to them: the cycle's settings, the database, the store, the cycle's products,
// and the services of the roles this process holds (the fleet in the control role, ingest in the data role).
import type pg from "pg";
import type { FleetService } from "../fleet/service.ts";
import type { IngestService } from "../ingest/service.ts";
import type { LocalStore } from "../store/store.ts";
import type { CycleConfig } from "./config.ts";
import type { DataRoleAddress } from "./data-role.ts";
import { LocalProductData } from "./local-data.ts";
import type { ProductData } from "./product-data.ts";
import type { CycleProductSpec } from "./products.ts";

export interface CycleContext {
  settings: CycleConfig;
  db: { pool: pg.Pool; url: string };
  store: LocalStore;
  products: CycleProductSpec[];
  /** Where product jobs read their inputs and publish their files (the data role's catalogue and store). */
  productData: ProductData;
  /** The destination's catalogue (a second PostgreSQL) that product rows are replicated to, if any. */
  destinationCatalogueUrl: string | null;
  /** The fleet, in a process holding the control role. */
  fleet: FleetService | null;
  /** Ingest, in a process holding the data role. */
  ingest: IngestService | null;
  /** Where the data role serves (as nodes are told), once known; this process's own when it holds it. */
  dataRole: () => DataRoleAddress | null;
}

/** The context of a process that holds the catalogue and the store: product data from them; no role's services unless given. */
export function cycleContext(
  parts: Pick<CycleContext, "settings" | "db" | "store" | "products"> &
    Partial<Omit<CycleContext, "productData">>,
): CycleContext {
  return {
    destinationCatalogueUrl: null,
    fleet: null,
    ingest: null,
    dataRole: () => null,
    ...parts,
    productData: new LocalProductData(parts.db, parts.store, parts.settings),
  };
}
