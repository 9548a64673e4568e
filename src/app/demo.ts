// `cloudburst demo`: one accelerated forecast cycle on this machine. A control server on the embedded
// PostgreSQL with its FTP receiver, the cycle suite loaded and begun, compute nodes from the fleet
// (local worker processes, or the CloudSigma simulator), the simulated ECMWF stream pushed by FTP,
// products delivered to a directory, and a summary of what happened and how fast.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { stringify } from "yaml";
import { createToken } from "../auth/tokens.ts";
import { filesReceivedSince } from "../catalogue/query.ts";
import { demoConfigName } from "../config/installation.ts";
import { type Config, loadConfig } from "../config/load.ts";
import { cycleKey, cycleSuiteBaseTime, cycleSuiteName } from "../cycle/names.ts";
import { cycleProducts, suiteProducts } from "../cycle/products.ts";
import { cycleSuiteDefinition } from "../cycle/suite.ts";
import { type DemoSummary, type RolePlaces, summariseCycle } from "../cycle/summary.ts";
import { startEmbeddedCluster, stopEmbeddedCluster } from "../db/embedded.ts";
import { leadTimeFor } from "../fleet/leadtime.ts";
import type { FleetService } from "../fleet/service.ts";
import { beginSuite, loadSuites } from "../flow/engine/commands.ts";
import { listSuites, nodeHistory } from "../flow/engine/queries.ts";
import { type RunningSimulator, startCloudSigmaSimulator } from "../sim/cloudsigma/index.ts";
import { defaultContent, fieldsOfStep } from "../sim/ecmwf/fields.ts";
import { type PreparedStream, prepareStream } from "../sim/ecmwf/prepared.ts";
import { latestBaseTime, streamPlan } from "../sim/ecmwf/stream.ts";
import { cliPath, freePort, isAlive } from "../system/processes.ts";
import type { DataServerReach } from "./data-server.ts";
import {
  bringUpDataServer,
  type DemoDataServer,
  dataServerPlace,
  demoDataServerName,
  planDemoDataServer,
} from "./demo-data-server.ts";
import { describeRoles } from "./roles.ts";
import { type RunningServer, type ServerOptions, startServer } from "./server.ts";

export interface DemoOptions {
  dataDir: string;
  baseTime?: Date | undefined;
  /** Steps of the cycle, e.g. "0-12". */
  steps: string;
  /** Grid increment of the simulated model in degrees. */
  grid: number;
  /** A stream prepared ahead (`sim ecmwf --prepare`): its cycle, grid and steps replace the three above. */
  prepared?: PreparedStream | undefined;
  /** Schedule compression of the stream. */
  timeFactor: number;
  /** Compute nodes: the most the autoscaler starts, or all of them for the whole cycle with fixedNodes. */
  nodes: number;
  fixedNodes?: boolean | undefined;
  /** Where compute nodes come from: worker processes here, or the CloudSigma simulator's servers. */
  provider: "local" | "sim-cloudsigma";
  port?: number | undefined;
  timeoutSeconds: number;
  /** Where the server's log records go (default: stderr, as JSON). */
  logStream?: ServerOptions["logStream"];
  /** Aborts the cycle (Ctrl-C): everything started is stopped before runDemo rejects. */
  signal?: AbortSignal | undefined;
  onProgress?: (progress: DemoProgress) => void;
  /** The control server is up: its web UI and an API token to sign in with. */
  onServerReady?: (access: { ui: string; token: string }) => void;
  /** Files of the simulated stream encoded so far, before the cycle starts. */
  onPreparing?: (done: number, total: number) => void;
}

