// The simulated account's resources, as stored (and persisted to JSON). Rendering to CloudSigma's
// response shapes lives in render.ts; behaviour (transitions, billing, faults) in engine.ts.
// All times are simulated milliseconds since the epoch (see clock.ts).
import type { Hypervisor } from "./nodes.ts";

export type ServerStatus = "stopped" | "starting" | "running" | "stopping" | "unavailable";
export type DriveStatus =
  | "creating"
  | "unmounted"
  | "mounted"
  | "cloning_src"
  | "cloning_dst"
  | "unavailable"
  | "resizing";

export interface ServerDrive {
  boot_order: number | null;
  dev_channel: string;
  device: string;
  drive: string;
}

export interface Nic {
  boot_order: number | null;
  ip_v4_conf: { conf: string; ip: string | null } | null;
  ip_v6_conf: { conf: string; ip: string | null } | null;
  mac: string;
  model: string;
  vlan: string | null;
}

export interface Server {
  uuid: string;
  name: string;
  cpu: number;
  mem: number;
  smp: number;
  vnc_password: string;
  meta: Record<string, string>;
  context: boolean;
  cpu_model: string | null;
  cpu_type: string;
  cpus_instead_of_cores: boolean;
  enable_numa: boolean;
  hv_relaxed: boolean;
  hv_tsc: boolean;
  hypervisor: string;
  requirements: unknown[];
  pubkeys: unknown[];
  drives: ServerDrive[];
  nics: Nic[];
  jobs: string[];
  status: ServerStatus;
  /** Simulated host the guest runs on (for `avoid` and availability groups). */
  host: string | null;
  activeSince: number | null;
  /** Public IPv4 per NIC MAC while running (DHCP). */
  dynamicIps: Record<string, string>;
  /** Pending asynchronous transition (start, stop, shutdown, boot). */
  pending: Pending | null;
  /** When set, the server answers 404 from this time on. */
  deleteAt: number | null;
  /** Drives to delete with the server (recurse). */
  deleteDrives: string[];
  /** Total simulated seconds of the provision under way (drawn at clone or start, cleared when booted). */
  provision?: number | null;
  /** Set while a clone creates this server: the server's drives are still being copied. */
  cloneJob: string | null;
}

export type PendingKind = "start" | "boot" | "stop" | "shutdown";
export interface Pending {
  kind: PendingKind;
  due: number;
  /** A provision's start or boot (counted as a provision under way). */
  provisioning?: boolean;
}

export interface Drive {
  uuid: string;
  name: string;
  size: number;
  media: "disk" | "cdrom";
  storage_type: string;
  meta: Record<string, string>;
  affinities: string[];
  allow_multimount: boolean;
  licenses: unknown[];
  jobs: string[];
  status: DriveStatus;
  /** For creating/cloning_dst: when the copy completes. */
  readyAt: number | null;
  /** For a clone destination: the source drive, released when the copy completes. */
  cloneOf: string | null;
  /** The clone ends in failure (fault injection). */
  cloneFails: boolean;
  deleteAt: number | null;
}

export interface Tag {
  uuid: string;
  name: string;
  meta: Record<string, string>;
  /** UUIDs (or IPs) of tagged resources of any type. */
  resources: string[];
}

export interface Vlan {
  uuid: string;
  meta: Record<string, string>;
  subscription: number;
  /** Deleted servers the billing still counts on this VLAN (the thesis's VLAN billing leak). */
  leakedServers: string[];
}

export interface Ip {
  uuid: string;
  meta: Record<string, string>;
  subscription: number;
}

export interface Subscription {
  id: number;
  uuid: string;
  resource: string;
  amount: number;
  period: string;
  periodSeconds: number;
  start: number;
  end: number;
  auto_renew: boolean;
  price: number;
  status: "active" | "inactive" | "expired";
  subscribed_object: string | null;
  descendants: number[];
}

export interface Job {
  uuid: string;
  operation: "drive_clone" | "server_clone";
  resources: string[];
  children: string[];
  created: number;
  last_modified: number;
  start: number;
  end: number;
  state: "started" | "success" | "failed";
}

export interface LedgerEntry {
  id: number;
  amount: number;
  initial: number;
  end: number;
  billing_cycle: number | null;
  interval: number | null;
  poll_time: number;
  time: number;
  reason: string;
  resource_amount: number;
}

export interface SimData {
  version: 1;
  owner: string;
  /** Simulated clock at the last save, so that a restart continues from there. */
  simTime: number;
  balance: number;
  currency: string;
  servers: Record<string, Server>;
  drives: Record<string, Drive>;
  tags: Record<string, Tag>;
  vlans: Record<string, Vlan>;
  ips: Record<string, Ip>;
  subscriptions: Record<string, Subscription>;
  jobs: Record<string, Job>;
  ledger: LedgerEntry[];
  nextSubscriptionId: number;
  nextLedgerId: number;
  billingCycle: number;
  /** Usage accrued since the last billing run, in unit-seconds (MHz·s, byte·s, count·s). */
  accrued: Record<string, number>;
  accruedSince: number;
  /** Golden server and drive created at first start (see seed in engine.ts). */
  seeded: { server: string; drive: string; vlan: string } | null;
  /** The guests' processes and the VLAN, which outlive the simulator's process (nodes.ts); absent in older files. */
  hypervisor?: Hypervisor;
}

export function emptyData(owner: string, simTime: number, balance: number, currency: string): SimData {
  return {
    version: 1,
    owner,
    simTime,
    balance,
    currency,
    servers: {},
    drives: {},
    tags: {},
    vlans: {},
    ips: {},
    subscriptions: {},
    jobs: {},
    ledger: [],
    nextSubscriptionId: 1,
    nextLedgerId: 1,
    billingCycle: 1,
    accrued: {},
    accruedSince: simTime,
    seeded: null,
  };
}
