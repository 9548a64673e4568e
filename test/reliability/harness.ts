// The fault-injection harness (issue 17): a real cycle with each part in a process of its own, an
// external embedded PostgreSQL, a `cloudburst server`, the simulated ECMWF stream and the fleet's
// workers (local processes, or the guests of the CloudSigma simulator run as a process of its own:
// fleets.ts), and kills (SIGKILL) of the server, a worker, the postmaster or the simulated cloud's API
// at moments chosen by a seed. After each run it says what a demanding operator would check: the suite
// complete, every product delivered exactly once and intact, every received file registered, nothing
// stuck, and no process or cloud resource left. Used by test/reliability/faults.test.ts (a few seeds)
// and bench/faults.bench.ts (many).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { stringify } from "yaml";
import { loadConfig } from "../../src/config/load.ts";
import { cycleSuiteName } from "../../src/cycle/names.ts";
import { cycleProducts, suiteProducts } from "../../src/cycle/products.ts";
import { cycleSuiteDefinition } from "../../src/cycle/suite.ts";
import { type EmbeddedCluster, startEmbeddedCluster, stopEmbeddedCluster } from "../../src/db/embedded.ts";
import { migrate } from "../../src/db/migrate.ts";
import { beginSuite, loadSuites } from "../../src/flow/engine/commands.ts";
import { defaultContent, fieldsOfStep } from "../../src/sim/ecmwf/fields.ts";
import { type PreparedStream, prepareStream } from "../../src/sim/ecmwf/prepared.ts";
import { cliPath, freePort } from "../../src/system/processes.ts";
import { type FleetKind, LocalFleet, type RunFleet, running, SimulatedCloud } from "./fleets.ts";

export type FaultTarget = "server" | "worker" | "postmaster" | "provider";
/** What any run may kill. */
export const faultTargets: readonly FaultTarget[] = ["server", "worker", "postmaster"];
/** What a run whose nodes are the simulated cloud's may kill: its API too. */
export const cloudFaultTargets: readonly FaultTarget[] = [...faultTargets, "provider"];

export interface PlannedFault {
  target: FaultTarget;
  /** Milliseconds after the suite begins. */
  atMs: number;
}

export interface FaultOutcome {
  seed: number;
  /** What was killed when, and what the kill met (e.g. "no worker up"). */
  faults: Array<PlannedFault & { note: string }>;
  /** The suite's state at the end: complete, aborted, or whatever it was stuck in. */
  suiteState: string;
  completed: boolean;
  /** Not complete (nor aborted) within the run's time limit. */
  hung: boolean;
  /** Products catalogued but not delivered intact, stream files not registered, product tasks not complete. */
  lost: string[];
  /** Products made, catalogued or delivered more than once. */
  duplicated: string[];
  /** Anything else left in a non-final state, or left running. */
  stuck: string[];
  /** The delivered files by name, with their SHA-256: equal between runs of the same stream. */
  delivered: Map<string, string>;
  wallSeconds: number;
  /** From the suite's begin to its end (complete, or given up). */
  cycleSeconds: number;
  /** The last of the server's output, to see why a run went wrong. */
  serverLog: string;
}

/** A small, deterministic random sequence (mulberry32) so that a seed replays the same faults. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` kills of `targets`, at moments spread over the first `windowMs` of the cycle, in time order;
 * with `first`, the first kill drawn is of that target (its moment still the seed's).
 */
export function faultPlan(
  seed: number,
  options: { count: number; windowMs: number; targets: readonly FaultTarget[]; first?: FaultTarget },
): PlannedFault[] {
  const random = seededRandom(seed);
  const plan: PlannedFault[] = [];
  for (let i = 0; i < options.count; i++) {
    const drawn = options.targets[Math.floor(random() * options.targets.length)]!;
    const target = i === 0 && options.first ? options.first : drawn;
    plan.push({ target, atMs: Math.round(1000 + random() * (options.windowMs - 1000)) });
  }
  return plan.sort((a, b) => a.atMs - b.atMs);
}

/** What every run starts from: the stream, and a migrated PostgreSQL cluster copied for each run. */
export interface FaultInputs {
  stream: PreparedStream;
  /** An embedded cluster's data directory, stopped (initdb takes longer than a copy). */
  clusterTemplate: string;
}

