// The simulated CloudSigma account: its clock, faults, latency model, persistence and guests, and the
// resources, one module each: servers.ts, drives.ts, tags.ts, subscriptions.ts (with VLANs and IPs),
// jobs.ts, billing.ts. HTTP lives in http.ts; none of these knows anything of requests.
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { Billing } from "./billing.ts";
import { SimClock, seededRandom } from "./clock.ts";
import { Drives } from "./drives.ts";
import { notFound } from "./errors.ts";
import { type FaultSpec, Faults } from "./faults.ts";
import { Jobs } from "./jobs.ts";
import { type LatencyModel, thesisLatency } from "./latency.ts";
import { emptyData, type SimData } from "./model.ts";
import { GuestLauncher, type GuestProcess } from "./nodes.ts";
import { Servers } from "./servers.ts";
import { Subscriptions } from "./subscriptions.ts";
import { Tags } from "./tags.ts";
import { GIB } from "./values.ts";

export interface EngineOptions {
  /** Real seconds per simulated second (0.01: a 20-s provision takes 0.2 s). Default 1. */
  timeScale?: number;
  /** Opening balance (EUR) of a new account. Default 1000. */
  balance?: number;
  currency?: string;
  /** JSON file that keeps the account across restarts; none: in memory only. */
  stateFile?: string | null;
  /** Directory for the guests' files (user data, console logs). */
  guestDir: string;
  /** Command each guest runs (sh -c); default: the user data (script or #cloud-config runcmd), else `cloudburst worker`. */
  nodeCommand?: string | null;
  /** false: guests run no process (API-only simulation). Default true. */
  launchGuests?: boolean;
  /** Extra environment for the guests' processes. */
  guestEnv?: NodeJS.ProcessEnv;
  latency?: Partial<LatencyModel>;
  faults?: FaultSpec;
  /** Create a golden server (with its disk) and one VLAN at first start. Default true. */
  seed?: boolean;
  /** Simulated hypervisor hosts (for `avoid`). Default 16. */
  hosts?: number;
  /** Simulated seconds between billing runs (CloudSigma bills bursts every 5 minutes). Default 300. */
  billingInterval?: number;
  /** Stop every running guest when the balance falls to zero, as CloudSigma does. Default true. */
  stopWhenBroke?: boolean;
  log?: (message: string) => void;
}

export class CloudSigmaEngine {
  readonly clock: SimClock;
  readonly faults: Faults;
  data: SimData;
  readonly latency: LatencyModel;
  readonly startedAt: number;
  readonly servers: Servers;
  readonly drives: Drives;
  readonly tags: Tags;
  readonly subscriptions: Subscriptions;
  readonly jobs: Jobs;
  readonly billing: Billing;
  /** The guests' processes; null when guests run nothing (API-only simulation). */
  readonly launcher: GuestLauncher | null;
  readonly events: Array<{ time: string; event: string }> = [];
  private readonly options: EngineOptions;
  private random: () => number;
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;
  private lastSave = 0;
  private readonly tickListeners: Array<(now: number) => void> = [];
  private readonly log: (message: string) => void;

  constructor(options: EngineOptions) {
    this.options = options;
    this.log = options.log ?? (() => {});
    this.latency = { ...thesisLatency, ...options.latency };
    const loaded = options.stateFile && existsSync(options.stateFile) ? loadData(options.stateFile) : null;
    this.clock = new SimClock(options.timeScale ?? 1, loaded?.simTime ?? Date.now());
    this.startedAt = this.clock.now();
    this.random = seededRandom(options.faults?.seed ?? Math.floor(Math.random() * 2 ** 31));
    this.faults = new Faults((seed) => (seed === undefined ? Math.random : seededRandom(seed)));
    if (options.faults) this.setFaults(options.faults, this.startedAt, false);
    this.data =
      loaded ?? emptyData(randomUUID(), this.startedAt, options.balance ?? 1000, options.currency ?? "EUR");
    this.servers = new Servers(this);
    this.drives = new Drives(this);
    this.tags = new Tags(this);
    this.subscriptions = new Subscriptions(this);
    this.jobs = new Jobs(this);
    this.billing = new Billing(this);
    this.launcher =
      options.launchGuests === false
        ? null
        : new GuestLauncher({
            dir: options.guestDir,
            nodeCommand: options.nodeCommand ?? null,
            env: options.guestEnv ?? {},
            onExit: (uuid, info) => this.servers.guestExited(uuid, info),
            log: this.log,
            previous: loaded?.hypervisor ?? null,
          });
    if (!loaded && options.seed !== false) this.seedAccount();
    if (loaded) this.resume();
    this.markDirty();
  }

