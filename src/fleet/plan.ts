// The desired state of one environment at one moment, from its cycles: pure, so it is easy to test.
//   data server: up from (data due − dataServerLeadSeconds) until the cycle is delivered;
//   compute: N nodes from (data due − lead time) until processing is done (+ drain).
import type { FleetConfig } from "./config.ts";

export type CycleState = "planned" | "processing" | "processed" | "delivered" | "cancelled" | "refused";

export interface Cycle {
  environment: string;
  cycle: string;
  dataAt: Date;
  computeNodes: number;
  state: CycleState;
  processedAt: Date | null;
  deliveredAt: Date | null;
  refusedReason: string | null;
}

export interface CycleWant {
  cycle: string;
  dataServer: boolean;
  compute: number;
  /** When compute nodes are wanted from (for reports). */
  computeFrom: Date;
}

export function desiredState(
  cycles: readonly Cycle[],
  now: Date,
  leadSeconds: (n: number) => number,
  config: Pick<FleetConfig, "dataServerLeadSeconds" | "drainSeconds">,
  /** Cycles that already have compute nodes: kept even if the (learned) lead time moved later. */
  started: ReadonlySet<string> = new Set(),
): CycleWant[] {
  return cycles.map((c) => {
    const computeFrom = new Date(c.dataAt.getTime() - leadSeconds(c.computeNodes) * 1000);
    const dataFrom = new Date(c.dataAt.getTime() - config.dataServerLeadSeconds * 1000);
    const live = c.state === "planned" || c.state === "processing";
    const draining =
      config.drainSeconds > 0 &&
      c.state === "processed" &&
      c.processedAt !== null &&
      now.getTime() < c.processedAt.getTime() + config.drainSeconds * 1000;
    const compute = (live && (now >= computeFrom || started.has(c.cycle))) || draining ? c.computeNodes : 0;
    const dataServer =
      c.state !== "delivered" && c.state !== "cancelled" && c.state !== "refused" && now >= dataFrom;
    return { cycle: c.cycle, dataServer, compute, computeFrom };
  });
}