/**
 * The stream (encoded once, ahead, as ECMWF makes its files before disseminating them) and the
 * cluster template, in `dir`. The directory is opened to others so that PostgreSQL, which will not
 * run as root, keeps its cluster in it rather than under /var/tmp (where nothing would remove it).
 */
export async function prepareFaultInputs(dir: string, steps: string, grid: number): Promise<FaultInputs> {
  chmodSync(dir, 0o755);
  const stream = await prepareStream({
    dir: join(dir, "stream"),
    baseTime: new Date("2026-12-06T00:00:00Z"),
    increment: grid,
    steps,
  });
  const clusterTemplate = join(dir, "pg-template");
  const cluster = await startEmbeddedCluster(clusterTemplate, 0);
  const pool = new pg.Pool({ connectionString: cluster.url, max: 1 });
  // pool.end() resolves before its client's socket has closed: the cluster's stop may still reach it.
  pool.on("error", () => undefined);
  try {
    await migrate(pool);
  } finally {
    await pool.end();
    await stopEmbeddedCluster(cluster);
  }
  return { stream, clusterTemplate };
}

export interface FaultRunOptions extends FaultInputs {
  seed: number;
  faults: PlannedFault[];
  /** Compression of ECMWF's dissemination schedule. */
  timeFactor: number;
  /** How long the suite may take before the run counts as hung. */
  limitSeconds: number;
  /** Where the run's directory is made (removed afterwards unless keep). */
  parentDir: string;
  keep?: boolean;
  /** Where the compute nodes come from (default local; "cloudsigma": the simulator, as a process). */
  fleet?: FleetKind;
}

/** How long a suite must stay aborted to count as given up (the engine retries a try within seconds). */
const abortHoldMs = 15_000;
/** How long the server may take to stop on SIGTERM. */
const serverStopMs = 30_000;
const ftpPasswordVariable = "CB_FAULTS_FTP_PASSWORD";
const ftpPassword = "faults-run-password";

/** One run: everything started, the faults injected, the end awaited, checked, and everything stopped. */
export async function runFaultCycle(options: FaultRunOptions): Promise<FaultOutcome> {
  const started = Date.now();
  const run = await FaultRun.start(options);
  try {
    const suiteBegun = await run.beginCycle();
    const notes = await run.injectFaults(suiteBegun);
    const suiteState = await run.waitForSuite(suiteBegun + options.limitSeconds * 1000);
    const cycleSeconds = Math.round((Date.now() - suiteBegun) / 100) / 10;
    const hung = suiteState !== "complete" && suiteState !== "aborted";
    await run.waitForStream(hung ? 0 : 30_000);
    // The teardown is the suite's own last family; the fleet's rows settle on its next pass.
    const found = await run.inspect(suiteState, hung ? 0 : 15_000);
    found.stuck.push(...(await run.stopServices()), ...run.leftRunning(), ...(await run.stopFleet()));
    return {
      seed: options.seed,
      faults: notes,
      suiteState,
      completed: suiteState === "complete",
      hung,
      ...found,
      wallSeconds: Math.round((Date.now() - started) / 100) / 10,
      cycleSeconds,
      serverLog: run.log.slice(-4000),
    };
  } finally {
    await run.cleanUp(options.keep === true);
  }
}

/** What a run checks at its end (see FaultOutcome). */
interface Findings {
  lost: string[];
  duplicated: string[];
  stuck: string[];
  delivered: Map<string, string>;
}

class FaultRun {
  readonly #options: FaultRunOptions;
  readonly #dir: string;
  readonly #dataDir: string;
  readonly #configFile: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #serverPort: number;
  readonly #pgDir: string;
  readonly #pgPort: number;
  #cluster: EmbeddedCluster;
  readonly #pool: pg.Pool;
  readonly #fleet: RunFleet;
  #server: ChildProcess | null = null;
  #stream: ChildProcess | null = null;
  #streamExit: Promise<number | string | null> = Promise.resolve(null);
  #log = "";
  /** Every worker process seen during the run, so that one left behind is found. */
  readonly #workerPids = new Set<number>();

