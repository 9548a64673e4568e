// Costs and funds: node-seconds and prices per cycle, and the balance check before a burst.
import type { FleetConfig } from "./config.ts";
import type { Provider } from "./provider.ts";
import type { FleetStore, NodeRow } from "./store.ts";

export interface CycleCost {
  cycle: string;
  nodes: number;
  nodeSeconds: number;
  cost: number;
  currency: string;
  /** Nodes still billing (the provider named them, and has not confirmed them gone). */
  live: number;
  /**
   * Requests no provider has named a node for yet (their answer was lost: the next reconcile pass
   * adopts the node made for them, or gives them up). Counted as nothing until then.
   */
  pending: number;
}

/**
 * Seconds a node was billed: from the create request until the provider confirmed it gone. A request
 * without a provider id bills nothing: no node is known to exist for it (if the next pass finds one,
 * it is billed from the request on).
 */
export function billedSeconds(node: NodeRow, now: Date): number {
  if (node.providerId === null) return 0;
  const end = node.goneAt ?? now;
  return Math.max(0, (end.getTime() - node.requestedAt.getTime()) / 1000);
}

export function costsByCycle(
  nodes: readonly NodeRow[],
  now: Date,
  fallback: Pick<FleetConfig, "nodePricePerHour" | "currency">,
): CycleCost[] {
  const byCycle = new Map<string, CycleCost>();
  for (const node of nodes) {
    const entry = byCycle.get(node.cycle) ?? {
      cycle: node.cycle,
      nodes: 0,
      nodeSeconds: 0,
      cost: 0,
      currency: node.currency ?? fallback.currency,
      live: 0,
      pending: 0,
    };
    const seconds = billedSeconds(node, now);
    entry.nodes++;
    entry.nodeSeconds += seconds;
    entry.cost += (seconds / 3600) * (node.pricePerHour ?? fallback.nodePricePerHour);
    if (node.goneAt === null && node.providerId !== null) entry.live++;
    if (node.goneAt === null && node.providerId === null) entry.pending++;
    byCycle.set(node.cycle, entry);
  }
  return [...byCycle.values()];
}

export async function cycleCosts(
  store: FleetStore,
  environment: string,
  config: FleetConfig,
  now = new Date(),
) {
  return costsByCycle(await store.nodes(environment), now, config);
}

export interface FundsCheck {
  ok: boolean;
  balance: number | null;
  required: number;
  currency: string;
  reason: string | null;
}

/**
 * Can the account fund `count` more nodes? CloudSigma refuses a start without funds for 5 days of
 * burst usage (402), so the check asks for fundedDays of the whole fleet's hourly price.
 */
export async function checkFunds(
  provider: Provider,
  count: number,
  liveNodes: number,
  price: { perHour: number; currency: string },
  config: Pick<FleetConfig, "fundedDays">,
): Promise<FundsCheck> {
  const required = (count + liveNodes) * price.perHour * 24 * config.fundedDays;
  const balance = provider.capabilities.balance ? await provider.balance() : null;
  if (!balance) return { ok: true, balance: null, required, currency: price.currency, reason: null };
  const ok = balance.amount >= required;
  return {
    ok,
    balance: balance.amount,
    required,
    currency: balance.currency,
    reason: ok
      ? null
      : `the balance ${balance.amount.toFixed(2)} ${balance.currency} cannot fund ${count + liveNodes} nodes for ${config.fundedDays} days (${required.toFixed(2)} ${price.currency} needed)`,
  };
}

/** The node price: the provider's list when it has one, else the configured price. */
export async function nodePrice(
  provider: Provider,
  config: Pick<FleetConfig, "nodePricePerHour" | "currency">,
) {
  const fromProvider = provider.capabilities.prices ? await provider.nodePrice().catch(() => null) : null;
  return (
    fromProvider ?? { perHour: config.nodePricePerHour, currency: config.currency, source: "config" as const }
  );
}
