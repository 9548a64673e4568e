// Simulated drives: creation within the storage limits, clones (cloning_src → cloning_dst, with their
// jobs; a clone may fail by fault), updates, deletion, and the status that follows their attachments.
import { randomUUID } from "node:crypto";
import { capabilities } from "./capabilities.ts";
import type { CloudSigmaEngine } from "./engine.ts";
import { forbidden, invalid } from "./errors.ts";
import { between, provisionSeconds } from "./latency.ts";
import type { Drive } from "./model.ts";
import { bool, checkMeta } from "./values.ts";

export class Drives {
  readonly #e: CloudSigmaEngine;

  constructor(engine: CloudSigmaEngine) {
    this.#e = engine;
  }

  get(uuid: string): Drive {
    return this.#e.find(this.#e.data.drives, uuid, "Drive");
  }

  list(): Drive[] {
    return this.#e.live(this.#e.data.drives);
  }

  /** Copies under way (provisions in flight). */
  cloning(): number {
    return this.list().filter((d) => d.status === "cloning_dst").length;
  }

  /** A new drive, stored, `creating` for a while. */
  define(def: Record<string, unknown>, now: number): Drive {
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
      readyAt: now + between(this.#e.rng, this.#e.latency.driveCreate) * 1000,
      cloneOf: null,
      cloneFails: false,
      deleteAt: null,
    };
    this.#e.data.drives[drive.uuid] = drive;
    return drive;
  }

  create(defs: Array<Record<string, unknown>>): Drive[] {
    const now = this.#e.now();
    const { tags } = this.#e;
    const tagged = defs.map((def) => tags.parseList(def["tags"]));
    const created: Drive[] = [];
    try {
      for (const def of defs) created.push(this.define(def, now));
    } catch (error) {
      for (const d of created) delete this.#e.data.drives[d.uuid];
      throw error;
    }
    for (const [i, drive] of created.entries()) tags.set(drive.uuid, tagged[i]!);
    this.#e.markDirty();
    return created;
  }

  update(uuid: string, def: Record<string, unknown>): Drive {
    const drive = this.get(uuid);
    const { tags } = this.#e;
    const tagged = def["tags"] === undefined ? null : tags.parseList(def["tags"]);
    const meta = def["meta"] === undefined ? drive.meta : checkMeta(def["meta"]);
    if (tagged) tags.set(uuid, tagged);
    if (typeof def["name"] === "string" && def["name"] !== "") drive.name = def["name"];
    drive.meta = meta;
    if (def["allow_multimount"] !== undefined) drive.allow_multimount = bool(def["allow_multimount"], false);
    const onRunning = this.#e.servers.mounting(uuid).some((s) => s.status !== "stopped");
    if (!onRunning) {
      if (def["media"] === "disk" || def["media"] === "cdrom") drive.media = def["media"];
      const size = typeof def["size"] === "string" ? Number(def["size"]) : def["size"];
      if (typeof size === "number" && Number.isInteger(size) && size > 0) drive.size = size;
    }
    this.#e.markDirty();
    return drive;
  }

  clone(uuid: string, body: Record<string, unknown>): Drive {
    const source = this.get(uuid);
    const copy = this.startClone(source, body, this.#e.now());
    this.#e.markDirty();
    return copy;
  }

  /** Starts copying `source`; `total` is the provision the copy belongs to (drawn now when not given). */
  startClone(source: Drive, body: Record<string, unknown>, now: number, total?: number): Drive {
    if (!["mounted", "unmounted", "cloning_src"].includes(source.status))
      throw forbidden(`Cannot clone drive ${source.uuid}: it is ${source.status}`);
    const size = typeof body["size"] === "string" ? Number(body["size"]) : body["size"];
    if (size !== undefined && (typeof size !== "number" || size < source.size))
      throw invalid("size", "The size of a clone can only be bigger than or the same as its source");
    const { faults, latency } = this.#e;
    const slow = faults.cloneSlowFactor();
    const provision = total ?? provisionSeconds(latency, this.#e.provisionsInFlight() + 1, this.#e.rng);
    const seconds = provision * latency.shares.clone * slow;
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
      cloneFails: faults.takeCloneFailure(),
      deleteAt: null,
      jobs: [],
    };
    const job = this.#e.jobs.create("drive_clone", [`drives/${source.uuid}`, `drives/${copy.uuid}`], now);
    job.end = copy.readyAt!;
    copy.jobs = [job.uuid];
    source.jobs = [...source.jobs, job.uuid];
    source.status = "cloning_src";
    this.#e.data.drives[copy.uuid] = copy;
    this.#e.note(
      `clone of drive ${source.name} (${source.uuid}) -> ${copy.uuid}, ready in ${seconds.toFixed(1)} s${copy.cloneFails ? " (will fail)" : ""}`,
    );
    return copy;
  }

  delete(uuid: string): void {
    const drive = this.get(uuid);
    const busy = this.#e.servers
      .mounting(uuid)
      .find((s) => s.status !== "stopped" && s.status !== "unavailable");
    if (busy)
      throw forbidden(
        `Cannot delete drive ${uuid}: it is mounted on guest ${busy.uuid}, which is ${busy.status}`,
      );
    drive.deleteAt ??= this.#e.now() + between(this.#e.rng, this.#e.latency.deleteDrive) * 1000;
    this.#e.markDirty();
  }

  /** A drive's status from its attachments, unless a copy or creation is in progress. */
  refreshStatus(uuid: string): void {
    const drive = this.#e.data.drives[uuid];
    if (!drive || ["creating", "cloning_dst", "unavailable", "resizing"].includes(drive.status)) return;
    const cloning = Object.values(this.#e.data.drives).some(
      (d) => d.cloneOf === uuid && d.status === "cloning_dst" && !this.#e.gone(d.deleteAt),
    );
    drive.status = cloning
      ? "cloning_src"
      : this.#e.servers.mounting(uuid).length > 0
        ? "mounted"
        : "unmounted";
  }

  /** Does what falls due: a copy or creation that completes (or fails), a deletion. */
  advance(drive: Drive, now: number): void {
    if (drive.readyAt !== null && drive.readyAt <= now) {
      drive.readyAt = null;
      const job = drive.jobs.length ? this.#e.data.jobs[drive.jobs.at(-1)!] : undefined;
      if (drive.status === "cloning_dst" && drive.cloneFails) {
        drive.status = "unavailable";
        if (job) Object.assign(job, { state: "failed", last_modified: now });
        this.#e.note(`clone ${drive.uuid} failed`);
      } else {
        drive.status = "unmounted";
        if (job && job.state === "started") Object.assign(job, { state: "success", last_modified: now });
        this.refreshStatus(drive.uuid);
      }
      if (drive.cloneOf) this.refreshStatus(drive.cloneOf);
      for (const server of this.#e.servers.mounting(drive.uuid)) this.#e.servers.advanceClone(server, now);
      this.#e.markDirty();
    }
    if (drive.deleteAt !== null && drive.deleteAt <= now && drive.readyAt === null) {
      for (const server of Object.values(this.#e.data.servers)) {
        if (server.drives.some((d) => d.drive === drive.uuid))
          server.drives = server.drives.filter((d) => d.drive !== drive.uuid);
      }
      this.#e.tags.forget(drive.uuid);
      delete this.#e.data.drives[drive.uuid];
      if (drive.cloneOf) this.refreshStatus(drive.cloneOf);
      this.#e.markDirty();
    }
  }
}
