// The simulated CloudSigma account: resources, their asynchronous state transitions, the latency model,
// billing and the guests' processes. HTTP lives in http.ts; this module knows nothing of requests.
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { capabilities } from "./capabilities.ts";
import { SimClock, seededRandom } from "./clock.ts";
import { ApiError, forbidden, invalid, notFound } from "./errors.ts";
import { type FaultSpec, Faults } from "./faults.ts";
import { between, type LatencyModel, provisionSeconds, thesisLatency } from "./latency.ts";
import type { Drive, Job, Nic, Server, ServerDrive, SimData, Subscription, Tag } from "./model.ts";
import { emptyData } from "./model.ts";
import { GuestLauncher, type GuestProcess } from "./nodes.ts";
import { burstPricePerUnitSecond, guestCostPerSecond, parsePeriod, subscriptionPrice } from "./pricing.ts";

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

const GIB = 1024 ** 3;
const FIVE_DAYS = 5 * 86400;

export class CloudSigmaEngine {
  readonly clock: SimClock;
  readonly faults: Faults;
  data: SimData;
  readonly latency: LatencyModel;
  readonly startedAt: number;
  private readonly options: EngineOptions;
  private readonly launcher: GuestLauncher | null;
  private random: () => number;
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;
  private lastSave = 0;
  private lastBilling: number;
  private lastJobPrune = 0;
  private readonly tickListeners: Array<(now: number) => void> = [];
  private readonly log: (message: string) => void;
  readonly events: Array<{ time: string; event: string }> = [];

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
    this.lastBilling = this.data.accruedSince;
    this.launcher =
      options.launchGuests === false
        ? null
        : new GuestLauncher({
            dir: options.guestDir,
            nodeCommand: options.nodeCommand ?? null,
            env: options.guestEnv ?? {},
            onExit: (uuid, info) => this.guestExited(uuid, info),
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
    await this.launcher?.killAll(2000);
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

  private note(event: string): void {
    this.events.push({ time: new Date(this.now()).toISOString(), event });
    if (this.events.length > 500) this.events.shift();
    this.log(event);
  }

  private markDirty(): void {
    this.dirty = true;
  }

  save(): void {
    const file = this.options.stateFile;
    if (!file) return;
    this.data.simTime = this.now();
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify(this.data));
    renameSync(`${file}.tmp`, file);
    this.dirty = false;
    this.lastSave = Date.now();
  }

  /** After a restart: guests that were running run again; pending transitions continue from the saved clock. */
  private resume(): void {
    for (const server of Object.values(this.data.servers)) {
      if (server.status === "running" && server.pending === null) this.launchGuest(server);
      if (server.status === "stopping" && server.pending?.kind === "shutdown") {
        server.pending = { kind: "stop", due: this.now() };
      }
    }
  }

  private seedAccount(): void {
    const now = this.now();
    const drive = this.newDrive({ name: "cloudburst-golden", size: 10 * GIB, media: "disk" }, now);
    drive.status = "mounted";
    drive.readyAt = null;
    const server = this.newServer({
      name: "cloudburst-golden",
      cpu: 2000,
      mem: 2 * GIB,
      vnc_password: randomBytes(6).toString("hex"),
      drives: [{ boot_order: 1, dev_channel: "0:0", device: "virtio", drive: drive.uuid }],
      nics: [{ ip_v4_conf: { conf: "dhcp" }, model: "virtio" }],
    });
    this.data.servers[server.uuid] = server;
    const [sub] = this.buySubscriptions([{ resource: "vlan", amount: 1, period: "1 month" }], now, true);
    this.data.seeded = { server: server.uuid, drive: drive.uuid, vlan: sub!.subscribed_object! };
  }

  // ---------------------------------------------------------------- lookups

  server(uuid: string): Server {
    const s = this.data.servers[uuid];
    if (!s || this.gone(s.deleteAt)) throw notFound("Server", uuid);
    return s;
  }

  drive(uuid: string): Drive {
    const d = this.data.drives[uuid];
    if (!d || this.gone(d.deleteAt)) throw notFound("Drive", uuid);
    return d;
  }

  tag(uuid: string): Tag {
    const t = this.data.tags[uuid];
    if (!t) throw notFound("Tag", uuid);
    return t;
  }

  private gone(deleteAt: number | null): boolean {
    return deleteAt !== null && deleteAt <= this.now();
  }

  servers(): Server[] {
    return Object.values(this.data.servers).filter((s) => !this.gone(s.deleteAt));
  }

  drives(): Drive[] {
    return Object.values(this.data.drives).filter((d) => !this.gone(d.deleteAt));
  }

  /** Servers whose definition attaches the drive. */
  mountedOn(driveUuid: string): Server[] {
    return this.servers().filter((s) => s.drives.some((d) => d.drive === driveUuid));
  }

  tagsOf(uuid: string): Tag[] {
    return Object.values(this.data.tags).filter((t) => t.resources.includes(uuid));
  }

  resourceType(uuid: string): "servers" | "drives" | "vlans" | "ips" | null {
    if (this.data.servers[uuid] && !this.gone(this.data.servers[uuid]!.deleteAt)) return "servers";
    if (this.data.drives[uuid] && !this.gone(this.data.drives[uuid]!.deleteAt)) return "drives";
    if (this.data.vlans[uuid]) return "vlans";
    if (this.data.ips[uuid]) return "ips";
    return null;
  }

  guest(uuid: string): GuestProcess | undefined {
    return this.launcher?.get(uuid);
  }

  guests(): GuestProcess[] {
    return this.launcher?.list() ?? [];
  }

  // ---------------------------------------------------------------- servers

  private newServer(def: Record<string, unknown>, existing?: Server): Server {
    const name = def["name"];
    const cpu = def["cpu"];
    const mem = def["mem"];
    const vnc = def["vnc_password"];
    if (typeof name !== "string" || name === "") throw invalid("name", "This field is required");
    if (!Number.isInteger(cpu)) throw invalid("cpu", "This field is required");
    if (!Number.isInteger(mem)) throw invalid("mem", "This field is required");
    if (typeof vnc !== "string" || vnc === "") throw invalid("vnc_password", "This field is required");
    const limits = capabilities.servers;
    if ((cpu as number) < limits.cpu.min || (cpu as number) > limits.cpu.max)
      throw invalid("cpu", `cpu must be between ${limits.cpu.min} and ${limits.cpu.max} MHz`);
    if ((mem as number) < limits.mem.min || (mem as number) > limits.mem.max)
      throw invalid("mem", `mem must be between ${limits.mem.min} and ${limits.mem.max} bytes`);
    const smp = def["smp"] === undefined || def["smp"] === null ? 1 : def["smp"];
    if (!Number.isInteger(smp) || (smp as number) < limits.smp.min || (smp as number) > limits.smp.max)
      throw invalid("smp", `smp must be between ${limits.smp.min} and ${limits.smp.max}`);
    const cpuType = (def["cpu_type"] as string | undefined) ?? "amd";
    if (!["amd", "intel"].includes(cpuType)) throw invalid("cpu_type", `Unsupported cpu_type ${cpuType}`);
    const meta = checkMeta(def["meta"] ?? existing?.meta ?? {});
    const uuid = existing?.uuid ?? randomUUID();
    return {
      uuid,
      name,
      cpu: cpu as number,
      mem: mem as number,
      smp: smp as number,
      vnc_password: vnc,
      meta,
      context: bool(def["context"], true),
      cpu_model: (def["cpu_model"] as string | null | undefined) ?? null,
      cpu_type: cpuType,
      cpus_instead_of_cores: bool(def["cpus_instead_of_cores"], false),
      enable_numa: bool(def["enable_numa"], false),
      hv_relaxed: bool(def["hv_relaxed"], false),
      hv_tsc: bool(def["hv_tsc"], false),
      hypervisor: (def["hypervisor"] as string | undefined) ?? "kvm",
      requirements: Array.isArray(def["requirements"]) ? (def["requirements"] as unknown[]) : [],
      pubkeys: Array.isArray(def["pubkeys"]) ? (def["pubkeys"] as unknown[]) : [],
      drives: this.parseServerDrives(def["drives"], uuid),
      nics: this.parseNics(def["nics"], existing?.nics ?? []),
      jobs: existing?.jobs ?? [],
      status: existing?.status ?? "stopped",
      host: existing?.host ?? null,
      activeSince: existing?.activeSince ?? null,
      dynamicIps: existing?.dynamicIps ?? {},
      pending: existing?.pending ?? null,
      deleteAt: null,
      deleteDrives: [],
      cloneJob: existing?.cloneJob ?? null,
    };
  }

  private parseServerDrives(value: unknown, serverUuid: string): ServerDrive[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw invalid("drives", "Expected a list of drive attachments");
    return value.map((entry: Record<string, unknown>, i) => {
      const ref = entry?.["drive"];
      const driveUuid = typeof ref === "string" ? ref : (ref as { uuid?: string } | null)?.uuid;
      if (typeof driveUuid !== "string") throw invalid(`drives.${i}.drive`, "This field is required");
      const drive = this.data.drives[driveUuid];
      if (!drive || this.gone(drive.deleteAt))
        throw invalid(`drives.${i}.drive`, `Drive ${driveUuid} does not exist`);
      const device = entry["device"];
      if (!["ide", "virtio", "scsi"].includes(device as string))
        throw invalid(`drives.${i}.device`, "Select a valid choice: ide, virtio, scsi");
      const channel = entry["dev_channel"];
      if (typeof channel !== "string" || !/^\d+:\d+$/.test(channel))
        throw invalid(`drives.${i}.dev_channel`, "Expected {controller:unit}, e.g. 0:0");
      const others = this.mountedOn(driveUuid).filter((s) => s.uuid !== serverUuid);
      if (others.length > 0 && drive.media === "disk" && !drive.allow_multimount)
        throw forbidden(
          `Drive ${driveUuid} is already mounted on server ${others[0]!.uuid}`,
          `drives.${i}.drive`,
        );
      return {
        boot_order: (entry["boot_order"] as number | null | undefined) ?? null,
        dev_channel: channel,
        device: device as string,
        drive: driveUuid,
      };
    });
  }

  private parseNics(value: unknown, previous: Nic[]): Nic[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw invalid("nics", "Expected a list of NICs");
    return value.map((entry: Record<string, unknown>, i) => {
      const mac = entry?.["mac"];
      if (mac !== undefined && mac !== null && !previous.some((n) => n.mac === mac))
        throw invalid(`nics.${i}.mac`, `MAC ${String(mac)} is not a NIC of this server`);
      const vlanRef = entry["vlan"];
      const vlan =
        typeof vlanRef === "string" ? vlanRef : ((vlanRef as { uuid?: string } | null)?.uuid ?? null);
      const v4 = conf(entry["ip_v4_conf"], `nics.${i}.ip_v4_conf`);
      const v6 = conf(entry["ip_v6_conf"], `nics.${i}.ip_v6_conf`);
      if (vlan && (v4 || v6)) throw invalid(`nics.${i}`, "Cannot assign both Private and Public on a NIC");
      if (vlan && !this.data.vlans[vlan]) throw invalid(`nics.${i}.vlan`, `VLAN ${vlan} does not exist`);
      if (v4?.conf === "static") {
        if (!v4.ip) throw invalid(`nics.${i}.ip_v4_conf.ip`, "A static IP configuration needs an IP");
        if (!this.data.ips[v4.ip]) throw invalid(`nics.${i}.ip_v4_conf.ip`, `IP ${v4.ip} is not yours`);
      }
      if (v4?.conf === "dhcp" && v4.ip)
        throw invalid(`nics.${i}.ip_v4_conf.ip`, "Cannot specify an IP with dhcp");
      return {
        boot_order: (entry["boot_order"] as number | null | undefined) ?? null,
        ip_v4_conf: v4,
        ip_v6_conf: v6,
        mac: typeof mac === "string" ? mac : randomMac(),
        model: (entry["model"] as string | undefined) ?? "virtio",
        vlan,
      };
    });
  }

  createServers(defs: Array<Record<string, unknown>>): Server[] {
    const created = defs.map((def) => ({ server: this.newServer(def), tags: this.tagList(def["tags"]) }));
    for (const { server, tags } of created) {
      this.data.servers[server.uuid] = server;
      this.setTagsOf(server.uuid, tags);
      for (const d of server.drives) this.refreshDriveStatus(d.drive);
    }
    this.markDirty();
    return created.map((c) => c.server);
  }

  updateServer(uuid: string, def: Record<string, unknown>): Server {
    const server = this.server(uuid);
    const tags = def["tags"] === undefined ? null : this.tagList(def["tags"]);
    if (server.status !== "stopped" && server.status !== "unavailable") {
      // A running server takes only name, meta and tags; the rest of the definition is ignored.
      const meta = def["meta"] === undefined ? server.meta : checkMeta(def["meta"]);
      if (typeof def["name"] === "string" && def["name"] !== "") server.name = def["name"];
      server.meta = meta;
      if (tags) this.setTagsOf(uuid, tags);
      this.markDirty();
      return server;
    }
    // Fields the definition leaves out keep their values.
    const before = server.drives.map((d) => d.drive);
    const current: Record<string, unknown> = { ...server, drives: server.drives, nics: server.nics };
    const merged = Object.fromEntries(
      Object.entries({ ...current, ...def }).map(([k, v]) => [k, v === undefined ? current[k] : v]),
    );
    const updated = this.newServer(merged, server);
    this.data.servers[uuid] = updated;
    if (tags) this.setTagsOf(uuid, tags);
    for (const d of new Set([...before, ...updated.drives.map((x) => x.drive)])) this.refreshDriveStatus(d);
    this.markDirty();
    return updated;
  }

  /** Provisions under way: drive copies, and servers starting or booting. */
  private inFlight(): number {
    const clones = this.drives().filter((d) => d.status === "cloning_dst").length;
    const starts = this.servers().filter((s) => s.pending?.provisioning).length;
    return clones + starts;
  }

  cloneServer(uuid: string, body: Record<string, unknown>): Server {
    const source = this.server(uuid);
    if (source.status === "unavailable")
      throw forbidden(`Server ${uuid} is unavailable and cannot be cloned`);
    const now = this.now();
    const clone: Server = structuredClone(source);
    clone.uuid = randomUUID();
    clone.name = typeof body["name"] === "string" && body["name"] !== "" ? body["name"] : source.name;
    if (body["random_vnc_password"] === true) clone.vnc_password = randomBytes(4).toString("base64url");
    clone.status = "stopped";
    clone.host = null;
    clone.activeSince = null;
    clone.dynamicIps = {};
    clone.pending = null;
    clone.deleteAt = null;
    clone.deleteDrives = [];
    clone.nics = source.nics.map((n) => ({
      ...n,
      mac: randomMac(),
      // "IPs of the cloned server are set to DHCP."
      ip_v4_conf: n.ip_v4_conf ? { conf: "dhcp", ip: null } : null,
    }));
    const total = provisionSeconds(this.latency, this.inFlight() + 1, this.random);
    clone.provision = total;
    const job = this.newJob("server_clone", [`servers/${source.uuid}`, `servers/${clone.uuid}`], now);
    clone.jobs = [job.uuid];
    clone.cloneJob = job.uuid;
    clone.drives = source.drives.map((attachment) => {
      const drive = this.drive(attachment.drive);
      if (drive.media === "cdrom") return { ...attachment };
      const copy = this.startDriveClone(drive, { name: drive.name }, now, total);
      const child = this.data.jobs[copy.jobs[0]!]!;
      job.children.push(child.uuid);
      job.end = Math.max(job.end, child.end);
      return { ...attachment, drive: copy.uuid };
    });
    if (job.children.length === 0) {
      job.end = now;
      job.state = "success";
      clone.cloneJob = null;
    }
    this.data.servers[clone.uuid] = clone;
    this.setTagsOf(
      clone.uuid,
      this.tagsOf(source.uuid).map((t) => t.uuid),
    );
    for (const d of clone.drives) this.refreshDriveStatus(d.drive);
    this.note(`clone of server ${source.name} (${source.uuid}) -> ${clone.uuid}`);
    this.markDirty();
    return clone;
  }

  startServer(uuid: string, avoid: string[]): void {
    const server = this.server(uuid);
    if (server.status !== "stopped")
      throw forbidden(`Cannot start guest ${uuid}: it is ${server.status}`, null);
    for (const attachment of server.drives) {
      const drive = this.data.drives[attachment.drive];
      if (!drive || this.gone(drive.deleteAt))
        throw forbidden(`Cannot start guest ${uuid}: drive ${attachment.drive} does not exist`);
      if (!["mounted", "unmounted", "cloning_src"].includes(drive.status))
        throw forbidden(`Cannot start guest ${uuid}: drive ${drive.uuid} is ${drive.status}`);
    }
    const capacity = this.faults.spec.capacity;
    if (capacity !== undefined && capacity !== null) {
      const active = this.servers().filter((s) => s.status === "running" || s.status === "starting").length;
      if (active >= capacity)
        throw new ApiError(
          503,
          "backend",
          "The cloud is out of capacity to start this guest. Please retry later.",
        );
    }
    const needed = guestCostPerSecond(server.cpu, server.mem) * FIVE_DAYS;
    if (this.data.balance < needed)
      throw new ApiError(
        402,
        "billing",
        `Not enough funds to start guest ${uuid}: 5 days of burst usage cost ${needed.toFixed(2)} ${this.data.currency}, the balance is ${this.data.balance.toFixed(2)} ${this.data.currency}`,
      );
    const now = this.now();
    server.status = "starting";
    server.host = this.pickHost(avoid);
    server.provision ??= provisionSeconds(this.latency, this.inFlight() + 1, this.random);
    const seconds = server.provision * this.latency.shares.start;
    server.pending = { kind: "start", due: now + seconds * 1000, provisioning: true };
    this.note(`start ${server.name} (${uuid}) on ${server.host}, running in ${seconds.toFixed(1)} s`);
    this.markDirty();
  }

  private pickHost(avoid: string[]): string {
    const count = this.options.hosts ?? 16;
    const load = new Map<string, number>();
    for (let i = 1; i <= count; i++) load.set(`host-${String(i).padStart(2, "0")}`, 0);
    const avoided = new Set<string>();
    for (const s of this.servers()) {
      if (!s.host) continue;
      load.set(s.host, (load.get(s.host) ?? 0) + 1);
      if (avoid.includes(s.uuid)) avoided.add(s.host);
    }
    const ranked = [...load.entries()].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
    // `avoid` is a hint: when every host holds an avoided guest, the least loaded host is used.
    return (ranked.find(([host]) => !avoided.has(host)) ?? ranked[0]!)[0];
  }

  stopServer(uuid: string): void {
    const server = this.server(uuid);
    if (server.status !== "running" && server.status !== "starting" && server.status !== "stopping")
      throw forbidden(`Cannot stop guest ${uuid}: it is ${server.status}`);
    void this.launcher?.kill(uuid, 0);
    server.status = "stopping";
    server.pending = { kind: "stop", due: this.now() + between(this.random, this.latency.stop) * 1000 };
    this.markDirty();
  }

  shutdownServer(uuid: string): void {
    const server = this.server(uuid);
    if (server.status !== "running")
      throw forbidden(`Cannot shut down guest ${uuid}: it is ${server.status}`);
    server.status = "stopping";
    const now = this.now();
    if (this.launcher?.signal(uuid, "SIGTERM")) {
      server.pending = { kind: "shutdown", due: now + this.latency.acpiTimeout * 1000 };
    } else {
      // No process (or still booting): the guest powers off at once.
      server.pending = { kind: "stop", due: now + between(this.random, this.latency.stop) * 1000 };
    }
    this.markDirty();
  }

  deleteServer(uuid: string, recurse: string | null): void {
    const server = this.server(uuid);
    if (recurse !== null && !["all_drives", "disks", "cdroms"].includes(recurse))
      throw invalid("recurse", "recurse must be one of all_drives, disks, cdroms");
    if (server.status === "running" || server.status === "starting" || server.status === "stopping")
      throw forbidden(`Cannot delete guest ${uuid}: it is ${server.status}; stop it first`);
    const now = this.now();
    server.deleteAt = now + between(this.random, this.latency.deleteServer) * 1000;
    server.deleteDrives = server.drives
      .map((a) => this.data.drives[a.drive])
      .filter((d): d is Drive => d !== undefined)
      .filter(
        (d) =>
          recurse === "all_drives" ||
          (recurse === "disks" ? d.media === "disk" : recurse === "cdroms" && d.media === "cdrom"),
      )
      .filter((d) => this.mountedOn(d.uuid).every((s) => s.uuid === uuid))
      .map((d) => d.uuid);
    this.note(`delete server ${server.name} (${uuid})${recurse ? ` recurse=${recurse}` : ""}`);
    this.markDirty();
  }

  private guestExited(uuid: string, info: GuestProcess): void {
    const server = this.data.servers[uuid];
    this.note(`guest process of ${uuid} exited (${info.signal ?? `code ${info.exitCode}`})`);
    if (server?.status === "stopping" && server.pending?.kind === "shutdown") {
      // The guest handled the ACPI shutdown and powered off.
      server.pending = { kind: "stop", due: this.now() + 1000 };
      this.markDirty();
    }
  }

  private launchGuest(server: Server): void {
    if (!this.launcher) return;
    try {
      const info = this.launcher.launch({ uuid: server.uuid, name: server.name, meta: server.meta });
      this.note(`guest ${server.name} (${server.uuid}) booted: pid ${info.pid}, ${info.command}`);
    } catch (error) {
      this.note(`guest ${server.uuid} failed to launch: ${(error as Error).message}`);
    }
  }

  availabilityGroups(): string[][] {
    const byHost = new Map<string, string[]>();
    for (const s of this.servers()) if (s.host) byHost.set(s.host, [...(byHost.get(s.host) ?? []), s.uuid]);
    return [...byHost.values()].filter((group) => group.length > 1);
  }

  // ---------------------------------------------------------------- drives

  private newDrive(def: Record<string, unknown>, now: number): Drive {
    const name = def["name"];
    const size = typeof def["size"] === "string" ? Number(def["size"]) : def["size"];
    const media = def["media"];
    if (typeof name !== "string" || name === "") throw invalid("name", "This field is required");
    if (typeof size !== "number" || !Number.isInteger(size)) throw invalid("size", "This field is required");
    if (media !== "disk" && media !== "cdrom") throw invalid("media", "Select a valid choice: cdrom, disk");
    const storage = (def["storage_type"] as string | undefined) ?? capabilities.default_storage_type;
    const limits = (capabilities.drives as Record<string, { min_size: number; max_size: number }>)[storage];
    if (!limits) throw invalid("storage_type", `Storage type ${storage} is not available here`);
    if (size < limits.min_size || size > limits.max_size)
      throw invalid("size", `Drive size must be between ${limits.min_size} and ${limits.max_size} bytes`);
    const drive: Drive = {
      uuid: randomUUID(),
      name,
      size,
      media,
      storage_type: storage,
      meta: checkMeta(def["meta"] ?? {}),
      affinities: Array.isArray(def["affinities"]) ? (def["affinities"] as string[]) : [],
      allow_multimount: bool(def["allow_multimount"], false),
      licenses: [],
      jobs: [],
      status: "creating",
      readyAt: now + between(this.random, this.latency.driveCreate) * 1000,
      cloneOf: null,
      cloneFails: false,
      deleteAt: null,
    };
    this.data.drives[drive.uuid] = drive;
    return drive;
  }

  createDrives(defs: Array<Record<string, unknown>>): Drive[] {
    const now = this.now();
    const tags = defs.map((def) => this.tagList(def["tags"]));
    const created: Drive[] = [];
    try {
      for (const def of defs) created.push(this.newDrive(def, now));
    } catch (error) {
      for (const d of created) delete this.data.drives[d.uuid];
      throw error;
    }
    for (const [i, drive] of created.entries()) this.setTagsOf(drive.uuid, tags[i]!);
    this.markDirty();
    return created;
  }

  updateDrive(uuid: string, def: Record<string, unknown>): Drive {
    const drive = this.drive(uuid);
    const tags = def["tags"] === undefined ? null : this.tagList(def["tags"]);
    const meta = def["meta"] === undefined ? drive.meta : checkMeta(def["meta"]);
    if (tags) this.setTagsOf(uuid, tags);
    if (typeof def["name"] === "string" && def["name"] !== "") drive.name = def["name"];
    drive.meta = meta;
    if (def["allow_multimount"] !== undefined) drive.allow_multimount = bool(def["allow_multimount"], false);
    const onRunning = this.mountedOn(uuid).some((s) => s.status !== "stopped");
    if (!onRunning) {
      if (def["media"] === "disk" || def["media"] === "cdrom") drive.media = def["media"];
      const size = typeof def["size"] === "string" ? Number(def["size"]) : def["size"];
      if (typeof size === "number" && Number.isInteger(size) && size > 0) drive.size = size;
    }
    this.markDirty();
    return drive;
  }

  cloneDrive(uuid: string, body: Record<string, unknown>): Drive {
    const source = this.drive(uuid);
    const copy = this.startDriveClone(source, body, this.now());
    this.markDirty();
    return copy;
  }

  /** Starts copying `source`; `total` is the provision the copy belongs to (drawn now when not given). */
  private startDriveClone(source: Drive, body: Record<string, unknown>, now: number, total?: number): Drive {
    if (!["mounted", "unmounted", "cloning_src"].includes(source.status))
      throw forbidden(`Cannot clone drive ${source.uuid}: it is ${source.status}`);
    const size = typeof body["size"] === "string" ? Number(body["size"]) : body["size"];
    if (size !== undefined && (typeof size !== "number" || size < source.size))
      throw invalid("size", "The size of a clone can only be bigger than or the same as its source");
    const slow = this.faults.cloneSlowFactor();
    const provision = total ?? provisionSeconds(this.latency, this.inFlight() + 1, this.random);
    const seconds = provision * this.latency.shares.clone * slow;
    const copy: Drive = {
      ...structuredClone(source),
      uuid: randomUUID(),
      name: typeof body["name"] === "string" && body["name"] !== "" ? body["name"] : source.name,
      size: (size as number | undefined) ?? source.size,
      media: body["media"] === "cdrom" || body["media"] === "disk" ? body["media"] : source.media,
      storage_type: typeof body["storage_type"] === "string" ? body["storage_type"] : source.storage_type,
      affinities: Array.isArray(body["affinities"]) ? (body["affinities"] as string[]) : source.affinities,
      status: "cloning_dst",
      readyAt: now + seconds * 1000,
      cloneOf: source.uuid,
      cloneFails: this.faults.takeCloneFailure(),
      deleteAt: null,
      jobs: [],
    };
    const job = this.newJob("drive_clone", [`drives/${source.uuid}`, `drives/${copy.uuid}`], now);
    job.end = copy.readyAt!;
    copy.jobs = [job.uuid];
    source.jobs = [...source.jobs, job.uuid];
    source.status = "cloning_src";
    this.data.drives[copy.uuid] = copy;
    this.note(
      `clone of drive ${source.name} (${source.uuid}) -> ${copy.uuid}, ready in ${seconds.toFixed(1)} s${copy.cloneFails ? " (will fail)" : ""}`,
    );
    return copy;
  }

  deleteDrive(uuid: string): void {
    const drive = this.drive(uuid);
    const busy = this.mountedOn(uuid).find((s) => s.status !== "stopped" && s.status !== "unavailable");
    if (busy)
      throw forbidden(
        `Cannot delete drive ${uuid}: it is mounted on guest ${busy.uuid}, which is ${busy.status}`,
      );
    drive.deleteAt ??= this.now() + between(this.random, this.latency.deleteDrive) * 1000;
    this.markDirty();
  }

  /** A drive's status from its attachments, unless a copy or creation is in progress. */
  private refreshDriveStatus(uuid: string): void {
    const drive = this.data.drives[uuid];
    if (!drive || ["creating", "cloning_dst", "unavailable", "resizing"].includes(drive.status)) return;
    const cloning = Object.values(this.data.drives).some(
      (d) => d.cloneOf === uuid && d.status === "cloning_dst" && !this.gone(d.deleteAt),
    );
    drive.status = cloning ? "cloning_src" : this.mountedOn(uuid).length > 0 ? "mounted" : "unmounted";
  }

  private newJob(operation: Job["operation"], resources: string[], now: number): Job {
    const job: Job = {
      uuid: randomUUID(),
      operation,
      resources: resources.map((r) => `/api/2.0/${r}/`),
      children: [],
      created: now,
      last_modified: now,
      start: now,
      end: now,
      state: "started",
    };
    this.data.jobs[job.uuid] = job;
    return job;
  }

  jobProgress(job: Job): number {
    if (job.state !== "started") return 100;
    const span = job.end - job.start;
    if (span <= 0) return 100;
    return Math.min(99, Math.max(0, Math.floor(((this.now() - job.start) / span) * 100)));
  }

  // ---------------------------------------------------------------- tags

  /** Makes `uuid` carry exactly the given tags. */
  setTagsOf(uuid: string, tagUuids: string[]): void {
    for (const tag of Object.values(this.data.tags)) {
      const has = tag.resources.includes(uuid);
      const wants = tagUuids.includes(tag.uuid);
      if (has && !wants) tag.resources = tag.resources.filter((r) => r !== uuid);
      if (!has && wants) tag.resources.push(uuid);
    }
  }

  /** A definition's `tags` (UUIDs or {uuid} references), each an existing tag. */
  private tagList(value: unknown): string[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw invalid("tags", "Expected a list of tag UUIDs");
    return value.map((t, i) => {
      const uuid = typeof t === "string" ? t : (t as { uuid?: string } | null)?.uuid;
      if (typeof uuid !== "string" || !this.data.tags[uuid])
        throw invalid(`tags.${i}`, `Tag ${String(uuid)} does not exist`);
      return uuid;
    });
  }

  private checkResources(value: unknown): string[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw invalid("resources", "Expected a list of resource UUIDs");
    return value.map((r, i) => {
      const uuid = typeof r === "string" ? r : (r as { uuid?: string } | null)?.uuid;
      if (typeof uuid !== "string" || this.resourceType(uuid) === null)
        throw invalid(`resources.${i}`, `Resource ${String(uuid)} does not exist`);
      return uuid;
    });
  }

  createTags(defs: Array<Record<string, unknown>>): Tag[] {
    const tags = defs.map((def) => {
      if (typeof def["name"] !== "string" || def["name"] === "")
        throw invalid("name", "This field is required");
      return {
        uuid: randomUUID(),
        name: def["name"],
        meta: checkMeta(def["meta"] ?? {}),
        resources: [...new Set(this.checkResources(def["resources"]))],
      };
    });
    for (const tag of tags) this.data.tags[tag.uuid] = tag;
    this.markDirty();
    return tags;
  }

  updateTag(uuid: string, def: Record<string, unknown>): Tag {
    const tag = this.tag(uuid);
    if (def["resources"] !== undefined) tag.resources = [...new Set(this.checkResources(def["resources"]))];
    if (typeof def["name"] === "string" && def["name"] !== "") tag.name = def["name"];
    if (def["meta"] !== undefined) tag.meta = checkMeta(def["meta"]);
    this.markDirty();
    return tag;
  }

  deleteTag(uuid: string): void {
    this.tag(uuid);
    delete this.data.tags[uuid];
    this.markDirty();
  }

  // ---------------------------------------------------------------- VLANs, IPs, subscriptions

  updateMeta(kind: "vlans" | "ips", uuid: string, def: Record<string, unknown>): void {
    const item = this.data[kind][uuid];
    if (!item) throw notFound(kind === "vlans" ? "VLAN" : "IP", uuid);
    const tags = def["tags"] === undefined ? null : this.tagList(def["tags"]);
    if (def["meta"] !== undefined) item.meta = checkMeta(def["meta"]);
    if (tags) this.setTagsOf(uuid, tags);
    this.markDirty();
  }

  buySubscriptions(defs: Array<Record<string, unknown>>, now = this.now(), free = false): Subscription[] {
    const plans = defs.map((def) => {
      const resource = def["resource"] === "hdd" ? "dssd" : def["resource"];
      if (typeof resource !== "string") throw invalid("resource", "This field is required");
      if (!["dssd", "cpu", "mem", "tx", "ip", "vlan"].includes(resource))
        throw invalid("resource", `Unknown resource ${resource}`);
      const amount = Number(def["amount"]);
      if (!Number.isInteger(amount) || amount <= 0) throw invalid("amount", "This field is required");
      const seconds = subscriptionSeconds(def, now);
      const period =
        typeof def["period"] === "string" ? def["period"] : `${Math.round(seconds / 86400)} days`;
      return { resource, amount, seconds, period, auto_renew: bool(def["auto_renew"], true) };
    });
    const units = plans.flatMap((p) =>
      p.resource === "ip" || p.resource === "vlan"
        ? Array.from({ length: p.amount }, () => ({ ...p, amount: 1 }))
        : [p],
    );
    if (units.length > 500)
      throw invalid("objects", "At most 500 subscriptions can be bought in one request");
    const prices = units.map((u) => subscriptionPrice(u.resource, u.amount, u.seconds));
    const total = prices.reduce((a, b) => a + b, 0);
    if (!free && this.data.balance < total)
      throw new ApiError(
        402,
        "billing",
        `Not enough funds: the subscriptions cost ${total.toFixed(2)} ${this.data.currency}, the balance is ${this.data.balance.toFixed(2)} ${this.data.currency}`,
      );
    const subs = units.map((u, i) => {
      const sub: Subscription = {
        id: this.data.nextSubscriptionId++,
        uuid: randomUUID(),
        resource: u.resource,
        amount: u.amount,
        period: u.period,
        periodSeconds: u.seconds,
        start: now,
        end: now + u.seconds * 1000,
        auto_renew: u.auto_renew,
        price: free ? 0 : prices[i]!,
        status: "active",
        subscribed_object: null,
        descendants: [],
      };
      if (u.resource === "vlan") {
        const vlan = { uuid: randomUUID(), meta: {}, subscription: sub.id, leakedServers: [] };
        this.data.vlans[vlan.uuid] = vlan;
        sub.subscribed_object = vlan.uuid;
      } else if (u.resource === "ip") {
        const ip = { uuid: this.freeIp(), meta: {}, subscription: sub.id };
        this.data.ips[ip.uuid] = ip;
        sub.subscribed_object = ip.uuid;
      }
      this.data.subscriptions[String(sub.id)] = sub;
      if (!free)
        this.charge(sub.price, `Subscription: ${u.amount} ${u.resource} for ${u.period}`, now, u.amount);
      return sub;
    });
    this.markDirty();
    return subs;
  }

  subscription(id: string): Subscription {
    const sub = this.data.subscriptions[id];
    if (!sub) throw new ApiError(404, "notexist", `Subscription with id ${id} does not exist`);
    return sub;
  }

  setAutoRenew(id: string, value: unknown): Subscription {
    const sub = this.subscription(id);
    sub.auto_renew = typeof value === "boolean" ? value : !sub.auto_renew;
    this.markDirty();
    return sub;
  }

  extendSubscription(id: string, def: Record<string, unknown>): Subscription {
    let sub = this.subscription(id);
    while (sub.descendants.length > 0) sub = this.subscription(String(sub.descendants.at(-1)));
    const seconds = def["period"] || def["end_time"] ? subscriptionSeconds(def, sub.end) : sub.periodSeconds;
    return this.renew(sub, seconds, true)!;
  }

  /** Starts the next subscription in `sub`'s chain; null if the balance cannot pay for it. */
  private renew(sub: Subscription, seconds: number, strict: boolean): Subscription | null {
    const price = subscriptionPrice(sub.resource, sub.amount, seconds);
    if (this.data.balance < price) {
      if (strict) throw new ApiError(402, "billing", `Not enough funds to extend subscription ${sub.id}`);
      return null;
    }
    const next: Subscription = {
      ...structuredClone(sub),
      id: this.data.nextSubscriptionId++,
      uuid: randomUUID(),
      periodSeconds: seconds,
      start: sub.end,
      end: sub.end + seconds * 1000,
      price,
      status: sub.end <= this.now() ? "active" : "inactive",
      descendants: [],
    };
    sub.descendants.push(next.id);
    this.data.subscriptions[String(next.id)] = next;
    this.charge(
      price,
      `Subscription: ${sub.amount} ${sub.resource} for ${sub.period} (renewal of ${sub.id})`,
      this.now(),
      sub.amount,
    );
    this.markDirty();
    return next;
  }

  private freeIp(): string {
    for (let i = 10; i < 250; i++) {
      const ip = `198.51.100.${i}`;
      if (!this.data.ips[ip]) return ip;
    }
    return `203.0.113.${1 + Object.keys(this.data.ips).length}`;
  }

  /** Subscribed amount of a resource now (active subscriptions). */
  subscribed(resource: string): number {
    return Object.values(this.data.subscriptions)
      .filter((s) => s.resource === resource && s.status === "active")
      .reduce((sum, s) => sum + s.amount, 0);
  }

  /** What the account uses now, per billed resource. */
  using(): Record<string, number> {
    const active = this.servers().filter(
      (s) => s.status === "running" || s.status === "stopping" || s.status === "starting",
    );
    const leaked = Object.values(this.data.vlans).reduce((n, v) => n + v.leakedServers.length, 0);
    return {
      cpu: active.reduce((n, s) => n + s.cpu, 0),
      mem: active.reduce((n, s) => n + s.mem, 0),
      dssd: this.drives().reduce((n, d) => n + d.size, 0),
      ip: Object.keys(this.data.ips).length,
      vlan: Object.keys(this.data.vlans).length + leaked,
      tx: 0,
    };
  }

  // ---------------------------------------------------------------- billing

  private charge(
    amount: number,
    reason: string,
    now: number,
    resourceAmount: number,
    interval: number | null = null,
  ): void {
    const initial = this.data.balance;
    this.data.balance -= amount;
    this.data.ledger.unshift({
      id: this.data.nextLedgerId++,
      amount,
      initial,
      end: this.data.balance,
      billing_cycle: interval === null ? null : this.data.billingCycle,
      interval,
      poll_time: now,
      time: now,
      reason,
      resource_amount: resourceAmount,
    });
    if (this.data.ledger.length > 10000) this.data.ledger.length = 10000;
  }

  private accrue(now: number): void {
    const dt = (now - this.data.accruedSince) / 1000;
    if (dt <= 0) return;
    const using = this.using();
    for (const [resource, amount] of Object.entries(using)) {
      const burst = Math.max(0, amount - this.subscribed(resource));
      if (burst > 0) this.data.accrued[resource] = (this.data.accrued[resource] ?? 0) + burst * dt;
    }
    this.data.accruedSince = now;
  }

  /** Charges the burst usage accrued since the last run (every billingInterval simulated seconds). */
  bill(now = this.now()): void {
    this.accrue(now);
    const interval = Math.max(1, Math.round((now - this.lastBilling) / 1000));
    const at = new Date(now).toISOString().slice(0, 16).replace("T", " ");
    for (const [resource, unitSeconds] of Object.entries(this.data.accrued)) {
      if (unitSeconds <= 0) continue;
      const amount = unitSeconds * burstPricePerUnitSecond(resource);
      const average = unitSeconds / interval;
      this.charge(
        amount,
        `Burst: ${describeAmount(resource, average)} of ${resource} for ${humanInterval(interval)} at ${at}`,
        now,
        Math.round(average),
        interval,
      );
    }
    this.data.accrued = {};
    this.data.billingCycle++;
    this.lastBilling = now;
    this.markDirty();
    if (this.data.balance <= 0 && this.options.stopWhenBroke !== false) {
      for (const s of this.servers()) {
        if (s.status === "running" || s.status === "starting") {
          this.note(`balance ${this.data.balance.toFixed(2)}: stopping guest ${s.uuid}`);
          this.stopServer(s.uuid);
        }
      }
    }
  }

  setBalance(balance: number): void {
    this.accrue(this.now());
    this.data.balance = balance;
    this.markDirty();
  }

  // ---------------------------------------------------------------- the clock's work

  tick(): void {
    const now = this.now();
    this.accrue(now);
    for (const drive of Object.values(this.data.drives)) this.advanceDrive(drive, now);
    for (const server of Object.values(this.data.servers)) this.advanceServer(server, now);
    for (const sub of Object.values(this.data.subscriptions)) this.advanceSubscription(sub, now);
    if (now - this.lastJobPrune > 3600_000) this.pruneJobs(now);
    if (now - this.lastBilling >= (this.options.billingInterval ?? 300) * 1000) this.bill(now);
    for (const listener of this.tickListeners) listener(now);
    if (this.dirty && Date.now() - this.lastSave > 200) this.save();
  }

  /** "History of completed jobs is kept for 3 days." */
  private pruneJobs(now: number): void {
    this.lastJobPrune = now;
    const old = new Set(
      Object.values(this.data.jobs)
        .filter((j) => j.state !== "started" && j.last_modified < now - 3 * 86400_000)
        .map((j) => j.uuid),
    );
    if (old.size === 0) return;
    for (const uuid of old) delete this.data.jobs[uuid];
    for (const item of [...Object.values(this.data.drives), ...Object.values(this.data.servers)])
      item.jobs = item.jobs.filter((j) => !old.has(j));
    for (const job of Object.values(this.data.jobs)) job.children = job.children.filter((c) => !old.has(c));
    this.markDirty();
  }

  private advanceDrive(drive: Drive, now: number): void {
    if (drive.readyAt !== null && drive.readyAt <= now) {
      drive.readyAt = null;
      const job = drive.jobs.length ? this.data.jobs[drive.jobs.at(-1)!] : undefined;
      if (drive.status === "cloning_dst" && drive.cloneFails) {
        drive.status = "unavailable";
        if (job) Object.assign(job, { state: "failed", last_modified: now });
        this.note(`clone ${drive.uuid} failed`);
      } else {
        drive.status = "unmounted";
        if (job && job.state === "started") Object.assign(job, { state: "success", last_modified: now });
        this.refreshDriveStatus(drive.uuid);
      }
      if (drive.cloneOf) this.refreshDriveStatus(drive.cloneOf);
      for (const server of this.mountedOn(drive.uuid)) this.advanceServerClone(server, now);
      this.markDirty();
    }
    if (drive.deleteAt !== null && drive.deleteAt <= now && drive.readyAt === null) {
      for (const server of Object.values(this.data.servers)) {
        if (server.drives.some((d) => d.drive === drive.uuid))
          server.drives = server.drives.filter((d) => d.drive !== drive.uuid);
      }
      for (const tag of Object.values(this.data.tags))
        tag.resources = tag.resources.filter((r) => r !== drive.uuid);
      delete this.data.drives[drive.uuid];
      if (drive.cloneOf) this.refreshDriveStatus(drive.cloneOf);
      this.markDirty();
    }
  }

  /** A server clone's job ends when the last of its drive copies does. */
  private advanceServerClone(server: Server, now: number): void {
    if (!server.cloneJob) return;
    const job = this.data.jobs[server.cloneJob];
    const children = (job?.children ?? [])
      .map((c) => this.data.jobs[c])
      .filter((j): j is Job => j !== undefined);
    if (children.some((c) => c.state === "started")) return;
    const failed = children.some((c) => c.state === "failed");
    if (job) Object.assign(job, { state: failed ? "failed" : "success", last_modified: now });
    server.cloneJob = null;
    if (failed) server.status = "unavailable";
  }

  private advanceServer(server: Server, now: number): void {
    const pending = server.pending;
    if (pending && pending.due <= now && server.deleteAt === null) {
      server.pending = null;
      switch (pending.kind) {
        case "start": {
          server.status = "running";
          server.activeSince = now;
          server.dynamicIps = {};
          server.nics.forEach((nic, i) => {
            if (nic.ip_v4_conf?.conf === "dhcp")
              server.dynamicIps[nic.mac] = `203.0.113.${((hash(server.uuid) + i) % 250) + 2}`;
          });
          const total = server.provision ?? provisionSeconds(this.latency, this.inFlight() + 1, this.random);
          const boot = total * this.latency.shares.boot;
          server.pending = { kind: "boot", due: now + boot * 1000, provisioning: true };
          break;
        }
        case "boot":
          server.provision = null;
          this.launchGuest(server);
          break;
        case "stop":
          server.provision = null;
          void this.launcher?.kill(server.uuid, 0);
          server.status = "stopped";
          server.host = null;
          server.activeSince = null;
          server.dynamicIps = {};
          break;
        case "shutdown":
          // The guest ignored the ACPI events for a minute: it stays up, for a hard stop.
          server.status = "running";
          break;
      }
      this.markDirty();
    }
    if (server.deleteAt !== null && server.deleteAt <= now) this.removeServer(server);
  }

  private removeServer(server: Server): void {
    void this.launcher?.kill(server.uuid, 0);
    const now = this.now();
    for (const uuid of server.deleteDrives) {
      const drive = this.data.drives[uuid];
      if (drive) drive.deleteAt ??= now + between(this.random, this.latency.deleteDrive) * 1000;
    }
    if (this.faults.spec.vlanLeak) {
      for (const nic of server.nics) {
        const vlan = nic.vlan ? this.data.vlans[nic.vlan] : undefined;
        if (vlan) {
          vlan.leakedServers.push(server.uuid);
          this.note(`VLAN billing leak: VLAN ${vlan.uuid} still billed for deleted server ${server.uuid}`);
        }
      }
    }
    for (const tag of Object.values(this.data.tags))
      tag.resources = tag.resources.filter((r) => r !== server.uuid);
    delete this.data.servers[server.uuid];
    for (const a of server.drives)
      if (!server.deleteDrives.includes(a.drive)) this.refreshDriveStatus(a.drive);
    this.markDirty();
  }

  private advanceSubscription(sub: Subscription, now: number): void {
    if (sub.status === "inactive" && sub.start <= now) {
      sub.status = "active";
      this.markDirty();
    }
    if (sub.status !== "active" || sub.end > now) return;
    sub.status = "expired";
    const next = sub.descendants.length
      ? this.data.subscriptions[String(sub.descendants.at(-1))]
      : sub.auto_renew
        ? this.renew(sub, sub.periodSeconds, false)
        : null;
    const object = sub.subscribed_object;
    if (next) {
      next.status = "active";
      if (object && this.data.vlans[object]) this.data.vlans[object]!.subscription = next.id;
      if (object && this.data.ips[object]) this.data.ips[object]!.subscription = next.id;
    } else if (object) {
      // "The VLAN will disappear when the subscription for it expires."
      delete this.data.vlans[object];
      delete this.data.ips[object];
      for (const tag of Object.values(this.data.tags))
        tag.resources = tag.resources.filter((r) => r !== object);
      this.note(`subscription ${sub.id} (${sub.resource}) expired`);
    }
    this.markDirty();
  }
}

// ---------------------------------------------------------------- helpers

function bool(value: unknown, fallback: boolean): boolean {
  return typeof value === "boolean" ? value : fallback;
}

function conf(value: unknown, point: string): { conf: string; ip: string | null } | null {
  if (value === undefined || value === null) return null;
  const c = value as { conf?: unknown; ip?: unknown };
  const mode = c.conf ?? "dhcp";
  if (!["dhcp", "static", "manual"].includes(mode as string))
    throw invalid(`${point}.conf`, "Select a valid choice: dhcp, static, manual");
  const ip = typeof c.ip === "string" ? c.ip : ((c.ip as { uuid?: string } | null)?.uuid ?? null);
  return { conf: mode as string, ip };
}

function checkMeta(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw invalid("meta", "meta must be an object of string values");
  const meta: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key.length > 32) throw invalid("meta", `meta key ${key} is longer than 32 characters`);
    meta[key] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return meta;
}

