// `cloudburst demo`: one accelerated forecast cycle on this machine. A control server on the embedded
// PostgreSQL with its FTP receiver, the cycle suite loaded and begun, compute nodes from the fleet
// (local worker processes, or the CloudSigma simulator), the simulated ECMWF stream pushed by FTP,
// products delivered to a directory, and a summary of what happened and how fast.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { stringify } from "yaml";
import { createToken } from "../auth/tokens.ts";
import { listCycles } from "../catalogue/query.ts";
import { type Config, loadConfig } from "../config/load.ts";
import { startEmbeddedCluster, stopEmbeddedCluster } from "../db/embedded.ts";
import { ftpDestination } from "../delivery/ftp.ts";
import { cycleDeliveryStatus } from "../delivery/ledger.ts";
import { leadTimeFor } from "../fleet/leadtime.ts";
import { costsByCycle } from "../fleet/money.ts";
import { currentFleet } from "../fleet/service.ts";
import type { NodeRow } from "../fleet/store.ts";
import { beginSuite, loadSuites } from "../flow/engine/commands.ts";
import { listSuites, nodeHistory, showTree } from "../flow/engine/queries.ts";
import { parseDisseminationName } from "../ingest/names.ts";
import { type RunningServer, startServer } from "../server/run.ts";
import { type RunningSimulator, startCloudSigmaSimulator } from "../sim/cloudsigma/index.ts";
import { stepArrivals } from "../sim/ecmwf/schedule.ts";
import { latestBaseTime, playStream, streamPlan } from "../sim/ecmwf/stream.ts";
import "./actions.ts";
import { freePort, isAlive } from "../system/processes.ts";
import { closeCycleRuntime, cycleKey, cycleRuntime, destinationCatalogueVariable } from "./runtime.ts";
import { cycleSuiteDefinition, cycleSuiteName } from "./suite.ts";

export interface DemoOptions {
  dataDir: string;
  baseTime?: Date | undefined;
  /** Steps of the cycle, e.g. "0-12". */
  steps: string;
  /** Grid increment of the simulated model in degrees. */
  grid: number;
  /** Schedule compression of the stream. */
  timeFactor: number;
  /** Compute nodes: the most the autoscaler starts, or all of them for the whole cycle with fixedNodes. */
  nodes: number;
  fixedNodes?: boolean | undefined;
  /** Where compute nodes come from: worker processes here, or the CloudSigma simulator's servers. */
  provider: "local" | "sim-cloudsigma";
  port?: number | undefined;
  timeoutSeconds: number;
  /** Aborts the cycle (Ctrl-C): everything started is stopped before runDemo rejects. */
  signal?: AbortSignal | undefined;
  onProgress?: (progress: DemoProgress) => void;
}

export interface DemoProgress {
  filesReceived: number;
  filesPlanned: number;
  jobsComplete: number;
  jobsPlanned: number;
  nodesReady: number;
  suiteState: string;
}

export interface StepLatency {
  p50: number;
  p95: number;
  max: number;
}

export interface DemoSummary {
  cycle: string;
  suite: string;
  suiteState: string;
  seconds: number;
  fieldsIn: number;
  filesIn: number;
  productsOut: number;
  /** Product fields registered in the catalogue, each with its job and input fields. */
  productsCatalogued: number;
  /** Product rows replicated into the destination's catalogue (the second PostgreSQL). */
  productsReplicated: number;
  productsDelivered: number;
  bytesDelivered: number;
  deliveredTo: string;
  /** Compute nodes started during the cycle (the autoscaler starts and releases them with the stream). */
  nodes: number;
  /** The most compute nodes up at once. */
  peakNodes: number;
  nodeMinutes: number;
  cost: number;
  currency: string;
  /** Node-minutes if the nodes had done nothing but the jobs (their CPU time over one core per node). */
  idealNodeMinutes: number;
  /** Seconds from a step's file arriving to the last of its products being delivered. */
  stepLatencySeconds: StepLatency | null;
  /** Whether every step's products were delivered before the next step's file arrived. */
  deliveredBeforeNextStep: boolean;
  ui: string;
}

