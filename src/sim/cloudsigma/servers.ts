// Simulated servers: definitions validated as CloudSigma validates them, clones, start (with `avoid`),
// stop, ACPI shutdown, delete, and their asynchronous transitions (starting → running → booted guest,
// stopping → stopped, deleted → 404).
import { randomBytes, randomUUID } from "node:crypto";
import { capabilities } from "./capabilities.ts";
import type { CloudSigmaEngine } from "./engine.ts";
import { ApiError, forbidden, invalid } from "./errors.ts";
import { between, provisionSeconds } from "./latency.ts";
import type { Drive, Nic, Server, ServerDrive } from "./model.ts";
import type { GuestProcess } from "./nodes.ts";
import { guestCostPerSecond } from "./pricing.ts";
import { bool, checkMeta, conf, hash, randomMac, uuidOf } from "./values.ts";

const FIVE_DAYS = 5 * 86400;

export class Servers {
  readonly #e: CloudSigmaEngine;

  constructor(engine: CloudSigmaEngine) {
    this.#e = engine;
  }

  get(uuid: string): Server {
    return this.#e.find(this.#e.data.servers, uuid, "Server");
  }

  list(): Server[] {
    return this.#e.live(this.#e.data.servers);
  }

  /** Servers whose definition attaches the drive. */
  mounting(driveUuid: string): Server[] {
    return this.list().filter((s) => s.drives.some((d) => d.drive === driveUuid));
  }

  /** Servers starting or booting (provisions under way). */
  provisioning(): number {
    return this.list().filter((s) => s.pending?.provisioning).length;
  }

  availabilityGroups(): string[][] {
    const byHost = new Map<string, string[]>();
    for (const s of this.list()) if (s.host) byHost.set(s.host, [...(byHost.get(s.host) ?? []), s.uuid]);
    return [...byHost.values()].filter((group) => group.length > 1);
  }