function subscriptionSeconds(def: Record<string, unknown>, now: number): number {
  const period = def["period"];
  const end = def["end_time"];
  if (typeof end === "string") {
    const t = Date.parse(end);
    if (Number.isNaN(t) || t <= now)
      throw invalid("end_time", "end_time must be an ISO 8601 time in the future");
    if (period) throw invalid("period", "Ambiguous: give either period or end_time");
    return (t - now) / 1000;
  }
  if (typeof period !== "string")
    throw invalid("period", "Not specific enough: give a period or an end_time");
  const seconds = parsePeriod(period);
  if (seconds === null) throw invalid("period", `Cannot understand the period "${period}"`);
  return seconds;
}

function randomMac(): string {
  return ["22", ...Array.from(randomBytes(5), (b) => b.toString(16).padStart(2, "0"))].join(":");
}

function hash(text: string): number {
  let h = 0;
  for (const ch of text) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h;
}

function describeAmount(resource: string, average: number): string {
  if (resource === "cpu") return `${(average / 1000).toFixed(2)} GHz`;
  if (resource === "mem" || resource === "dssd" || resource === "tx")
    return `${(average / GIB).toFixed(2)} GB`;
  return `${average.toFixed(2)}`;
}

export function humanInterval(seconds: number): string {
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} minutes`;
  return `${Math.round(minutes / 60)} hours`;
}

function loadData(file: string): SimData {
  const data = JSON.parse(readFileSync(file, "utf8")) as SimData;
  if (data.version !== 1) throw new Error(`${file}: unknown simulator state version ${String(data.version)}`);
  return data;
}