  // ---------------------------------------------------------------- lifecycle

  start(): void {
    if (this.timer) return;
    // Not unref'd: during a "refuse" outage the port is closed and this timer is what keeps the process up.
    this.timer = setInterval(() => this.tick(), 10);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.save();
    await this.launcher?.close(2000);
  }

  /** Synchronous last resort (process exit): kill every guest's process group. */
  killGuestsNow(): void {
    this.launcher?.killAllNow();
  }

  onTick(listener: (now: number) => void): void {
    this.tickListeners.push(listener);
  }

  setFaults(spec: FaultSpec, anchor: number, merge: boolean): void {
    this.faults.apply(spec, anchor, merge);
    if (spec.seed !== undefined) this.random = seededRandom(spec.seed);
  }

  now(): number {
    return this.clock.now();
  }

  /** The latency model's random draws (seeded by the faults' seed). */
  get rng(): () => number {
    return this.random;
  }

  /** Simulated hypervisor hosts, for `avoid`. */
  get hosts(): number {
    return this.options.hosts ?? 16;
  }

  /** Moves simulated time forward by `seconds` in small steps (1 s, or 1/2000 of a long jump), doing all that falls due. */
  advance(seconds: number): void {
    const stride = Math.max(1, seconds / 2000);
    let left = seconds;
    while (left > 0) {
      const step = Math.min(stride, left);
      this.clock.advance(step * 1000);
      this.tick();
      left -= step;
    }
  }

  /** Records what happened, for GET /_sim/events and the log. */
  note(event: string): void {
    this.events.push({ time: new Date(this.now()).toISOString(), event });
    if (this.events.length > 500) this.events.shift();
    this.log(event);
  }

  /** The account changed: it is saved soon. */
  markDirty(): void {
    this.dirty = true;
  }

