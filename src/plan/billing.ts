// What a cycle costs: each node billed from the moment it was asked for until the provider confirmed it
// gone (as fleet/money.ts counts it), in the provider's billing periods; the data server for the hours
// it is up; the VLAN/IP subscriptions, which are paid monthly whatever the cycles do.
import type { BillingModel } from "./model.ts";

/**
 * Seconds billed for a life [start, end). Prorated: the seconds themselves. Period: every billing
 * period the life touches, in full; periods are the provider's (aligned on its clock), and `phase`
 * (0..1) is where the cycle falls within them.
 */
export function billedSeconds(
  start: number,
  end: number,
  billing: Pick<BillingModel, "periodSeconds" | "rounding">,
  phase: number,
): number {
  if (!(end > start)) return 0;
  if (billing.rounding === "prorated") return end - start;
  const p = billing.periodSeconds;
  const offset = phase * p;
  const periods = Math.floor((end - 1e-9 + offset) / p) - Math.floor((start + offset) / p) + 1;
  return periods * p;
}

export interface CycleBill {
  /** Node-seconds as the fleet counts them (creation to confirmed deletion). */
  nodeSeconds: number;
  compute: number;
  dataServer: number;
  subscriptions: number;
  total: number;
}

export function cycleBill(
  lives: { start: readonly number[]; end: readonly number[] },
  cpus: number,
  dataServerUntil: number,
  billing: BillingModel,
  phase: number,
): CycleBill {
  let nodeSeconds = 0;
  let billed = 0;
  for (let i = 0; i < lives.start.length; i++) {
    nodeSeconds += Math.max(0, lives.end[i]! - lives.start[i]!);
    billed += billedSeconds(lives.start[i]!, lives.end[i]!, billing, phase);
  }
  const compute = (billed / 3600) * billing.nodePricePerHour(cpus);
  const server = billing.dataServer;
  const dataServer = server
    ? (billedSeconds(-server.leadSeconds, dataServerUntil, billing, phase) / 3600) * server.pricePerHour
    : 0;
  const subscriptions = billing.subscriptionsPerCycle ?? 0;
  return { nodeSeconds, compute, dataServer, subscriptions, total: compute + dataServer + subscriptions };
}