  private constructor(
    options: FaultRunOptions,
    paths: { dir: string; pgPort: number; serverPort: number; ftpPort: number },
    cluster: EmbeddedCluster,
    cloud: SimulatedCloud | null,
  ) {
    this.#options = options;
    this.#dir = paths.dir;
    this.#dataDir = join(paths.dir, "data");
    this.#configFile = join(paths.dir, "cloudburst.yaml");
    this.#pgDir = join(paths.dir, "pg");
    this.#pgPort = paths.pgPort;
    this.#serverPort = paths.serverPort;
    this.#cluster = cluster;
    this.#pool = new pg.Pool({ connectionString: cluster.url, max: 3 });
    // The postmaster is killed on purpose: an idle client's error is expected then.
    this.#pool.on("error", () => undefined);
    this.#fleet = cloud ?? new LocalFleet(this.#dataDir, () => this.#settings());
    this.#env = {
      ...process.env,
      CLOUDBURST_CONFIG: this.#configFile,
      DATABASE_URL: cluster.url,
      [ftpPasswordVariable]: ftpPassword,
      ...this.#fleet.env,
    };
    writeFileSync(this.#configFile, this.#configText(paths.ftpPort));
  }

  static async start(options: FaultRunOptions): Promise<FaultRun> {
    const dir = join(options.parentDir, `seed-${options.seed}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const pgPort = await freePort();
    // Owners and modes kept (the cluster's files belong to the user PostgreSQL runs as); the holders
    // were processes of the template's making, long gone.
    execFileSync("cp", ["-a", "--", options.clusterTemplate, join(dir, "pg")]);
    rmSync(join(dir, "pg", "postgres.holders"), { recursive: true, force: true });
    const cluster = await startEmbeddedCluster(join(dir, "pg"), pgPort);
    let cloud: SimulatedCloud | null = null;
    let run: FaultRun | null = null;
    try {
      // The simulated cloud keeps the stream's pace: at 60x, CloudSigma's 20-s provision takes 1/3 s.
      if (options.fleet === "cloudsigma")
        cloud = await SimulatedCloud.start(join(dir, "cloud"), 1 / options.timeFactor);
      run = new FaultRun(
        options,
        { dir, pgPort, serverPort: await freePort(), ftpPort: await freePort() },
        cluster,
        cloud,
      );
      await run.#startServer();
      return run;
    } catch (error) {
      if (run) await run.cleanUp(options.keep === true);
      else {
        await cloud?.cleanUp();
        await stopEmbeddedCluster(cluster).catch(() => undefined);
      }
      throw error;
    }
  }

  #settings() {
    return loadConfig({ file: this.#configFile, env: this.#env });
  }

  #configText(ftpPort: number): string {
    const passivePort = 40000 + Math.floor(Math.random() * 20000);
    return stringify({
      dataDir: this.#dataDir,
      log: { level: "warn" },
      server: { host: this.#fleet.serverHost, port: this.#serverPort },
      ingest: {
        ftp: {
          enabled: true,
          host: "127.0.0.1",
          port: ftpPort,
          passive: { url: "127.0.0.1", minPort: passivePort, maxPort: passivePort + 40 },
          users: [{ name: "ecmwf", passwordEnv: ftpPasswordVariable }],
        },
      },
      fleet: {
        computeNodes: 2,
        autoscale: { enabled: true, backlogSeconds: 1 },
        leadTime: { defaultSeconds: 2, marginSeconds: 0.2, minSamples: 1 },
        reconcileIntervalSeconds: 2,
        // A node whose worker was killed inside its running VM is replaced within the run's time.
        workerSilenceSeconds: 30,
        workerArgs: ["--concurrency", "1"],
        ...this.#fleet.config,
      },
      cycle: { destination: join(this.#dir, "delivered") },
      catalogue: {
        producers: [
          {
            name: "ecmf",
            description: "ECMWF (simulated stream)",
            expectedFields: this.#options.stream.steps.length * fieldsOfStep(defaultContent).length,
          },
        ],
      },
    });
  }

  get #url(): string {
    return `http://${this.#fleet.serverHost}:${this.#serverPort}`;
  }

  /** `cloudburst server` on its fixed port, as an operator's service manager (re)starts it. */
  async #startServer(): Promise<void> {
    const server = spawn(process.execPath, [cliPath, "server", "--json"], {
      cwd: this.#dir,
      env: this.#env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#server = server;
    const keep = (d: Buffer) => {
      this.#log = (this.#log + d.toString()).slice(-20_000);
    };
    server.stdout!.on("data", keep);
    server.stderr!.on("data", keep);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (server.exitCode !== null || server.signalCode !== null)
        throw new Error(`cloudburst server exited (${server.exitCode ?? server.signalCode}):\n${this.#log}`);
      const ready = await fetch(`${this.#url}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return;
      await sleep(200);
    }
    throw new Error(`cloudburst server was not ready within 60 s:\n${this.#log.slice(-3000)}`);
  }

  /** Loads the cycle suite of the stream's steps and begins it, and starts the stream's push. */
  async beginCycle(): Promise<number> {
    const { stream } = this.#options;
    const config = this.#settings();
    const products = suiteProducts(cycleProducts(config), new Set(stream.steps));
    const firstDataAt = new Date(Date.now() + 3000);
    const definition = cycleSuiteDefinition({
      baseTime: stream.baseTime,
      products,
      computeNodes: 2,
      jobsPerNode: 1,
      firstDataAt,
    });
    const suite = cycleSuiteName(stream.baseTime);
    await loadSuites(this.#pool, definition, `${suite}.def`, { actor: "faults" });
    await beginSuite(this.#pool, suite, "faults");
    const push = spawn(
      process.execPath,
      [
        cliPath,
        "sim",
        "ecmwf",
        ...["--from", stream.dir, "--to", `ftp://ecmwf@127.0.0.1:${config.ingest.ftp.port}/`],
        ...["--time-factor", String(this.#options.timeFactor), "--start-at", firstDataAt.toISOString()],
      ],
      { cwd: this.#dir, env: { ...this.#env, DELIVERY_PASSWORD: ftpPassword }, stdio: "ignore" },
    );
    this.#stream = push;
    this.#streamExit = new Promise((resolve) => push.once("exit", (code, signal) => resolve(code ?? signal)));
    return Date.now();
  }

  /** Each planned kill at its moment; the killed part restarted as its supervisor would. */
  async injectFaults(begun: number): Promise<Array<PlannedFault & { note: string }>> {
    const notes: Array<PlannedFault & { note: string }> = [];
    for (const fault of this.#options.faults) {
      await sleep(Math.max(0, begun + fault.atMs - Date.now()));
      this.#noteWorkers();
      notes.push({ ...fault, note: await this.#kill(fault.target) });
    }
    return notes;
  }

  async #kill(target: FaultTarget): Promise<string> {
    if (target === "server") {
      const server = this.#server!;
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.kill("SIGKILL");
      await exited;
      await sleep(1000);
      await this.#startServer();
      return `server ${server.pid} killed, restarted`;
    }
    if (target === "worker") {
      // The autoscaler starts workers when the data is near, later on a loaded machine: waits for one.
      const deadline = Date.now() + 30_000;
      while (this.#fleet.workers().length === 0 && Date.now() < deadline) await sleep(200);
      // A local worker process, or a simulated guest's main process (its server keeps running).
      const pid = this.#fleet.workers()[0];
      if (pid === undefined) return "no worker up";
      process.kill(pid, "SIGKILL");
      return `worker ${pid} killed`;
    }
    if (target === "provider") return await this.#fleet.killProvider();
    const pid = this.#cluster.pid;
    process.kill(pid, "SIGKILL");
    await sleep(2000);
    await this.#restartCluster();
    return `postmaster ${pid} killed, restarted`;
  }

  /** The cluster started again on its port, once the killed postmaster's backends have gone. */
  async #restartCluster(): Promise<void> {
    await stopEmbeddedCluster(this.#cluster, 10_000).catch(() => undefined);
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        this.#cluster = await startEmbeddedCluster(this.#pgDir, this.#pgPort);
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(500);
      }
    }
  }

  #noteWorkers(): void {
    for (const pid of this.#fleet.workers()) this.#workerPids.add(pid);
  }

  /** The suite's state once complete or aborted, or at the deadline. */
  async waitForSuite(deadline: number): Promise<string> {
    const suite = cycleSuiteName(this.#options.stream.baseTime);
    let state = "unknown";
    let abortedSince: number | null = null;
    for (;;) {
      this.#noteWorkers();
      state = await this.#pool
        .query<{ state: string }>(
          "select n.state from flow_node n join flow_suite s on s.id = n.suite_id where s.name = $1 and n.path = $2",
          [suite, `/${suite}`],
        )
        .then(
          (r) => r.rows[0]?.state ?? "unknown",
          () => state,
        );
      // An aborted task with tries left is submitted again: only an abort that lasts is the end.
      abortedSince = state === "aborted" ? (abortedSince ?? Date.now()) : null;
      const stayedAborted = abortedSince !== null && Date.now() - abortedSince > abortHoldMs;
      if (state === "complete" || stayedAborted || Date.now() > deadline) return state;
      await sleep(500);
    }
  }

  /** The push's end (it has pushed everything once the suite completes, unless a file went astray). */
  async waitForStream(ms: number): Promise<void> {
    const exited = await Promise.race([this.#streamExit, sleep(ms).then(() => "running")]);
    if (exited === "running") this.#stream?.kill("SIGKILL");
  }

  async inspect(suiteState: string, settleMs: number): Promise<Findings> {
    const deadline = Date.now() + settleMs;
    for (;;) {
      const found = await inspectRun(this.#pool, {
        suite: cycleSuiteName(this.#options.stream.baseTime),
        suiteState,
        stream: this.#options.stream,
        destination: join(this.#dir, "delivered"),
        leftAtProvider: await this.#fleet
          .leftAtProvider()
          .catch((error: Error) => [`the provider could not be asked what it holds: ${error.message}`]),
      });
      const clean = found.lost.length + found.duplicated.length + found.stuck.length === 0;
      if (clean || Date.now() > deadline) return found;
      await sleep(1000);
    }
  }

  /** Stops the stream and the server (SIGTERM, as a service manager does); says if the server would not stop. */
  async stopServices(): Promise<string[]> {
    this.#stream?.kill("SIGKILL");
    const server = this.#server;
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.kill("SIGTERM");
      let forced = false;
      const timer = setTimeout(() => {
        forced = true;
        server.kill("SIGKILL");
      }, serverStopMs);
      await exited;
      clearTimeout(timer);
      if (forced) return [`cloudburst server ignored SIGTERM for ${serverStopMs / 1000} s`];
    }
    return [];
  }

  /** Stops the fleet's own process (the simulated cloud), saying what it left or how it stopped. */
  stopFleet(): Promise<string[]> {
    return this.#fleet.stop();
  }

  /** Worker processes still alive once the server has stopped (a real leak: nobody would stop them). */
  leftRunning(): string[] {
    this.#noteWorkers();
    return [...this.#workerPids].filter(running).map((pid) => `worker process ${pid} still running`);
  }

  async cleanUp(keep: boolean): Promise<void> {
    this.#stream?.kill("SIGKILL");
    if (this.#server && this.#server.exitCode === null) this.#server.kill("SIGKILL");
    for (const pid of [...this.#workerPids, ...this.#fleet.workers()])
      if (running(pid)) process.kill(pid, "SIGKILL");
    await this.#fleet.cleanUp();
    await this.#pool.end().catch(() => undefined);
    await stopEmbeddedCluster(this.#cluster).catch(() => undefined);
    if (!keep) rmSync(this.#dir, { recursive: true, force: true });
  }

  get log(): string {
    return this.#log;
  }
}

interface RunFacts {
  suite: string;
  suiteState: string;
  stream: PreparedStream;
  destination: string;
  /** What the provider still holds (compute nodes, disks, tags, IPs), each a finding. */
  leftAtProvider: string[];
}

/** What the database, the destination and the provider say about a finished run. */
async function inspectRun(pool: pg.Pool, facts: RunFacts): Promise<Findings> {
  const lost: string[] = [];
  const duplicated: string[] = [];
  const stuck: string[] = [];
  const query = async <R extends pg.QueryResultRow>(sql: string, values: unknown[] = []) =>
    (await pool.query<R>(sql, values)).rows;

  const tasks = await query<{ path: string; state: string }>(
    `select n.path, n.state from flow_node n join flow_suite s on s.id = n.suite_id
      where s.name = $1 and n.kind = 'task' and n.state <> 'complete' order by n.path`,
    [facts.suite],
  );
  for (const t of tasks) (t.path.includes("/products/") ? lost : stuck).push(`task ${t.path} ${t.state}`);

  const files = await query<{ name: string; state: string; versions: string }>(
    "select name, min(state) as state, count(*) as versions from ingest_file group by name",
  );
  const byName = new Map(files.map((f) => [f.name, f]));
  for (const name of readdirSync(facts.stream.dir).filter((f) => f !== "stream.json")) {
    const file = byName.get(name);
    if (!file) lost.push(`received file ${name} not registered`);
    else if (file.state !== "registered") lost.push(`received file ${name} ${file.state}`);
    else if (Number(file.versions) > 1)
      duplicated.push(`received file ${name} registered ${file.versions} times`);
  }

  const products = await query<{ key: string; n: string }>(
    `select concat_ws(' ', param_id, level_type_id, level_value, step_range, data_type, member) as key,
            count(*) as n
       from product group by 1 having count(*) > 1`,
  );
  for (const p of products) duplicated.push(`product ${p.key} catalogued ${p.n} times`);

  const deliveries = await query<{ name: string; state: string; sha256: string; n: string }>(
    "select name, min(state) as state, min(sha256) as sha256, count(*) as n from delivery group by name",
  );
  const delivered = new Map<string, string>();
  const onDisk = filesUnder(facts.destination);
  for (const d of deliveries) {
    if (Number(d.n) > 1) duplicated.push(`${d.name} delivered ${d.n} times`);
    if (d.state !== "delivered") lost.push(`${d.name} ${d.state}`);
    const sha = onDisk.get(d.name);
    if (sha === undefined) lost.push(`${d.name} missing at the destination`);
    else if (sha !== d.sha256) lost.push(`${d.name} at the destination differs from what was made`);
    else delivered.set(d.name, sha);
  }
  for (const name of onDisk.keys())
    if (!deliveries.some((d) => d.name === name))
      duplicated.push(`${name} at the destination, not in a delivery`);

  const unfinished = await query<{ name: string; state: string }>(
    "select name, state from fleet_node where state not in ('destroyed', 'failed') order by name",
  );
  for (const n of unfinished) stuck.push(`fleet node ${n.name} ${n.state}`);
  stuck.push(...facts.leftAtProvider);
  const partial = await query<{ name: string }>("select name from ingest_file where state = 'partial'");
  for (const f of partial) stuck.push(`ingest file ${f.name} partial`);
  return { lost, duplicated, stuck, delivered };
}

/** The destination's files by path relative to it (as delivery names them), with their SHA-256. */
function filesUnder(root: string): Map<string, string> {
  const found = new Map<string, string>();
  if (!existsSync(root)) return found;
  for (const e of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    found.set(relative(root, path), createHash("sha256").update(readFileSync(path)).digest("hex"));
  }
  return found;
}

/** The outcome table, one row per run, as bench/RESULTS.md records it. */
export function outcomeTable(outcomes: FaultOutcome[]): string {
  const rows = outcomes.map((o) =>
    [
      o.seed,
      o.faults.map((f) => `${f.target}@${(f.atMs / 1000).toFixed(1)}s`).join(", ") || "none",
      o.completed ? "yes" : `no (${o.suiteState})`,
      o.hung ? "yes" : "no",
      o.lost.length,
      o.duplicated.length,
      o.stuck.length,
      o.delivered.size,
      o.cycleSeconds,
      o.wallSeconds,
    ].join(" | "),
  );
  return [
    "| seed | killed (after the suite began) | completed | hung | lost | duplicated | stuck/left | delivered | cycle s | wall s |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows.map((r) => `| ${r} |`),
  ].join("\n");
}
