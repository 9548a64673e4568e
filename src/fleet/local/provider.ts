// The local provider: compute nodes are `cloudburst worker` processes on this machine. A node's
// record (pid, name, tags) is a JSON file in the state directory, so any cloudburst process can list,
// stop and destroy the nodes another one started.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { LocalConfig } from "../config.ts";
import { ProviderError } from "../errors.ts";
import {
  type Balance,
  type BilledResource,
  type Capabilities,
  type CreateNodesRequest,
  type CreateOutcome,
  type FleetNode,
  hasTags,
  type NodePrice,
  type Provider,
  type Tags,
} from "../provider.ts";

const projectRoot = resolve(import.meta.dirname, "../../..");

interface LocalRecord {
  id: string;
  name: string;
  pid: number | null;
  tags: Tags;
  /** The worker's arguments, from the user data (one per line). */
  args: string[];
  createdAt: string;
  wantedRunning: boolean;
}

export interface LocalOptions {
  config: LocalConfig;
  /** Absolute state directory (dataDir/fleet/local by default). */
  stateDir: string;
  /** How long SIGTERM may take before SIGKILL. */
  stopGraceMs?: number;
}

export class LocalProvider implements Provider {
  readonly name = "local";
  readonly capabilities: Capabilities = {
    tags: true,
    userData: true,
    antiAffinity: false,
    gracefulStop: true,
    balance: false,
    prices: false,
    billedResources: true,
    maxConcurrentCreates: 64,
  };
  readonly #config: LocalConfig;
  readonly #dir: string;
  readonly #graceMs: number;

  constructor(options: LocalOptions) {
    this.#config = options.config;
    this.#dir = options.stateDir;
    this.#graceMs = options.stopGraceMs ?? 10_000;
    mkdirSync(this.#dir, { recursive: true });
  }

  async listNodes(tags?: Tags): Promise<FleetNode[]> {
    return this.#records()
      .map((r) => this.#toNode(r))
      .filter((n) => hasTags(n, tags));
  }

  async getNode(id: string): Promise<FleetNode | null> {
    const record = this.#read(id);
    return record ? this.#toNode(record) : null;
  }

  async createNodes(request: CreateNodesRequest): Promise<CreateOutcome[]> {
    const existing = this.#records().length;
    const outcomes: CreateOutcome[] = [];
    const t0 = Date.now(); // provisioning time counts from the request for the batch
    for (let index = 0; index < request.count; index++) {
      if (existing + index >= this.#config.maxNodes) {
        outcomes.push({
          ok: false,
          error: new ProviderError({
            provider: this.name,
            status: 503,
            operation: "create node",
            message: `at most ${this.#config.maxNodes} local nodes (fleet.local.maxNodes)`,
          }),
        });
        continue;
      }
      const suffix = randomBytes(3).toString("hex");
      const record: LocalRecord = {
        id: `local-${suffix}${index}`,
        name: `${request.namePrefix}-${index}-${suffix}`,
        pid: null,
        tags: { ...request.tags },
        args: request.userData.split("\n").filter((line) => line.length > 0),
        createdAt: new Date().toISOString(),
        wantedRunning: false,
      };
      this.#write(record);
      const node = request.start === false ? this.#toNode(record) : await this.startNode(record.id);
      outcomes.push({ ok: true, node, seconds: (Date.now() - t0) / 1000 });
    }
    return outcomes;
  }

  async startNode(id: string): Promise<FleetNode> {
    const record = this.#require(id);
    if (record.pid && isAlive(record.pid)) return this.#toNode(record);
    const [command, ...baseArgs] = this.#config.command;
    const logFile = join(this.#dir, `${id}.log`);
    const log = openSync(logFile, "a");
    try {
      const child = spawn(command === "node" ? process.execPath : command!, [...baseArgs, ...record.args], {
        cwd: projectRoot,
        detached: true,
        stdio: ["ignore", log, log],
        env: { ...process.env, CLOUDBURST_NODE_ID: id, CLOUDBURST_NODE_NAME: record.name },
      });
      const spawned = await new Promise<number>((ok, fail) => {
        child.once("spawn", () => ok(child.pid!));
        child.once("error", fail);
      }).catch((error: Error) => {
        throw new ProviderError({
          provider: this.name,
          status: 500,
          operation: `start ${record.name}`,
          message: `cannot run ${this.#config.command.join(" ")}: ${error.message}`,
        });
      });
      child.unref();
      record.pid = spawned;
      record.wantedRunning = true;
      this.#write(record);
    } finally {
      closeSync(log);
    }
    return this.#toNode(record);
  }

  async stopNode(id: string): Promise<FleetNode> {
    const record = this.#require(id);
    if (record.pid) await terminate(record.pid, this.#graceMs);
    record.pid = null;
    record.wantedRunning = false;
    this.#write(record);
    return this.#toNode(record);
  }

  async destroyNode(id: string): Promise<void> {
    const record = this.#read(id);
    if (!record) return;
    if (record.pid) await terminate(record.pid, this.#graceMs);
    rmSync(join(this.#dir, `${id}.json`), { force: true });
    rmSync(join(this.#dir, `${id}.log`), { force: true });
  }

  async balance(): Promise<Balance | null> {
    return null;
  }

  async nodePrice(): Promise<NodePrice | null> {
    return null;
  }

  async billedResources(): Promise<BilledResource[]> {
    return this.#records().map((r) => ({
      kind: "server",
      id: r.id,
      name: r.name,
      tags: r.tags,
      billing: r.pid !== null && isAlive(r.pid),
      deletable: true,
    }));
  }

  async destroyResource(resource: BilledResource): Promise<void> {
    await this.destroyNode(resource.id);
  }

  #records(): LocalRecord[] {
    if (!existsSync(this.#dir)) return [];
    return readdirSync(this.#dir)
      .filter((f) => f.endsWith(".json"))
      .map((f) => this.#read(f.slice(0, -5)))
      .filter((r): r is LocalRecord => r !== null)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  #read(id: string): LocalRecord | null {
    try {
      return JSON.parse(readFileSync(join(this.#dir, `${id}.json`), "utf8")) as LocalRecord;
    } catch {
      return null;
    }
  }

  #require(id: string): LocalRecord {
    const record = this.#read(id);
    if (!record) {
      throw new ProviderError({
        provider: this.name,
        status: 404,
        operation: `node ${id}`,
        message: "no such local node",
      });
    }
    return record;
  }

  #write(record: LocalRecord): void {
    const file = join(this.#dir, `${record.id}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(record, null, 2));
    renameSync(`${file}.tmp`, file); // atomic: a reader never sees half a record
  }

  #toNode(record: LocalRecord): FleetNode {
    const alive = record.pid !== null && isAlive(record.pid);
    return {
      id: record.id,
      name: record.name,
      state: alive ? "running" : "stopped",
      providerState: alive ? `pid ${record.pid}` : record.wantedRunning ? "exited" : "stopped",
      tags: record.tags,
      provider: this.name,
      addresses: alive ? ["127.0.0.1"] : [],
    };
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** SIGTERM to the node's process group, then SIGKILL after the grace period. */
async function terminate(pid: number, graceMs: number): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig); // detached: the node leads its own process group
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  if (!isAlive(pid)) return;
  signal("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await sleep(50);
  }
  signal("SIGKILL");
  while (isAlive(pid)) await sleep(20);
}