export interface DemoProgress {
  filesReceived: number;
  filesPlanned: number;
  jobsComplete: number;
  jobsPlanned: number;
  nodesReady: number;
  suiteState: string;
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
function demoConfig(
  options: DemoOptions,
  expectedFields: number,
  ftpPort: number,
  cloud: RunningSimulator | null,
  env: NodeJS.ProcessEnv,
  dataServer: DemoDataServer | null,
): Config {
  const passivePort = 40000 + Math.floor(Math.random() * 20000);
  const ftpHost = dataServer?.dataHost ?? "127.0.0.1";
  const file = join(options.dataDir, demoConfigName);
  const text = stringify({
    dataDir: options.dataDir,
    log: { level: "warn" },
    server: { port: dataServer?.controlPort ?? options.port ?? 0 },
    ingest: {
      ftp: {
        enabled: true,
        host: ftpHost,
        port: ftpPort,
        passive: { url: ftpHost, minPort: passivePort, maxPort: passivePort + 40 },
        // ECMWF's push comes from this host, at its address on the simulated VLAN when there is one.
        ...(cloud?.vlan && dataServer ? { allow: [`${cloud.vlan.hostAddress}/32`] } : {}),
        users: [{ name: "ecmwf", passwordEnv: ftpPasswordVariable }],
      },
    },
    fleet: {
      provider: cloud ? "cloudsigma" : "local",
      computeNodes: options.nodes,
      // A step's backlog cleared within 1 s keeps arrival to delivery under the 2 s target with room for
      // ingest, delivery and a busy machine (at 1.5 s the whole cycle's p95 was 2.0 s), without a second
      // node for work the first finishes before it boots.
      autoscale: { enabled: !options.fixedNodes, backlogSeconds: 1 },
      // The demo's clock runs fast: provisioning is learned from the first node on, with a small margin.
      // A simulated server counts as provisioned when it runs; its guest's worker needs about a second more.
      // Before anything is learned: a local node is a process, up in 0.4-0.7 s; asked for 2 s ahead, it was
      // up so early that it was released and asked for again, two boots for one node.
      leadTime: { defaultSeconds: cloud ? 2 : 1, marginSeconds: cloud ? 1.2 : 0.2, minSamples: 1 },
      reconcileIntervalSeconds: 2,
      workerArgs: ["--concurrency", "1"],
      ...(cloud
        ? {
            cloudsigma: {
              apiUrl: cloud.url,
              goldenServer: "cloudburst-golden",
              pollIntervalMs: 100,
              ...(dataServer ? { dataServer: demoDataServerName } : {}),
            },
          }
        : {}),
      ...(dataServer ? { workerServerUrl: dataServer.dataUrl, controlUrl: dataServer.controlUrl } : {}),
      ...(cloud?.vlan ? { vlan: demoVlan(cloud.vlan, dataServer?.dataHost ?? cloud.vlan.hostAddress) } : {}),
    },
    cycle: { destination: join(options.dataDir, "delivered") },
    // As an operator configures it from the dissemination requirements: ECMWF (centre ecmf) sends this
    // many fields a cycle, and a cycle that has them all is complete.
    catalogue: {
      producers: [{ name: "ecmf", description: "ECMWF (simulated stream)", expectedFields }],
    },
    // A step is late 10 minutes after its data (alerts.lateStepSeconds), on the demo's faster clock.
    alerts: { lateStepSeconds: Math.max(1, Math.round(600 / options.timeFactor)) },
  });
  writeFileSync(
    file,
    `# Written by \`cloudburst demo\`; its workers read it through CLOUDBURST_CONFIG.\n${text}`,
  );
  return loadConfig({ file, env });
}

/** fleet.vlan for the simulated VLAN: the data role at `dataAddress`, nodes from .10 on. */
function demoVlan(vlan: NonNullable<RunningSimulator["vlan"]>, dataAddress: string) {
  const base = vlan.subnet.slice(0, vlan.subnet.lastIndexOf("."));
  return {
    subnet: vlan.subnet,
    dataAddress,
    nodeRange: { first: `${base}.10`, last: `${base}.250` },
  };
}

/** The environment variable the demo's FTP user's password is read from (config: passwordEnv). */
const ftpPasswordVariable = "CB_DEMO_FTP_PASSWORD";

/** How long the fleet expects the demo's first nodes to take to start (learned, or the default). */
async function provisioningSeconds(
  fleet: FleetService | null,
  options: { nodes: number; fixedNodes?: boolean | undefined },
): Promise<number> {
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
  return { url: url.toString(), stop: () => stopEmbeddedCluster(cluster) };
}

/** What the demo starts besides the stream: the on-premise catalogue, the cloud, the server. */
interface DemoServices {
  config: Config;
  server: RunningServer;
  destinationCatalogue: DestinationCatalogue;
  ftpPort: number;
  ftpPassword: string;
  /** Where simulated guests' traffic goes (the simulated VLAN, or why not); null with local nodes. */
  guestNetwork: string | null;
  /** The simulated data server the data role runs on (sim-cloudsigma); null when the server holds it. */
  dataServer: { plan: DemoDataServer; cloud: RunningSimulator } | null;
  stop(): Promise<void>;
}

/** Fields in a cycle of the prepared stream: every scheduled step carries the same fields. */
export function expectedStreamFields(prepared: Pick<PreparedStream, "steps">): number {
  return prepared.steps.length * fieldsOfStep(defaultContent).length;
}

async function startDemoServices(options: DemoOptions, prepared: PreparedStream): Promise<DemoServices> {
  const ftpPassword = randomBytes(18).toString("base64url");
  // The on-premise side's catalogue (FMI's NEONS/radon): a second PostgreSQL the products are replicated to.
  const destinationCatalogue = await startDestinationCatalogue(join(options.dataDir, "destination"));
  const ftpPort = await freePort();
  const cloud =
    options.provider === "sim-cloudsigma"
      ? await startCloudSigmaSimulator({
          // The simulated cloud keeps the stream's pace: at 10×, CloudSigma's 20 s provision takes 2 s,
          // as long against the steps' gaps as the real one is against the real stream's.
          timeScale: 1 / options.timeFactor,
          guestDir: join(options.dataDir, "guests"),
          // As `sim cloudsigma`: exported credentials let another terminal reach the simulated account
          // as the real one (`cloudburst fleet leaks`, curl); without them the account's are random.
          username: process.env["CLOUDSIGMA_USERNAME"] || null,
          password: process.env["CLOUDSIGMA_PASSWORD"] || null,
        }).catch(async (error: unknown) => {
          await destinationCatalogue.stop();
          throw error;
        })
      : null;
  const dataServer = cloud ? await planDemoDataServer(cloud, options.port) : null;
  const stopCloud = async () => {
    try {
      await cloud?.stop();
    } finally {
      await dataServer?.close();
      await destinationCatalogue.stop();
    }
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [ftpPasswordVariable]: ftpPassword,
    ...(cloud
      ? { CLOUDSIGMA_USERNAME: cloud.credentials.username, CLOUDSIGMA_PASSWORD: cloud.credentials.password }
      : {}),
  };
  try {
    const config = demoConfig(options, expectedStreamFields(prepared), ftpPort, cloud, env, dataServer);
    // Read when the data server asks for its settings: the databases as it reaches them.
    const reach: DataServerReach = {};
    const server = await startServer(config, {
      logToStderr: true,
      logStream: options.logStream,
      destinationCatalogueUrl: destinationCatalogue.url,
      // With a simulated data server this is the control role; on the simulated VLAN (root) it also
      // listens at the host's address there, the only one guests reach from their network namespaces.
      ...(dataServer
        ? { roles: new Set(["control"] as const), alsoOn: dataServer.alsoOn, dataServerReach: reach }
        : {}),
    });
    if (dataServer) {
      const urls = await dataServer
        .reach({ database: server.db.url, destinationCatalogue: destinationCatalogue.url })
        .catch(async (error: unknown) => {
          await server.stop();
          throw error;
        });
      Object.assign(reach, urls);
    }
    return {
      config,
      server,
      destinationCatalogue,
      ftpPort,
      ftpPassword,
      guestNetwork: cloud?.guestNetwork ?? null,
      dataServer: dataServer && cloud ? { plan: dataServer, cloud } : null,
      stop: async () => {
        // The cloud goes first: the data server's data role holds connections to this server's
        // database. The server and the clusters go even when a stop before them fails.
        try {
          await cloud?.stop();
        } finally {
          try {
            await server.stop();
          } finally {
            await dataServer?.close();
            await destinationCatalogue.stop();
          }
        }
      },
    };
  } catch (error) {
    await stopCloud();
    throw error;
  }
}

export async function runDemo(options: DemoOptions): Promise<Demo> {
  freshDataDir(options.dataDir);
  // ECMWF's side: every file is made before the cycle, so that encoding them neither takes this
  // machine's CPU from the cycle nor holds up the schedule. A spool made here goes once played.
  const ownSpool = options.prepared ? null : join(options.dataDir, "ecmwf");
  const prepared =
    options.prepared ??
    (await prepareStream({
      dir: ownSpool!,
      baseTime: options.baseTime ?? latestBaseTime(),
      increment: options.grid,
      steps: options.steps,
      signal: options.signal,
      onStep: options.onPreparing,
    }));
  const started = Date.now();
  const services = await startDemoServices(options, prepared);
  const { server, config } = services;
  let push: StreamPush | null = null;
  try {
    const token = await createToken(server.db.pool, `demo-${new Date().toISOString()}`);
    options.onServerReady?.({ ui: `${server.url}/ui/`, token });
    if (services.dataServer) {
      const { plan, cloud } = services.dataServer;
      await bringUpDataServer(
        server,
        cloud,
        plan,
        cycleKey(config.cycle.producer, prepared.baseTime),
        options.signal,
      );
    }
    const cycle = await beginCycle(services, prepared, options);
    push = pushStream({
      prepared,
      ftpHost: config.ingest.ftp.host,
      ftpPort: services.ftpPort,
      password: services.ftpPassword,
      timeFactor: options.timeFactor,
      startAt: cycle.firstDataAt,
    });
    const state = await followCycle(services, cycle, push, { ...options, started });
    await push.done.catch(() => undefined);
    if (ownSpool) rmSync(ownSpool, { recursive: true, force: true });
    const summary = await summariseCycle({
      pool: server.db.pool,
      config,
      fleet: server.fleet,
      suite: cycle.suite,
      baseTime: prepared.baseTime,
      started,
      suiteState: state,
      destinationCatalogueUrl: services.destinationCatalogue.url,
      serverUrl: server.url,
      roles: rolePlaces(server, services),
    });
    return { server, token, summary, stop: services.stop };
  } catch (error) {
    push?.stop();
    await releaseCompute(server.fleet, cycleKey(config.cycle.producer, prepared.baseTime)).catch(
      () => undefined,
    );
    await services.stop();
    throw error;
  }
}

interface DemoCycle {
  suite: string;
  firstDataAt: Date;
  filesPlanned: number;
  jobsPlanned: number;
}

/** Loads the cycle suite for the prepared stream's steps and begins it. */
async function beginCycle(
  services: DemoServices,
  prepared: PreparedStream,
  options: DemoOptions,
): Promise<DemoCycle> {
  const { server, config } = services;
  const plan = streamPlan({ baseTime: prepared.baseTime, steps: prepared.steps.join(",") });
  const planned = new Set(plan.map((p) => p.step));
  const products = suiteProducts(cycleProducts(config), planned);
  const suite = cycleSuiteName(prepared.baseTime);
  // As in production, where the suite provisions compute just before the dissemination starts, the
  // first step is due one learned provisioning time after the suite begins.
  const firstDataAt = new Date(Date.now() + (await provisioningSeconds(server.fleet, options)) * 1000);
  const definition = cycleSuiteDefinition({
    baseTime: prepared.baseTime,
    products,
    computeNodes: options.nodes,
    jobsPerNode: 1,
    firstDataAt,
  });
  await loadSuites(server.db.pool, definition, `${suite}.def`, { actor: "demo" });
  await beginSuite(server.db.pool, suite, "demo");
  return {
    suite,
    firstDataAt,
    filesPlanned: plan.length,
    jobsPlanned: products.reduce((n, p) => n + p.steps.length, 0),
  };
}

/** Reports progress until the suite is complete or aborted; throws on a failed stream, a stop or the timeout. */
async function followCycle(
  services: DemoServices,
  cycle: DemoCycle,
  push: StreamPush,
  options: DemoOptions & { started: number },
): Promise<string> {
  const { server } = services;
  const pool = server.db.pool;
  let streamError: Error | null = null;
  push.done.catch((error: Error) => {
    streamError = error;
  });
  const deadline = options.started + options.timeoutSeconds * 1000;
  for (;;) {
    const state = (await listSuites(pool)).find((s) => s.name === cycle.suite)?.state ?? "unknown";
    options.onProgress?.(await progressOf(services, cycle, state, options.started));
    if (state === "complete" || state === "aborted") return state;
    if (streamError) throw new Error(`the simulated stream failed: ${(streamError as Error).message}`);
    if (options.signal?.aborted) throw new Error("interrupted: the cycle was stopped before it finished");
    if (Date.now() > deadline)
      throw new Error(
        `the cycle did not finish within ${options.timeoutSeconds} s (suite ${state}); see the UI at ${server.url}/ui/`,
      );
    await sleep(1000);
  }
}

async function progressOf(
  services: DemoServices,
  cycle: DemoCycle,
  suiteState: string,
  started: number,
): Promise<DemoProgress> {
  const { server, config } = services;
  const pool = server.db.pool;
  const history = await nodeHistory(pool, `/${cycle.suite}/products`, 100_000);
  const jobsComplete = new Set(
    history.filter((h) => h.toState === "complete" && h.kind !== "family").map((h) => h.path),
  ).size;
  const fleet = server.fleet;
  const baseTime = cycleSuiteBaseTime(cycle.suite)!;
  const nodes = fleet
    ? await fleet.store.nodes(fleet.config.fleet.environment, cycleKey(config.cycle.producer, baseTime))
    : [];
  const files = await filesReceivedSince(pool, new Date(started));
  return {
    filesReceived: files,
    filesPlanned: cycle.filesPlanned,
    jobsComplete: Math.min(jobsComplete, cycle.jobsPlanned),
    jobsPlanned: cycle.jobsPlanned,
    nodesReady: nodes.filter((n) => n.state === "ready").length,
    suiteState,
  };
}

interface StreamPush {
  /** Resolves when every file is pushed; rejects with what the push said when it failed. */
  done: Promise<void>;
  stop(): void;
}

/**
 * ECMWF's push, run as ECMWF's own machine would run it: `cloudburst sim ecmwf --from` in a process of
 * its own, so that reading and sending the files takes nothing from the data server's event loop.
 */
function pushStream(options: {
  prepared: PreparedStream;
  ftpHost: string;
  ftpPort: number;
  password: string;
  timeFactor: number;
  startAt: Date;
}): StreamPush {
  const child = spawn(
    process.execPath,
    [
      cliPath,
      "sim",
      "ecmwf",
      "--from",
      options.prepared.dir,
      "--to",
      `ftp://ecmwf@${options.ftpHost}:${options.ftpPort}/`,
      "--time-factor",
      String(options.timeFactor),
      "--start-at",
      options.startAt.toISOString(),
    ],
    { env: { ...process.env, DELIVERY_PASSWORD: options.password }, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const done = new Promise<void>((resolveDone, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      code === 0
        ? resolveDone()
        : reject(new Error(`the push exited ${code ?? signal}: ${stderr.trim() || "no message"}`)),
    );
  });
  done.catch(() => undefined);
  return { done, stop: () => child.kill("SIGTERM") };
}

/** An unfinished cycle's compute nodes are destroyed: nothing is left running, or billing. */
async function releaseCompute(fleet: FleetService | null, key: string): Promise<void> {
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

/** Where the demo's roles ran: the server roles in its server or on the data server, compute on nodes. */
function rolePlaces(
  server: RunningServer,
  { guestNetwork, dataServer }: Pick<DemoServices, "guestNetwork" | "dataServer">,
): RolePlaces {
  const here = `this machine's server (pid ${process.pid}, ${server.url}, roles ${describeRoles(server.roles)})`;
  return {
    control: here,
    data: dataServer ? dataServerPlace(dataServer.plan, guestNetwork ?? "") : here,
    compute:
      guestNetwork !== null
        ? `simulated CloudSigma servers, each a process tree with a root and an environment of its own, told only the data role's URL and a token of its own (their user data); ${guestNetwork}`
        : "local worker processes, told only the data role's URL and a token of their own",
  };
}
