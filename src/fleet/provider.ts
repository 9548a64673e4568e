// The provider interface, small and in the spirit of Apache Libcloud: nodes with tags, created from a
// template, started, stopped, destroyed with their disks; balance, prices and what the provider bills.

/** The states every provider's node states map to. */
export type NodeState = "pending" | "stopped" | "starting" | "running" | "stopping" | "unknown";

export type Tags = Record<string, string>;

export interface FleetNode {
  /** The provider's id (a UUID for CloudSigma, "local-…" for local processes). */
  id: string;
  name: string;
  state: NodeState;
  /** The provider's own state word, unmapped (e.g. CloudSigma "paused"). */
  providerState: string;
  tags: Tags;
  provider: string;
  /** Addresses the node is reachable on, when the provider reports them. */
  addresses: string[];
}

export interface CreateNodesRequest {
  count: number;
  /** Node names are `${namePrefix}-${index}-${random}`. */
  namePrefix: string;
  /** The image or golden template to clone; the provider's configured default when absent. */
  template?: string;
  tags: Tags;
  /** Cloud-init user data (CloudSigma) or the worker's arguments (local). */
  userData: string;
  /** Start the nodes once created (default true). */
  start?: boolean;
}

/**
 * One node's outcome: the node, and seconds from the batch's request until it was running (its wait
 * behind the concurrency limit included); or the error that stopped it.
 */
export type CreateOutcome = { ok: true; node: FleetNode; seconds: number } | { ok: false; error: Error };

export interface Balance {
  amount: number;
  currency: string;
}

/** Prices per hour for one node of the configured size, in the account currency. */
export interface NodePrice {
  perHour: number;
  currency: string;
  /** Where the figure came from: the provider's price list, or the configuration. */
  source: "provider" | "config";
}

export type BilledKind = "server" | "drive" | "vlan" | "ip" | "subscription";

/** Anything the provider may bill for, for the leak check. */
export interface BilledResource {
  kind: BilledKind;
  id: string;
  name: string;
  tags: Tags;
  /** Still accruing charges (a running server, an auto-renewing subscription, an attached drive…). */
  billing: boolean;
  /** Whether the API can delete it (VLAN and IP subscriptions cannot be deleted on CloudSigma). */
  deletable: boolean;
  detail?: string;
  /** Something the provider bills that looks wrong whoever owns it (e.g. a VLAN billed for deleted servers). */
  anomaly?: string;
}

export interface Capabilities {
  tags: boolean;
  userData: boolean;
  antiAffinity: boolean;
  gracefulStop: boolean;
  balance: boolean;
  prices: boolean;
  billedResources: boolean;
  /** The provider's advice on concurrent provisioning (CloudSigma slows down past 4). */
  maxConcurrentCreates: number;
}

export interface Provider {
  readonly name: string;
  readonly capabilities: Capabilities;
  /** Every node; with `tags`, only nodes carrying all of them. Pages through the whole list. */
  listNodes(tags?: Tags): Promise<FleetNode[]>;
  getNode(id: string): Promise<FleetNode | null>;
  /** Creates (and by default starts) `count` nodes; each node succeeds or fails on its own. */
  createNodes(request: CreateNodesRequest): Promise<CreateOutcome[]>;
  startNode(id: string, options?: { avoid?: string[] }): Promise<FleetNode>;
  /** Graceful shutdown first; a hard stop when it does not finish in time. */
  stopNode(id: string): Promise<FleetNode>;
  /** Destroys the node with its disks; done only when the provider no longer knows it. */
  destroyNode(id: string): Promise<void>;
  balance(): Promise<Balance | null>;
  nodePrice(): Promise<NodePrice | null>;
  /** What the provider bills this account for; [] when it cannot tell. */
  billedResources(): Promise<BilledResource[]>;
  /** Deletes a non-node resource the orphan collector found (e.g. a drive left behind). */
  destroyResource(resource: BilledResource): Promise<void>;
  close?(): Promise<void>;
}

/** True when `node` carries every tag in `wanted`. */
export function hasTags(node: { tags: Tags }, wanted: Tags | undefined): boolean {
  if (!wanted) return true;
  return Object.entries(wanted).every(([key, value]) => node.tags[key] === value);
}

/** Tag keys cloudburst puts on every resource. */
export const tagKeys = {
  environment: "cloudburst-env",
  cycle: "cloudburst-cycle",
  role: "cloudburst-role",
} as const;

export type NodeRole = "data" | "compute";
