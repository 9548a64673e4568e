// One cycle's story on one time axis, for the UI's chart: data arrivals, compute node lifetimes, job
// runs and deliveries, each with its forecast step where it has one (so operators can tell which
// step's file, job or delivery a bar is). Composed from each subsystem's own queries.
import type pg from "pg";
import { fileArrivalsSince } from "../catalogue/query.ts";
import { cycleDeliveries, latestDeliveredCycle } from "../delivery/ledger.ts";
import type { NodeRow } from "../fleet/store.ts";
import { taskRunsSince } from "../flow/engine/queries.ts";
import { stepOfPath } from "./names.ts";

export interface Interval {
  label: string;
  start: string;
  end: string | null;
  state?: string;
  /** Forecast step in hours, when the item belongs to one. */
  step?: number | null;
}

export interface CycleTimeline {
  cycle: string | null;
  arrivals: Interval[];
  nodes: Interval[];
  jobs: Interval[];
  deliveries: Interval[];
}

/** How far before the cycle's first delivery or node its arrivals and jobs are looked for. */
const leadInMs = 30 * 60_000;

const iso = (d: Date | null) => d?.toISOString() ?? null;

/**
 * The timeline of `cycle` (a cycle key; default: the latest with deliveries). `nodes` lists the fleet's
 * nodes of a cycle, when this process runs a fleet.
 */
export async function cycleTimeline(
  pool: pg.Pool,
  cycle: string | null,
  nodes: (cycle: string) => Promise<NodeRow[]>,
): Promise<CycleTimeline> {
  const key = cycle ?? (await latestDeliveredCycle(pool));
  const deliveries = key ? await cycleDeliveries(pool, key) : [];
  const fleetNodes = key ? (await nodes(key)).slice(0, 200) : [];
  const first =
    deliveries[0]?.queuedAt ??
    fleetNodes.map((n) => n.requestedAt).sort((a, b) => a.getTime() - b.getTime())[0] ??
    new Date(Date.now() - 3_600_000);
  const since = new Date(first.getTime() - leadInMs);
  return {
    cycle: key,
    arrivals: (await fileArrivalsSince(pool, since)).map((f) => ({
      label: f.name,
      start: iso(f.receivedAt)!,
      end: iso(f.registeredAt),
      step: f.step,
    })),
    nodes: fleetNodes.map((n) => ({
      label: `${n.name} (${n.state})`,
      start: iso(n.requestedAt)!,
      end: iso(n.goneAt),
      state: n.state,
    })),
    jobs: (await taskRunsSince(pool, since)).map((r) => ({
      label: r.path,
      start: iso(r.start)!,
      end: iso(r.end),
      state: r.state,
      step: stepOfPath(r.path),
    })),
    deliveries: deliveries.map((d) => ({
      label: d.name,
      start: iso(d.queuedAt)!,
      end: iso(d.deliveredAt),
      state: d.state,
      step: d.step,
    })),
  };
}
