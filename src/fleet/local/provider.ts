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
import { type FileHandle, open } from "node:fs/promises";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isAlive } from "../../system/processes.ts";
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
  type NodeExit,
  type NodePrice,
  type Provider,
  type Tags,
  userDataOf,
} from "../provider.ts";

const projectRoot = resolve(import.meta.dirname, "../../..");

interface LocalRecord {
  id: string;
  name: string;
  pid: number | null;
  tags: Tags;
  /** The worker's arguments and environment, from the user data (see localUserData). */
  args: string[];
  env?: Record<string, string>;
  createdAt: string;
  wantedRunning: boolean;
}

export interface LocalOptions {
  config: LocalConfig;
  /** Absolute state directory (dataDir/fleet/local by default). */
  stateDir: string;
  /** How long SIGTERM may take before SIGKILL. */
  stopGraceMs?: number;
  /** Where workers run (default: this process's directory), so they find the same configuration and database. */
  cwd?: string;
  /** Extra environment for the workers (e.g. CLOUDBURST_CONFIG). */
  env?: NodeJS.ProcessEnv;
}

const readyPollMs = 50;

export class LocalProvider implements Provider {
  readonly name = "local";
  readonly capabilities: Capabilities = {
    tags: true,
    boot: "worker-arguments",
    sameMachine: true,
    antiAffinity: false,
    gracefulStop: true,
    balance: false,
    prices: false,
    billedResources: true,
    maxConcurrentCreates: 64,
  };
  readonly reserved: readonly string[] = [];
  /** The control server holds the data role itself. */
  readonly dataServer = undefined;
  readonly #config: LocalConfig;
  readonly #dir: string;
  /** Told when a worker this process started exits without being stopped. */
  readonly #exitListeners = new Set<(exit: NodeExit) => void>();
  /** Nodes this process is stopping: their exit is expected. */
  readonly #stopping = new Set<string>();
  readonly #graceMs: number;
  readonly #cwd: string;
  readonly #env: NodeJS.ProcessEnv;

  constructor(options: LocalOptions) {
    this.#cwd = options.cwd ?? process.cwd();
    this.#env = options.env ?? {};
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
      const name = `${request.namePrefix}-${index}-${suffix}`;
      const record: LocalRecord = {
        id: `local-${suffix}${index}`,
        name,
        pid: null,
        tags: { ...request.tags },
        ...parseLocalUserData(await userDataOf(request, { index, name })),
        createdAt: new Date().toISOString(),
        wantedRunning: false,
      };
      this.#write(record);
      const node = request.start === false ? this.#toNode(record) : await this.startNode(record.id);
      outcomes.push({ ok: true, node, seconds: (Date.now() - t0) / 1000 });
    }
    if (request.start === false) return outcomes;
    // A node is provisioned when its worker takes jobs, as a cloud node is when it has booted.
    return Promise.all(
      outcomes.map(async (outcome) => {
        if (!outcome.ok) return outcome;
        await this.#ready(outcome.node.id);
        return { ...outcome, node: await this.#nodeOrGone(outcome.node), seconds: (Date.now() - t0) / 1000 };
      }),
    );
  }

  /** Waits until the node's log shows fleet.local.readyText, the process exits, or readySeconds pass. */
  async #ready(id: string): Promise<void> {
    const text = this.#config.readyText;
    if (!text) return;
    const deadline = Date.now() + this.#config.readySeconds * 1000;
    const logFile = join(this.#dir, `${id}.log`);
    while (Date.now() < deadline) {
      const record = this.#read(id);
      if (!record?.pid || !isAlive(record.pid)) return;
      if (existsSync(logFile) && readFileSync(logFile, "utf8").includes(text)) return;
      await sleep(readyPollMs);
    }
  }

