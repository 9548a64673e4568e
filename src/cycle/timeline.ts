// One cycle's story on one time axis, for the UI's chart: data arrivals, compute node lifetimes, job
// runs and deliveries, each with its forecast step where it has one (so operators can tell which
// step's file, job or delivery a bar is). Composed from each subsystem's own queries.
import type pg from "pg";
import { fileArrivalsSince } from "../catalogue/query.ts";
import { cycleDeliveries, deliveredCycles, latestDeliveredCycle } from "../delivery/ledger.ts";
import type { NodeRow } from "../fleet/store.ts";
import { taskRunsSince } from "../flow/engine/queries.ts";
import { stepOfPath } from "./names.ts";

/** What a bar leads to in the UI: the task (its path), the node (its name), the file (its name). */
export interface Target {
  kind: "task" | "node" | "file" | "product";
  name: string;
}

export interface Interval {
  label: string;
  target: Target;
  start: string;
  end: string | null;
  state?: string;
  /** Forecast step in hours, when the item belongs to one. */
  step?: number | null;
}

export interface CycleTimeline {
  cycle: string | null;
  /** The window looked at: from before the cycle's first delivery or node, to after its last. */
  from: string;
  until: string | null;
  arrivals: Interval[];
  nodes: Interval[];
  jobs: Interval[];
  deliveries: Interval[];
}

/** How far before the cycle's first delivery or node its arrivals and jobs are looked for. */
const leadInMs = 30 * 60_000;
/** How far after the cycle's last delivery or node: its last reports and node destroys. */
const leadOutMs = 60_000;

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
  // A cycle that is over ends where its last delivery or node does: a later cycle's stream is not its.
  const ends = [...deliveries.map((d) => d.deliveredAt), ...fleetNodes.map((n) => n.goneAt)];
  const until =
    ends.length > 0 && ends.every((e) => e !== null)
      ? new Date(Math.max(...ends.map((e) => e!.getTime())) + leadOutMs)
      : null;
  const within = (at: Date) => until === null || at <= until;
  return {
    cycle: key,
    from: since.toISOString(),
    until: iso(until),
    arrivals: (await fileArrivalsSince(pool, since))
      .filter((f) => within(f.receivedAt))
      .map((f) => ({
        label: f.name,
        target: { kind: "file", name: f.name },
        start: iso(f.receivedAt)!,
        end: iso(f.registeredAt),
        step: f.step,
      })),
    nodes: fleetNodes.map((n) => ({
      label: `${n.name} (${n.state})`,
      target: { kind: "node", name: n.name },
      start: iso(n.requestedAt)!,
      end: iso(n.goneAt),
      state: n.state,
    })),
    jobs: (await taskRunsSince(pool, since))
      .filter((r) => within(r.start))
      .map((r) => ({
        label: r.path,
        target: { kind: "task", name: r.path },
        start: iso(r.start)!,
        end: iso(r.end),
        state: r.state,
        step: stepOfPath(r.path),
      })),
    deliveries: deliveries.map((d) => ({
      label: d.name,
      target: { kind: "product", name: d.name },
      start: iso(d.queuedAt)!,
      end: iso(d.deliveredAt),
      state: d.state,
      step: d.step,
    })),
  };
}

/** The cycles a timeline can be drawn for (those with deliveries), the latest first. */
export async function timelineCycles(
  pool: pg.Pool,
  limit = 50,
): Promise<Array<{ cycle: string; at: string }>> {
  return (await deliveredCycles(pool, limit)).map((c) => ({ cycle: c.cycle, at: c.at.toISOString() }));
}
