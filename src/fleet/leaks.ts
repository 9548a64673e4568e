// The leak check: what we own (the database) against what the provider bills (servers, drives, VLANs,
// IPs, subscriptions). The thesis's account was drained by VLANs billed after every run; this finds
// such charges, destroys what can be destroyed, and reports the rest to the operator.

import { mapLimit } from "../system/map-limit.ts";
import type { FleetConfig } from "./config.ts";
import { type BilledResource, ownedBy, type Provider, tagKeys } from "./provider.ts";
import { resolveRequests } from "./requests.ts";
import type { FleetStore, NodeRow } from "./store.ts";

export type LeakVerdict =
  /** Ours, and a live cycle wants it. */
  | "owned"
  /** Tagged (or named) as ours, but no live node row: destroy it. */
  | "orphan"
  /** Ours, billing, and the API cannot delete it (VLAN, IP, subscription): the operator must act. */
  | "leak"
  /** Not ours: left alone. */
  | "foreign";

export interface LeakItem {
  resource: BilledResource;
  verdict: LeakVerdict;
  why: string;
}

export interface LeakReport {
  environment: string;
  items: LeakItem[];
  orphans: number;
  leaks: number;
  /**
   * Node requests whose answer was lost and that no server answers yet: nothing bills for them (the
   * next reconcile pass gives them up, or adopts the node if one appears).
   */
  unresolved: Array<Pick<NodeRow, "name" | "cycle" | "requestedAt">>;
}

export async function leakCheck(
  provider: Provider,
  store: FleetStore,
  config: FleetConfig,
): Promise<LeakReport> {
  const environment = config.environment;
  const [billed, live] = await Promise.all([provider.billedResources(), store.liveNodes(environment)]);
  const rows = live.filter((n) => n.provider === provider.name);
  const ownedIds = new Set(rows.flatMap((n) => (n.providerId ? [n.providerId] : [])));
  const openCycles = new Set(
    (await store.cycles(environment))
      .filter((c) => c.state === "planned" || c.state === "processing")
      .map((c) => c.cycle),
  );
  const reserved = provider.reserved;
  const ours = (r: BilledResource) =>
    ownedBy(environment, r) && !reserved.includes(r.id) && !reserved.includes(r.name);
  // A server made for a request whose answer was lost is the request's node, not an orphan.
  const servers = billed.filter((r) => r.kind === "server" && ours(r));
  const known = await store.knownIds(
    provider.name,
    servers.map((r) => r.id),
  );
  const requests = resolveRequests(rows, servers, known);
  const requested = new Map(requests.adopt.map(({ row, node }) => [node.id, row.name]));
  const items = billed.map((resource): LeakItem => {
    if (resource.anomaly) return { resource, verdict: "leak", why: resource.anomaly };
    if (!ours(resource)) return { resource, verdict: "foreign", why: "not tagged with this environment" };
    const request = requested.get(resource.id);
    if (request) {
      return {
        resource,
        verdict: "owned",
        why: `made for request ${request}; recorded at the next reconcile`,
      };
    }
    if (!resource.deletable) {
      return resource.billing
        ? {
            resource,
            verdict: "leak",
            why: `a ${resource.kind} tagged ${environment} is still billed and the API cannot delete it`,
          }
        : { resource, verdict: "owned", why: "not billing" };
    }
    const cycle = resource.tags[tagKeys.cycle];
    if (resource.kind === "server" && ownedIds.has(resource.id) && cycle && openCycles.has(cycle)) {
      return { resource, verdict: "owned", why: `node of open cycle ${cycle}` };
    }
    if (resource.kind === "drive" && cycle && openCycles.has(cycle)) {
      return { resource, verdict: "owned", why: `drive of open cycle ${cycle}` };
    }
    return { resource, verdict: "orphan", why: cycle ? `cycle ${cycle} is not open` : "no cycle tag" };
  });
  return {
    environment,
    items,
    orphans: items.filter((i) => i.verdict === "orphan").length,
    leaks: items.filter((i) => i.verdict === "leak").length,
    unresolved: requests.giveUp.map(({ name, cycle, requestedAt }) => ({ name, cycle, requestedAt })),
  };
}

/** Destroys the report's orphans (servers first: their recursive delete takes their drives along). */
export async function collectOrphans(
  provider: Provider,
  store: FleetStore,
  report: LeakReport,
): Promise<{ destroyed: string[]; errors: string[] }> {
  const orphans = report.items.filter((i) => i.verdict === "orphan").map((i) => i.resource);
  const servers = orphans.filter((r) => r.kind === "server");
  const others = orphans.filter((r) => r.kind !== "server");
  const destroyed: string[] = [];
  const errors: string[] = [];
  for (const group of [servers, others]) {
    const results = await mapLimit(group, provider.capabilities.maxConcurrentCreates, async (resource) => {
      await provider.destroyResource(resource);
      if (resource.kind === "server") await store.nodeGone(provider.name, resource.id);
      return `${resource.kind} ${resource.name}`;
    });
    for (const [i, r] of results.entries()) {
      if (r.status === "fulfilled") destroyed.push(r.value);
      else errors.push(`${group[i]!.kind} ${group[i]!.id}: ${(r.reason as Error).message}`);
    }
  }
  return { destroyed, errors };
}
