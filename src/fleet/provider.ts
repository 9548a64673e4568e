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
  /**
   * Cloud-init user data (CloudSigma) or the worker's arguments (local): the same for every node, or
   * made for each node once its name is known (it carries the node's own credential).
   */
  userData: string | ((node: { index: number; name: string }) => Promise<string>);
  /** Start the nodes once created (default true). */
  start?: boolean;
}

/** The user data of one node of a request. */
export async function userDataOf(
  request: Pick<CreateNodesRequest, "userData">,
  node: { index: number; name: string },
): Promise<string> {
  return typeof request.userData === "string" ? request.userData : request.userData(node);
}

/**
 * One node's outcome: the node, and seconds from the batch's request until it was running (its wait
 * behind the concurrency limit included); or the error that stopped it, with the node when the provider
 * had already made one (it exists and may bill: the fleet must still remove it).
 */
export type CreateOutcome =
  | { ok: true; node: FleetNode; seconds: number }
  | { ok: false; error: Error; node?: Pick<FleetNode, "id" | "name"> };

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

/** How a new node is told to run `cloudburst worker`: cloud-init user data, or the worker's arguments. */
export type BootFormat = "cloud-init" | "worker-arguments";

export interface Capabilities {
  tags: boolean;
  /** The user data a node boots with (see userDataFor in registry.ts). */
  boot: BootFormat;
  /** Nodes run on this machine, so they reach the database at this process's own URL. */
  sameMachine: boolean;
  antiAffinity: boolean;
  gracefulStop: boolean;
  balance: boolean;
  prices: boolean;
  billedResources: boolean;
  /** The provider's advice on concurrent provisioning (CloudSigma slows down past 4). */
  maxConcurrentCreates: number;
}

/** A node's process or machine that stopped without the fleet asking (its worker is gone). */
export interface NodeExit {
  id: string;
  name: string;
  /** e.g. "its process exited with code 1", "killed by SIGKILL". */
  reason: string;
}

export interface Provider {
  readonly name: string;
  readonly capabilities: Capabilities;
  /**
   * Nodes (ids or names) the fleet never counts as its own nor destroys: a golden image, the data
   * server. Empty for providers without such nodes.
   */
  readonly reserved: readonly string[];
  /**
   * The node (id or name) that serves the data role, started before a cycle and stopped after its
   * delivery; undefined when the control server holds the data role itself.
   */
  readonly dataServer: string | undefined;
  /** Every node; with `tags`, only nodes carrying all of them. Pages through the whole list. */
  listNodes(tags?: Tags): Promise<FleetNode[]>;
  getNode(id: string): Promise<FleetNode | null>;
  /** Creates (and by default starts) `count` nodes; each node succeeds or fails on its own. */
  createNodes(request: CreateNodesRequest): Promise<CreateOutcome[]>;
  /** `userData`: what a stopped node boots with this time (the data server's, minted for its cycle). */
  startNode(id: string, options?: { avoid?: string[]; userData?: string }): Promise<FleetNode>;
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
  /**
   * Calls `listener` when a node this process started stops without being asked to (the local
   * provider sees its process exit); returns the unsubscribe function. Providers that cannot see
   * this at once leave it out: the reconcile pass still notices the node stopped.
   */
  onNodeExit?(listener: (exit: NodeExit) => void): () => void;
  /**
   * The end of a node's worker log (at most `maxBytes`, from a line's start), where the provider keeps
   * it; null when it has none for that node. Providers whose nodes keep their log to themselves (a
   * cloud VM's journal) leave it out.
   */
  nodeLog?(id: string, maxBytes: number): Promise<string | null>;
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

/** The name every node of an environment starts with: `cb-ENV-CYCLESLUG-…`. */
export function nodeNamePrefix(environment: string): string {
  return `cb-${environment}-`;
}

/**
 * Whether a node or resource belongs to the environment: tagged with it, or, not yet tagged (a clone
 * whose create was cut short), named like its nodes. A resource tagged with another environment is
 * never ours, even when its name starts like ours (environment "prod" and "prod-eu").
 */
export function ownedBy(environment: string, resource: { name: string; tags: Tags }): boolean {
  const tagged = resource.tags[tagKeys.environment];
  return tagged !== undefined
    ? tagged === environment
    : resource.name.startsWith(nodeNamePrefix(environment));
}