export interface Demo {
  server: RunningServer;
  token: string;
  summary: DemoSummary;
  stop(): Promise<void>;
}

/** A fresh data directory for each demonstration, unless one is still running there (--keep). */
function freshDataDir(dir: string): void {
  const pidFile = join(dir, "postgres", "postmaster.pid");
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").split("\n")[0]) : 0;
  if (pid > 0 && isAlive(pid)) {
    throw new Error(
      `a demonstration is still running in ${dir} (its PostgreSQL is process ${pid}): stop it with Ctrl-C first`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

/** Writes the demonstration's configuration, so that the workers it starts read the very same. */
async function demoConfig(
  options: DemoOptions,
  ftpPort: number,
  cloud: RunningSimulator | null,
): Promise<Config> {
  const passivePort = 40000 + Math.floor(Math.random() * 20000);
  const file = join(options.dataDir, "demo.yaml");
  const text = stringify({
    dataDir: options.dataDir,
    log: { level: "warn" },
    server: { port: options.port ?? 0 },
    ingest: {
      ftp: {
        enabled: true,
        host: "127.0.0.1",
        port: ftpPort,
        passive: { url: "127.0.0.1", minPort: passivePort, maxPort: passivePort + 40 },
        users: [{ name: "ecmwf", passwordEnv: "CB_DEMO_FTP_PASSWORD" }],
      },
    },
    fleet: {
      provider: cloud ? "cloudsigma" : "local",
      computeNodes: options.nodes,
      // A step's backlog cleared within 1.5 s keeps arrival to delivery under the 2 s target (ingest and
      // delivery take the rest) without a second node for work the first finishes before it boots.
      autoscale: { enabled: !options.fixedNodes, backlogSeconds: 1.5 },
      // The demo's clock runs fast: provisioning is learned from the first node on, with a small margin.
      // A simulated server counts as provisioned when it runs; its guest's worker needs about a second more.
      leadTime: { defaultSeconds: 2, marginSeconds: cloud ? 1.2 : 0.2, minSamples: 1 },
      reconcileIntervalSeconds: 2,
      workerArgs: ["--name", "{nodeName}", "--concurrency", "1"],
      ...(cloud
        ? { cloudsigma: { apiUrl: cloud.url, goldenServer: "cloudburst-golden", pollIntervalMs: 100 } }
        : {}),
    },
    cycle: { destination: join(options.dataDir, "delivered") },
  });
  writeFileSync(
    file,
    `# Written by \`cloudburst demo\`; its workers read it through CLOUDBURST_CONFIG.\n${text}`,
  );
  process.env["CLOUDBURST_CONFIG"] = file;
  return loadConfig({ file });
}

/** How long the fleet expects the demo's first nodes to take to start (learned, or the default). */
async function provisioningSeconds(options: {
  nodes: number;
  fixedNodes?: boolean | undefined;
}): Promise<number> {
  const fleet = currentFleet();
  if (!fleet) return 0;
  const { leadTime } = fleet.config.fleet;
  const samples = await fleet.store.samples(fleet.provider.name, leadTime.window);
  return leadTimeFor(options.fixedNodes ? options.nodes : 1, samples, leadTime).seconds;
}

interface DestinationCatalogue {
  url: string;
  stop(): Promise<void>;
}

async function startDestinationCatalogue(dir: string): Promise<DestinationCatalogue> {
  const cluster = await startEmbeddedCluster(dir, 0);
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query("create database catalogue");
  await admin.end();
  const url = new URL(cluster.url);
  url.pathname = "/catalogue";
  process.env[destinationCatalogueVariable] = url.toString();
  return { url: url.toString(), stop: () => stopEmbeddedCluster(cluster) };
}

async function countProducts(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const table = await client.query<{ t: string | null }>("select to_regclass('product') as t");
    if (!table.rows[0]?.t) return 0;
    return Number((await client.query<{ n: string }>("select count(*) as n from product")).rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

/** The simulated cloud runs 50 times faster than CloudSigma: a 20 s provision takes 0.4 s. */
const simulatedTimeScale = 0.02;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export async function runDemo(options: DemoOptions): Promise<Demo> {
  const started = Date.now();
  const password = randomBytes(18).toString("base64url");
  process.env["CB_DEMO_FTP_PASSWORD"] = password;
  freshDataDir(options.dataDir);
  // The on-premise side's catalogue (FMI's NEONS/radon): a second PostgreSQL the products are replicated to.
  const destinationCatalogue = await startDestinationCatalogue(join(options.dataDir, "destination"));
  const ftpPort = await freePort();
  const cloud =
    options.provider === "sim-cloudsigma"
      ? await startCloudSigmaSimulator({
          timeScale: simulatedTimeScale,
          guestDir: join(options.dataDir, "guests"),
        })
      : null;
  if (cloud) {
    process.env["CLOUDSIGMA_USERNAME"] = cloud.credentials.username;
    process.env["CLOUDSIGMA_PASSWORD"] = cloud.credentials.password;
  }
  const config = await demoConfig(options, ftpPort, cloud).catch(async (error) => {
    await cloud?.stop();
    await destinationCatalogue.stop();
    throw error;
  });
  const server = await startServer(config, { logToStderr: true }).catch(async (error) => {
    await cloud?.stop();
    await destinationCatalogue.stop();
    throw error;
  });
  // Workers started by the fleet inherit the environment: the same database, the same configuration.
  process.env["DATABASE_URL"] ??= server.db.url;
  const baseTime = options.baseTime ?? latestBaseTime();
  const stop = async () => {
    await server.stop();
    await closeCycleRuntime();
    await cloud?.stop();
    await destinationCatalogue.stop();
  };
  try {
    const pool = server.db.pool;
    const token = await createToken(pool, `demo-${new Date().toISOString()}`);
    const runtime = await cycleRuntime(config);
    const plan = streamPlan({ baseTime, steps: options.steps });
    const planned = new Set(plan.map((p) => p.step));
    const products = runtime.products
      .map((p) => ({ name: p.name, steps: p.steps.filter((s) => planned.has(s)) }))
      .filter((p) => p.steps.length > 0);
    const suite = cycleSuiteName(baseTime);
    // As in production, where the suite provisions compute just before the dissemination starts, the
    // first step is due one learned provisioning time after the suite begins.
    const firstDataAt = new Date(Date.now() + (await provisioningSeconds(options)) * 1000);
    const definition = cycleSuiteDefinition({
      baseTime,
      products,
      computeNodes: options.nodes,
      jobsPerNode: 1,
      firstDataAt,
    });
    await loadSuites(pool, definition, `${suite}.def`, { actor: "demo" });
    await beginSuite(pool, suite, "demo");

    const stream = playStream({
      destination: ftpDestination({
        host: "127.0.0.1",
        port: ftpPort,
        user: "ecmwf",
        password,
        root: "/",
        secure: false,
      }),
      baseTime,
      increment: options.grid,
      steps: options.steps,
      timeFactor: options.timeFactor,
      startAt: firstDataAt,
    });
    const jobsPlanned = products.reduce((n, p) => n + p.steps.length, 0);
    let streamError: Error | null = null;
    stream.catch((error: Error) => {
      streamError = error;
    });
    const deadline = started + options.timeoutSeconds * 1000;
    let state = "queued";
    for (;;) {
      state = (await listSuites(pool)).find((s) => s.name === suite)?.state ?? "unknown";
      const history = await nodeHistory(pool, `/${suite}/products`, 100_000);
      const jobsComplete = new Set(
        history.filter((h) => h.toState === "complete" && h.kind !== "family").map((h) => h.path),
      ).size;
      const fleet = currentFleet();
      const nodes = fleet
        ? await fleet.store.nodes(fleet.config.fleet.environment, cycleKey(config.cycle.producer, baseTime))
        : [];
      const files = (
        await pool.query<{ n: string }>("select count(*) as n from ingest_file where received_at >= $1", [
          new Date(started),
        ])
      ).rows[0];
      options.onProgress?.({
        filesReceived: Number(files?.n ?? 0),
        filesPlanned: plan.length,
        jobsComplete: Math.min(jobsComplete, jobsPlanned),
        jobsPlanned,
        nodesReady: nodes.filter((n) => n.state === "ready").length,
        suiteState: state,
      });
      if (state === "complete" || state === "aborted") break;
      if (streamError) throw new Error(`the simulated stream failed: ${(streamError as Error).message}`);
      if (options.signal?.aborted) throw new Error("interrupted: the cycle was stopped before it finished");
      if (Date.now() > deadline)
        throw new Error(
          `the cycle did not finish within ${options.timeoutSeconds} s (suite ${state}); see the UI at ${server.url}/ui/`,
        );
      await sleep(1000);
    }
    await stream.catch(() => undefined);
    const summary = await summarise(
      server,
      config,
      suite,
      baseTime,
      started,
      state,
      destinationCatalogue.url,
    );
    return { server, token, summary, stop };
  } catch (error) {
    await releaseCompute(cycleKey(config.cycle.producer, baseTime)).catch(() => undefined);
    await stop();
    throw error;
  }
}

/** An unfinished cycle's compute nodes are destroyed: nothing is left running, or billing. */
async function releaseCompute(key: string): Promise<void> {
  const fleet = currentFleet();
  if (!fleet) return;
  const environment = fleet.config.fleet.environment;
  await fleet.store.setCycleState(environment, key, "cancelled");
  // A pass of the controller's own loop may hold the fleet's lock: try again until the nodes are gone.
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    await fleet.controller.reconcile();
    const live = (await fleet.store.nodes(environment, key)).filter(
      (n) => n.role === "compute" && n.state !== "destroyed" && n.state !== "failed",
    );
    if (live.length === 0) return;
    await sleep(200);
  }
}

async function summarise(
  server: RunningServer,
  config: Config,
  suite: string,
  baseTime: Date,
  started: number,
  suiteState: string,
  destinationCatalogueUrl: string,
): Promise<DemoSummary> {
  const pool = server.db.pool;
  const key = cycleKey(config.cycle.producer, baseTime);
  const cycle = (await listCycles(pool, { producer: config.cycle.producer, limit: 100 })).find(
    (c) => Date.parse(c.baseTime) === baseTime.getTime(),
  );
  const delivery = await cycleDeliveryStatus(pool, key);
  const products = await pool.query<{ n: string }>(
    "select count(*) as n from delivery where cycle_key = $1",
    [key],
  );
  const fleet = currentFleet();
  const nodes = fleet ? await fleet.store.nodes(fleet.config.fleet.environment, key) : [];
  const [cost] = costsByCycle(nodes, new Date(), config.fleet);
  return {
    cycle: key,
    suite,
    suiteState,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    fieldsIn: cycle?.receivedFields ?? 0,
    filesIn: cycle?.files ?? 0,
    productsOut: Number(products.rows[0]?.n ?? 0),
    productsCatalogued: Number(
      (
        await pool.query<{ n: string }>(
          `select count(*) as n from product p join producer pr on pr.id = p.producer_id
            where pr.name = $1 and p.base_time = $2 and exists (select 1 from product_input i where i.product_id = p.id)`,
          [config.cycle.producer, baseTime],
        )
      ).rows[0]?.n ?? 0,
    ),
    productsReplicated: await countProducts(destinationCatalogueUrl),
    productsDelivered: delivery.delivered,
    bytesDelivered: delivery.bytes,
    deliveredTo: config.cycle.destination,
    nodes: nodes.filter((n) => n.role === "compute").length,
    peakNodes: peakConcurrent(nodes.filter((n) => n.role === "compute")),
    nodeMinutes: Math.round(((cost?.nodeSeconds ?? 0) / 60) * 100) / 100,
    cost: Math.round((cost?.cost ?? 0) * 10_000) / 10_000,
    currency: cost?.currency ?? config.fleet.currency,
    idealNodeMinutes: Math.round((await jobCpuSeconds(pool, suite)) / 0.6) / 100,
    ...(await timeliness(pool, key, baseTime)),
    ui: `${server.url}/ui/`,
  };
}

/** The most nodes alive at the same moment. */
function peakConcurrent(nodes: readonly NodeRow[]): number {
  const edges = nodes.flatMap((n) => [
    { at: n.requestedAt.getTime(), step: 1 },
    { at: n.goneAt?.getTime() ?? Number.POSITIVE_INFINITY, step: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.step - b.step);
  let up = 0;
  let peak = 0;
  for (const edge of edges) {
    up += edge.step;
    peak = Math.max(peak, up);
  }
  return peak;
}

/** CPU seconds the product jobs reported (their `cpu` labels). */
async function jobCpuSeconds(pool: RunningServer["db"]["pool"], suite: string): Promise<number> {
  const tree = await showTree(pool, `/${suite}/products`);
  return tree.reduce((sum, node) => sum + (Number(node.labels["cpu"]) || 0), 0);
}

/** Per step: from its file's arrival to the delivery of the last of its products. */
async function timeliness(
  pool: RunningServer["db"]["pool"],
  key: string,
  baseTime: Date,
): Promise<{ stepLatencySeconds: StepLatency | null; deliveredBeforeNextStep: boolean }> {
  const files = await pool.query<{ name: string; received_at: Date }>(
    "select name, min(received_at) as received_at from ingest_file group by name",
  );
  const arrival = new Map<number, number>();
  for (const row of files.rows) {
    const parsed = parseDisseminationName(row.name, baseTime);
    if (parsed?.step != null && parsed.baseTime.getTime() === baseTime.getTime()) {
      arrival.set(parsed.step, row.received_at.getTime());
    }
  }
  const delivered = await pool.query<{ step: number; last: Date | null; open: string }>(
    `select step, max(delivered_at) as last, count(*) filter (where state <> 'delivered') as open
       from delivery where cycle_key = $1 and step is not null group by step order by step`,
    [key],
  );
  const steps = [...arrival.keys()].sort((a, b) => a - b);
  const scheduledMinute = new Map(stepArrivals().map((a) => [a.step, a.minute]));
  const latencies: number[] = [];
  let inTime = delivered.rows.length > 0;
  for (const row of delivered.rows) {
    const arrived = arrival.get(row.step);
    if (arrived === undefined || row.last === null || Number(row.open) > 0) {
      inTime = false;
      continue;
    }
    latencies.push(Math.max(0, (row.last.getTime() - arrived) / 1000));
    // The next step due later than this one: where the schedule's segments meet (90 and 93, 144 and
    // 150) ECMWF sends two steps at the same minute, and neither can wait for the other.
    const due = scheduledMinute.get(row.step);
    const next = steps.find((s) => (scheduledMinute.get(s) ?? 0) > (due ?? Number.POSITIVE_INFINITY));
    if (next !== undefined && row.last.getTime() > arrival.get(next)!) inTime = false;
  }
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    stepLatencySeconds: latencies.length
      ? {
          p50: round(percentile(latencies, 50)),
          p95: round(percentile(latencies, 95)),
          max: round(latencies.at(-1)!),
        }
      : null,
    deliveredBeforeNextStep: inTime,
  };
}
