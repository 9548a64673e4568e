// What the HTTP API's feature plugins are given by the process's composition root (src/app/): the
// database, and the services of the roles this process holds. A route whose service is absent here
// answers 503 and says which role serves it.
import type pg from "pg";
import type { DataRoleSettings } from "../config/handover.ts";
import type { ProductData } from "../cycle/product-data.ts";
import type { CycleProductSpec } from "../cycle/products.ts";
import type { FleetService } from "../fleet/service.ts";
import type { DataTriggerSource } from "../flow/engine/data-trigger.ts";
import type { IngestService } from "../ingest/service.ts";
import type { PlannerSettings } from "../plan/evidence.ts";
import type { LocalStore } from "../store/store.ts";
import type { WorkerBackend } from "../worker/backend.ts";
import { HttpError } from "./errors.ts";

export interface ApiServices {
  pool: pg.Pool;
  /** The store, in a process holding the data role. */
  store: LocalStore | null;
  /** Ingest, in a process holding the data role. */
  ingest: IngestService | null;
  /** The fleet, in a process holding the control role. */
  fleet: FleetService | null;
  /** The queue and flow state as compute nodes reach them (the worker protocol), in the data role. */
  workerBackend: WorkerBackend | null;
  /** The cycle's products and their data, for compute nodes, in the data role. */
  cycle: { products: CycleProductSpec[]; productData: ProductData } | null;
  /** What the capacity planner reads of the server's configuration (GET /api/plan). */
  planner: PlannerSettings | null;
  /** The release this server runs: a node of another release is refused work. */
  version: string;
  /** The release bundle of that version, served to nodes that run an older one; null when absent. */
  releaseBundle: string | null;
  /** Where `why` asks about tasks waiting for data. */
  dataSources: readonly DataTriggerSource[];
  /** What the data server is handed at its boot, in the control role when the data role runs apart. */
  dataRoleSettings: (() => DataRoleSettings) | null;
}

/** The service, or a 503 that says which role serves it. */
export function required<T>(service: T | null, what: string, role: "control" | "data"): T {
  if (!service)
    throw new HttpError(
      503,
      "unavailable",
      `${what} is not running in this server: it is part of the ${role} role (see the server log and --roles)`,
    );
  return service;
}
