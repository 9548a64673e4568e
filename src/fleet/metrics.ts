// Prometheus metrics of the fleet. Nodes, provisioning times and cost are read from the fleet's records
// in PostgreSQL when Prometheus scrapes; the provider's API errors are counted as they happen (the
// composition root hands `apiErrorCounter`'s hook to the provider), as no record keeps them all.
import type pg from "pg";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { FleetConfig } from "./config.ts";
import type { ProviderError } from "./errors.ts";
import { costsByCycle } from "./money.ts";
import { FleetStore, type NodeRow } from "./store.ts";

const nodeStates: ReadonlyArray<NodeRow["state"]> = ["creating", "ready", "stopped", "destroying", "failed"];
const roles: ReadonlyArray<NodeRow["role"]> = ["data", "compute"];

export function registerFleetMetrics(
  registry: Registry,
  pool: pg.Pool,
  config: Pick<FleetConfig, "environment" | "nodePricePerHour" | "currency">,
): void {
  const registers = [registry];
  const store = new FleetStore(pool);
  const nodes: Gauge<"role" | "state"> = new Gauge({
    name: "cloudburst_fleet_nodes",
    help: "Nodes of this environment the provider has not confirmed gone, by role and state",
    labelNames: ["role", "state"],
    registers,
    async collect() {
      const rows = await pool.query<{ role: string; state: string; n: string }>(
        `select role, state, count(*) as n from fleet_node
          where environment = $1 and gone_at is null group by role, state`,
        [config.environment],
      );
      nodes.reset();
      for (const role of roles) for (const state of nodeStates) nodes.set({ role, state }, 0);
      for (const r of rows.rows) nodes.set({ role: r.role, state: r.state }, Number(r.n));
    },
  });
  const provisioning: Histogram<"role"> = new Histogram({
    name: "cloudburst_fleet_provisioning_seconds",
    help: "Time from a node's create request to its worker (or data server) being ready, by role",
    labelNames: ["role"],
    buckets: [5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600],
    registers,
    async collect() {
      const rows = await pool.query<{ role: string; seconds: number }>(
        `select role, extract(epoch from ready_at - requested_at)::float8 as seconds from fleet_node
          where environment = $1 and ready_at is not null`,
        [config.environment],
      );
      provisioning.reset();
      for (const r of rows.rows) provisioning.observe({ role: r.role }, Math.max(0, r.seconds));
    },
  });
  const cost: Counter<"currency"> = new Counter({
    name: "cloudburst_fleet_cost_total",
    help: "What the environment's nodes have cost so far (billed from create request to confirmed gone), by currency",
    labelNames: ["currency"],
    registers,
    async collect() {
      const cycles = costsByCycle(await store.nodes(config.environment), new Date(), config);
      cost.reset();
      cost.inc({ currency: config.currency }, 0);
      for (const c of cycles) cost.inc({ currency: c.currency }, c.cost);
    },
  });
}

/** The counter of the provider's API errors, and the hook that counts one (for the provider's `onError`). */
export function apiErrorCounter(registry: Registry): (error: ProviderError) => void {
  const errors = new Counter({
    name: "cloudburst_fleet_api_errors_total",
    help: "Failed provider API requests, retried or not, by provider and HTTP status (none: no answer)",
    labelNames: ["provider", "code"],
    registers: [registry],
  });
  return (error) =>
    errors.inc({ provider: error.provider, code: error.status ? String(error.status) : "none" });
}