  /** A server from a definition (or an update of `existing`), validated; not yet stored. */
  define(def: Record<string, unknown>, existing?: Server): Server {
    const { name, cpu, mem, smp, vnc, cpuType } = checkServerBasics(def);
    const meta = checkMeta(def["meta"] ?? existing?.meta ?? {});
    const uuid = existing?.uuid ?? randomUUID();
    return {
      uuid,
      name,
      cpu,
      mem,
      smp,
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
      drives: this.#attachments(def["drives"], uuid),
      nics: this.#nics(def["nics"], existing?.nics ?? []),
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

  #attachments(value: unknown, serverUuid: string): ServerDrive[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw invalid("drives", "Expected a list of drive attachments");
    return value.map((entry: Record<string, unknown>, i) => {
      const driveUuid = uuidOf(entry?.["drive"]);
      if (typeof driveUuid !== "string") throw invalid(`drives.${i}.drive`, "This field is required");
      const drive = this.#e.data.drives[driveUuid];
      if (!drive || this.#e.gone(drive.deleteAt))
        throw invalid(`drives.${i}.drive`, `Drive ${driveUuid} does not exist`);
      const device = entry["device"];
      if (!["ide", "virtio", "scsi"].includes(device as string))
        throw invalid(`drives.${i}.device`, "Select a valid choice: ide, virtio, scsi");
      const channel = entry["dev_channel"];
      if (typeof channel !== "string" || !/^\d+:\d+$/.test(channel))
        throw invalid(`drives.${i}.dev_channel`, "Expected {controller:unit}, e.g. 0:0");
      const others = this.mounting(driveUuid).filter((s) => s.uuid !== serverUuid);
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

  #nics(value: unknown, previous: Nic[]): Nic[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw invalid("nics", "Expected a list of NICs");
    return value.map((entry: Record<string, unknown>, i) => {
      const mac = entry?.["mac"];
      if (mac !== undefined && mac !== null && !previous.some((n) => n.mac === mac))
        throw invalid(`nics.${i}.mac`, `MAC ${String(mac)} is not a NIC of this server`);
      const vlan = uuidOf(entry["vlan"]) ?? null;
      const v4 = conf(entry["ip_v4_conf"], `nics.${i}.ip_v4_conf`);
      const v6 = conf(entry["ip_v6_conf"], `nics.${i}.ip_v6_conf`);
      if (vlan && (v4 || v6)) throw invalid(`nics.${i}`, "Cannot assign both Private and Public on a NIC");
      if (vlan && !this.#e.data.vlans[vlan]) throw invalid(`nics.${i}.vlan`, `VLAN ${vlan} does not exist`);
      if (v4?.conf === "static") {
        if (!v4.ip) throw invalid(`nics.${i}.ip_v4_conf.ip`, "A static IP configuration needs an IP");
        if (!this.#e.data.ips[v4.ip]) throw invalid(`nics.${i}.ip_v4_conf.ip`, `IP ${v4.ip} is not yours`);
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

  create(defs: Array<Record<string, unknown>>): Server[] {
    const { tags, drives } = this.#e;
    const created = defs.map((def) => ({ server: this.define(def), tagged: tags.parseList(def["tags"]) }));
    for (const { server, tagged } of created) {
      this.#e.data.servers[server.uuid] = server;
      tags.set(server.uuid, tagged);
      for (const d of server.drives) drives.refreshStatus(d.drive);
    }
    this.#e.markDirty();
    return created.map((c) => c.server);
  }

  update(uuid: string, def: Record<string, unknown>): Server {
    const { tags, drives } = this.#e;
    const server = this.get(uuid);
    const tagged = def["tags"] === undefined ? null : tags.parseList(def["tags"]);
    if (server.status !== "stopped" && server.status !== "unavailable") {
      // A running server takes only name, meta and tags; the rest of the definition is ignored.
      const meta = def["meta"] === undefined ? server.meta : checkMeta(def["meta"]);
      if (typeof def["name"] === "string" && def["name"] !== "") server.name = def["name"];
      server.meta = meta;
      if (tagged) tags.set(uuid, tagged);
      this.#e.markDirty();
      return server;
    }
    // Fields the definition leaves out keep their values.
    const before = server.drives.map((d) => d.drive);
    const current: Record<string, unknown> = { ...server, drives: server.drives, nics: server.nics };
    const merged = Object.fromEntries(
      Object.entries({ ...current, ...def }).map(([k, v]) => [k, v === undefined ? current[k] : v]),
    );
    const updated = this.define(merged, server);
    this.#e.data.servers[uuid] = updated;
    if (tagged) tags.set(uuid, tagged);
    for (const d of new Set([...before, ...updated.drives.map((x) => x.drive)])) drives.refreshStatus(d);
    this.#e.markDirty();
    return updated;
  }

  clone(uuid: string, body: Record<string, unknown>): Server {
    const { drives, tags, jobs } = this.#e;
    const source = this.get(uuid);
    if (source.status === "unavailable")
      throw forbidden(`Server ${uuid} is unavailable and cannot be cloned`);
    const now = this.#e.now();
    const clone = cloneOf(source, body);
    const total = provisionSeconds(this.#e.latency, this.#e.provisionsInFlight() + 1, this.#e.rng);
    clone.provision = total;
    const job = jobs.create("server_clone", [`servers/${source.uuid}`, `servers/${clone.uuid}`], now);
    clone.jobs = [job.uuid];
    clone.cloneJob = job.uuid;
    clone.drives = source.drives.map((attachment) => {
      const drive = drives.get(attachment.drive);
      if (drive.media === "cdrom") return { ...attachment };
      const copy = drives.startClone(drive, { name: drive.name }, now, total);
      const child = this.#e.data.jobs[copy.jobs[0]!]!;
      job.children.push(child.uuid);
      job.end = Math.max(job.end, child.end);
      return { ...attachment, drive: copy.uuid };
    });
    if (job.children.length === 0) {
      job.end = now;
      job.state = "success";
      clone.cloneJob = null;
    }
    this.#e.data.servers[clone.uuid] = clone;
    tags.set(
      clone.uuid,
      tags.of(source.uuid).map((t) => t.uuid),
    );
    for (const d of clone.drives) drives.refreshStatus(d.drive);
    this.#e.note(`clone of server ${source.name} (${source.uuid}) -> ${clone.uuid}`);
    this.#e.markDirty();
    return clone;
  }

  start(uuid: string, avoid: string[]): void {
    const server = this.get(uuid);
    if (server.status !== "stopped")
      throw forbidden(`Cannot start guest ${uuid}: it is ${server.status}`, null);
    this.#checkStartable(server);
    const now = this.#e.now();
    server.status = "starting";
    server.host = this.#pickHost(avoid);
    server.provision ??= provisionSeconds(this.#e.latency, this.#e.provisionsInFlight() + 1, this.#e.rng);
    const seconds = server.provision * this.#e.latency.shares.start;
    server.pending = { kind: "start", due: now + seconds * 1000, provisioning: true };
    this.#e.note(`start ${server.name} (${uuid}) on ${server.host}, running in ${seconds.toFixed(1)} s`);
    this.#e.markDirty();
  }

  /** Drives ready, capacity left (fault), and funds for 5 days of burst usage. */
  #checkStartable(server: Server): void {
    const uuid = server.uuid;
    for (const attachment of server.drives) {
      const drive = this.#e.data.drives[attachment.drive];
      if (!drive || this.#e.gone(drive.deleteAt))
        throw forbidden(`Cannot start guest ${uuid}: drive ${attachment.drive} does not exist`);
      if (!["mounted", "unmounted", "cloning_src"].includes(drive.status))
        throw forbidden(`Cannot start guest ${uuid}: drive ${drive.uuid} is ${drive.status}`);
    }
    const capacity = this.#e.faults.spec.capacity;
    if (capacity !== undefined && capacity !== null) {
      const active = this.list().filter((s) => s.status === "running" || s.status === "starting").length;
      if (active >= capacity)
        throw new ApiError(
          503,
          "backend",
          "The cloud is out of capacity to start this guest. Please retry later.",
        );
    }
    const { data } = this.#e;
    const needed = guestCostPerSecond(server.cpu, server.mem) * FIVE_DAYS;
    if (data.balance < needed)
      throw new ApiError(
        402,
        "billing",
        `Not enough funds to start guest ${uuid}: 5 days of burst usage cost ${needed.toFixed(2)} ${data.currency}, the balance is ${data.balance.toFixed(2)} ${data.currency}`,
      );
  }

  #pickHost(avoid: string[]): string {
    const count = this.#e.hosts;
    const load = new Map<string, number>();
    for (let i = 1; i <= count; i++) load.set(`host-${String(i).padStart(2, "0")}`, 0);
    const avoided = new Set<string>();
    for (const s of this.list()) {
      if (!s.host) continue;
      load.set(s.host, (load.get(s.host) ?? 0) + 1);
      if (avoid.includes(s.uuid)) avoided.add(s.host);
    }
    const ranked = [...load.entries()].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
    // `avoid` is a hint: when every host holds an avoided guest, the least loaded host is used.
    return (ranked.find(([host]) => !avoided.has(host)) ?? ranked[0]!)[0];
  }

  stop(uuid: string): void {
    const server = this.get(uuid);
    if (server.status !== "running" && server.status !== "starting" && server.status !== "stopping")
      throw forbidden(`Cannot stop guest ${uuid}: it is ${server.status}`);
    void this.#e.launcher?.kill(uuid, 0);
    server.status = "stopping";
    server.pending = {
      kind: "stop",
      due: this.#e.now() + between(this.#e.rng, this.#e.latency.stop) * 1000,
    };
    this.#e.markDirty();
  }

  shutdown(uuid: string): void {
    const server = this.get(uuid);
    if (server.status !== "running")
      throw forbidden(`Cannot shut down guest ${uuid}: it is ${server.status}`);
    server.status = "stopping";
    const now = this.#e.now();
    if (this.#e.launcher?.signal(uuid, "SIGTERM")) {
      server.pending = { kind: "shutdown", due: now + this.#e.latency.acpiTimeout * 1000 };
    } else {
      // No process (or still booting): the guest powers off at once.
      server.pending = { kind: "stop", due: now + between(this.#e.rng, this.#e.latency.stop) * 1000 };
    }
    this.#e.markDirty();
  }

  delete(uuid: string, recurse: string | null): void {
    const server = this.get(uuid);
    if (recurse !== null && !["all_drives", "disks", "cdroms"].includes(recurse))
      throw invalid("recurse", "recurse must be one of all_drives, disks, cdroms");
    if (server.status === "running" || server.status === "starting" || server.status === "stopping")
      throw forbidden(`Cannot delete guest ${uuid}: it is ${server.status}; stop it first`);
    const now = this.#e.now();
    server.deleteAt = now + between(this.#e.rng, this.#e.latency.deleteServer) * 1000;
    server.deleteDrives = server.drives
      .map((a) => this.#e.data.drives[a.drive])
      .filter((d): d is Drive => d !== undefined)
      .filter(
        (d) =>
          recurse === "all_drives" ||
          (recurse === "disks" ? d.media === "disk" : recurse === "cdroms" && d.media === "cdrom"),
      )
      .filter((d) => this.mounting(d.uuid).every((s) => s.uuid === uuid))
      .map((d) => d.uuid);
    this.#e.note(`delete server ${server.name} (${uuid})${recurse ? ` recurse=${recurse}` : ""}`);
    this.#e.markDirty();
  }

  guestExited(uuid: string, info: GuestProcess): void {
    const server = this.#e.data.servers[uuid];
    this.#e.note(`guest process of ${uuid} exited (${info.signal ?? `code ${info.exitCode}`})`);
    if (server?.status === "stopping" && server.pending?.kind === "shutdown") {
      // The guest handled the ACPI shutdown and powered off.
      server.pending = { kind: "stop", due: this.#e.now() + 1000 };
      this.#e.markDirty();
    }
  }

  launchGuest(server: Server): void {
    const launcher = this.#e.launcher;
    if (!launcher) return;
    try {
      const info = launcher.launch({ uuid: server.uuid, name: server.name, meta: server.meta });
      this.#e.note(`guest ${server.name} (${server.uuid}) booted: pid ${info.pid}, ${info.command}`);
      // On disk at once: a successor after a kill must find this process to re-adopt, not boot another.
      this.#e.save();
    } catch (error) {
      this.#e.note(`guest ${server.uuid} failed to launch: ${(error as Error).message}`);
    }
  }

  /** A server clone's job ends when the last of its drive copies does. */
  advanceClone(server: Server, now: number): void {
    if (!server.cloneJob) return;
    const job = this.#e.data.jobs[server.cloneJob];
    const children = (job?.children ?? []).map((c) => this.#e.data.jobs[c]).filter((j) => j !== undefined);
    if (children.some((c) => c.state === "started")) return;
    const failed = children.some((c) => c.state === "failed");
    if (job) Object.assign(job, { state: failed ? "failed" : "success", last_modified: now });
    server.cloneJob = null;
    if (failed) server.status = "unavailable";
  }

  /** Does what falls due: a pending transition, a deletion. */
  advance(server: Server, now: number): void {
    const pending = server.pending;
    if (pending && pending.due <= now && server.deleteAt === null) {
      server.pending = null;
      switch (pending.kind) {
        case "start":
          this.#running(server, now);
          break;
        case "boot":
          server.provision = null;
          this.launchGuest(server);
          break;
        case "stop":
          server.provision = null;
          void this.#e.launcher?.kill(server.uuid, 0);
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
      this.#e.markDirty();
    }
    if (server.deleteAt !== null && server.deleteAt <= now) this.#remove(server);
  }

  /** Started: running with DHCP addresses; the guest boots for the provision's boot share. */
  #running(server: Server, now: number): void {
    server.status = "running";
    server.activeSince = now;
    server.dynamicIps = {};
    server.nics.forEach((nic, i) => {
      if (nic.ip_v4_conf?.conf === "dhcp")
        server.dynamicIps[nic.mac] = `203.0.113.${((hash(server.uuid) + i) % 250) + 2}`;
    });
    const total =
      server.provision ?? provisionSeconds(this.#e.latency, this.#e.provisionsInFlight() + 1, this.#e.rng);
    const boot = total * this.#e.latency.shares.boot;
    server.pending = { kind: "boot", due: now + boot * 1000, provisioning: true };
  }

  #remove(server: Server): void {
    const { data } = this.#e;
    void this.#e.launcher?.kill(server.uuid, 0);
    const now = this.#e.now();
    for (const uuid of server.deleteDrives) {
      const drive = data.drives[uuid];
      if (drive) drive.deleteAt ??= now + between(this.#e.rng, this.#e.latency.deleteDrive) * 1000;
    }
    if (this.#e.faults.spec.vlanLeak) {
      for (const nic of server.nics) {
        const vlan = nic.vlan ? data.vlans[nic.vlan] : undefined;
        if (vlan) {
          vlan.leakedServers.push(server.uuid);
          this.#e.note(`VLAN billing leak: VLAN ${vlan.uuid} still billed for deleted server ${server.uuid}`);
        }
      }
    }
    this.#e.tags.forget(server.uuid);
    delete data.servers[server.uuid];
    for (const a of server.drives)
      if (!server.deleteDrives.includes(a.drive)) this.#e.drives.refreshStatus(a.drive);
    this.#e.markDirty();
  }
}

/** name, cpu, mem, smp, vnc_password and cpu_type, within the capabilities' limits. */
function checkServerBasics(def: Record<string, unknown>) {
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
  return { name, cpu: cpu as number, mem: mem as number, smp: smp as number, vnc, cpuType };
}

/** A stopped copy of `source`: new uuid, MACs and VNC password; "IPs of the cloned server are set to DHCP." */
function cloneOf(source: Server, body: Record<string, unknown>): Server {
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
    ip_v4_conf: n.ip_v4_conf ? { conf: "dhcp", ip: null } : null,
  }));
  return clone;
}