  async #nodeOrGone(node: FleetNode): Promise<FleetNode> {
    const record = this.#read(node.id);
    return record ? this.#toNode(record) : { ...node, state: "stopped" };
  }

  async startNode(id: string): Promise<FleetNode> {
    const record = this.#require(id);
    if (record.pid && isAlive(record.pid)) return this.#toNode(record);
    const [command, ...baseArgs] = this.#config.command;
    const logFile = join(this.#dir, `${id}.log`);
    const log = openSync(logFile, "a");
    try {
      // A relative script path (bin/cloudburst.js) means this checkout's.
      const args = baseArgs.map((a) =>
        /^[\w.-]+\//.test(a) && existsSync(join(projectRoot, a)) ? join(projectRoot, a) : a,
      );
      const child = spawn(command === "node" ? process.execPath : command!, [...args, ...record.args], {
        cwd: this.#cwd,
        detached: true,
        stdio: ["ignore", log, log],
        env: {
          ...process.env,
          ...this.#env,
          ...record.env,
          CLOUDBURST_NODE_ID: id,
          CLOUDBURST_NODE_NAME: record.name,
        },
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
      child.once("exit", (code, signal) => this.#exited(record, code, signal));
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
    if (record.pid) await this.#terminate(id, record.pid);
    record.pid = null;
    record.wantedRunning = false;
    this.#write(record);
    return this.#toNode(record);
  }

  async destroyNode(id: string): Promise<void> {
    const record = this.#read(id);
    if (!record) return;
    if (record.pid) await this.#terminate(id, record.pid);
    rmSync(join(this.#dir, `${id}.json`), { force: true });
    rmSync(join(this.#dir, `${id}.log`), { force: true });
  }

  /** The worker's output, which its process writes to STATE_DIR/ID.log (removed with the node). */
  async nodeLog(id: string, maxBytes: number): Promise<string | null> {
    if (!this.#read(id)) return null;
    let file: FileHandle;
    try {
      file = await open(join(this.#dir, `${id}.log`), "r");
    } catch {
      return null;
    }
    try {
      const { size } = await file.stat();
      const start = Math.max(0, size - maxBytes);
      const { buffer, bytesRead } = await file.read(Buffer.alloc(size - start), 0, size - start, start);
      const text = buffer.subarray(0, bytesRead).toString("utf8");
      // Cut at a line's start: a tail begins mid-line.
      return start === 0 ? text : text.slice(text.indexOf("\n") + 1);
    } finally {
      await file.close();
    }
  }

  onNodeExit(listener: (exit: NodeExit) => void): () => void {
    this.#exitListeners.add(listener);
    return () => this.#exitListeners.delete(listener);
  }

  async #terminate(id: string, pid: number): Promise<void> {
    this.#stopping.add(id);
    try {
      await terminate(pid, this.#graceMs);
    } finally {
      this.#stopping.delete(id);
    }
  }

  /** A worker's process ended: unless this process stopped it, its worker died. */
  #exited(started: LocalRecord, code: number | null, signal: NodeJS.Signals | null): void {
    // Stopped or destroyed by a provider (this one, or another process's: the record says so).
    const current = this.#read(started.id);
    if (this.#stopping.has(started.id) || !current?.wantedRunning || current.pid !== started.pid) return;
    const reason = signal
      ? `its process ${started.pid} was killed by ${signal}`
      : `its process ${started.pid} exited with code ${code}`;
    for (const listener of this.#exitListeners) listener({ id: started.id, name: started.name, reason });
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

/** A local node's "user data": the worker's arguments and environment, as JSON. */
export function localUserData(args: string[], env: Record<string, string> = {}): string {
  return JSON.stringify({ args, env });
}

/** JSON from localUserData, or plain text with one argument per line. */
function parseLocalUserData(text: string): { args: string[]; env: Record<string, string> } {
  try {
    const parsed = JSON.parse(text) as { args?: unknown; env?: unknown };
    if (parsed && Array.isArray(parsed.args)) {
      return {
        args: parsed.args.map(String),
        env: Object.fromEntries(
          Object.entries((parsed.env as Record<string, unknown>) ?? {}).map(([k, v]) => [k, String(v)]),
        ),
      };
    }
  } catch {
    /* plain text */
  }
  return { args: text.split("\n").filter((line) => line.length > 0), env: {} };
}

/**
 * SIGTERM to the node's process (the worker stops its own tasks), then SIGKILL to its whole process
 * group after the grace period. Not SIGTERM to the group at once: a worker that found no database
 * running may have started the embedded PostgreSQL, which other processes still use.
 */
async function terminate(pid: number, graceMs: number): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return; // already gone
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await sleep(50);
  }
  try {
    process.kill(-pid, "SIGKILL"); // detached: the node leads its own process group
  } catch {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
  while (isAlive(pid)) await sleep(20);
}