  save(): void {
    const file = this.options.stateFile;
    if (!file) return;
    this.data.simTime = this.now();
    if (this.launcher) this.data.hypervisor = this.launcher.hypervisor();
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify(this.data));
    renameSync(`${file}.tmp`, file);
    this.dirty = false;
    this.lastSave = Date.now();
  }

  /** Saves now if anything changed: an accepted request is on disk before it is answered, as a cloud never forgets one. */
  saveIfChanged(): void {
    if (this.dirty) this.save();
  }

  /**
   * After a restart, pending transitions continue from the saved clock, and guests run on: every
   * process a killed simulator left running is re-adopted (a cloud's VMs outlive its API's process),
   * whatever its server's state, so that its server's stop or delete ends it as before; a running
   * server without one (the simulator was stopped, which ends them) boots its guest again.
   */
  private resume(): void {
    for (const [uuid, record] of Object.entries(this.data.hypervisor?.guests ?? {})) {
      const server = this.data.servers[uuid];
      if (!this.launcher?.adopt(uuid, record, "re-adopted after a simulator restart")) continue;
      this.note(
        `guest ${server?.name ?? "of a deleted server"} (${uuid}) re-adopted: pid ${record.pid} ran on`,
      );
      // Its server was stopped or deleted as the simulator died, before the process was gone.
      const up = server?.status === "running" || server?.status === "stopping";
      if (!server || this.gone(server.deleteAt) || !up) void this.launcher.kill(uuid, 0);
    }
    for (const server of Object.values(this.data.servers)) {
      const guest = this.guest(server.uuid);
      if (server.status === "running" && server.pending === null && (!guest || guest.exited))
        this.servers.launchGuest(server);
      if (server.status === "stopping" && server.pending?.kind === "shutdown") {
        server.pending = { kind: "stop", due: this.now() };
      }
    }
  }

  private seedAccount(): void {
    const now = this.now();
    const drive = this.drives.define({ name: "cloudburst-golden", size: 10 * GIB, media: "disk" }, now);
    drive.status = "mounted";
    drive.readyAt = null;
    const server = this.servers.define({
      name: "cloudburst-golden",
      cpu: 2000,
      mem: 2 * GIB,
      vnc_password: randomBytes(6).toString("hex"),
      drives: [{ boot_order: 1, dev_channel: "0:0", device: "virtio", drive: drive.uuid }],
      nics: [{ ip_v4_conf: { conf: "dhcp" }, model: "virtio" }],
    });
    this.data.servers[server.uuid] = server;
    const [sub] = this.subscriptions.buy([{ resource: "vlan", amount: 1, period: "1 month" }], now, true);
    this.data.seeded = { server: server.uuid, drive: drive.uuid, vlan: sub!.subscribed_object! };
  }

  // ---------------------------------------------------------------- across resources

  /** A deletion due at `deleteAt` has happened: the resource answers 404. */
  gone(deleteAt: number | null): boolean {
    return deleteAt !== null && deleteAt <= this.now();
  }

  /** The entries of a table of deletable resources that are not yet gone. */
  live<T extends { deleteAt: number | null }>(table: Record<string, T>): T[] {
    return Object.values(table).filter((item) => !this.gone(item.deleteAt));
  }

  /** An entry not yet gone, or CloudSigma's 404 naming `what`. */
  find<T extends { deleteAt: number | null }>(table: Record<string, T>, uuid: string, what: string): T {
    const item = table[uuid];
    if (!item || this.gone(item.deleteAt)) throw notFound(what, uuid);
    return item;
  }

  resourceType(uuid: string): "servers" | "drives" | "vlans" | "ips" | null {
    if (this.data.servers[uuid] && !this.gone(this.data.servers[uuid]!.deleteAt)) return "servers";
    if (this.data.drives[uuid] && !this.gone(this.data.drives[uuid]!.deleteAt)) return "drives";
    if (this.data.vlans[uuid]) return "vlans";
    if (this.data.ips[uuid]) return "ips";
    return null;
  }

  /** Provisions under way: drive copies, and servers starting or booting. */
  provisionsInFlight(): number {
    return this.drives.cloning() + this.servers.provisioning();
  }

  guest(uuid: string): GuestProcess | undefined {
    return this.launcher?.get(uuid);
  }

  guests(): GuestProcess[] {
    return this.launcher?.list() ?? [];
  }

  /** Charges the burst usage accrued since the last run (every billingInterval simulated seconds). */
  bill(now = this.now()): void {
    this.billing.bill(now, this.options.stopWhenBroke !== false);
  }

  // ---------------------------------------------------------------- the clock's work

  tick(): void {
    const now = this.now();
    this.billing.accrue(now);
    for (const drive of Object.values(this.data.drives)) this.drives.advance(drive, now);
    for (const server of Object.values(this.data.servers)) this.servers.advance(server, now);
    for (const sub of Object.values(this.data.subscriptions)) this.subscriptions.advance(sub, now);
    this.jobs.prune(now);
    if (this.billing.due(now, this.options.billingInterval ?? 300)) this.bill(now);
    for (const listener of this.tickListeners) listener(now);
    if (this.dirty && Date.now() - this.lastSave > 200) this.save();
  }
}

function loadData(file: string): SimData {
  const data = JSON.parse(readFileSync(file, "utf8")) as SimData;
  if (data.version !== 1) throw new Error(`${file}: unknown simulator state version ${String(data.version)}`);
  return data;
}
