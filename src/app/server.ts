// The server process: builds the roles it holds (control, data, or both) from one configuration and
// one database, wires them together, and serves them over HTTP. The one place where subsystems are
// started; everything they need is handed to them here.
import {
  createServer as createHttpServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Server as NetServer } from "node:net";
import { hostname } from "node:os";
import type { FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import { startAlertWatch } from "../alerts/service.ts";
import type { AlertWatch } from "../alerts/watch.ts";
import type { Config } from "../config/load.ts";
import { catalogueDataSource, cycleActions } from "../cycle/actions.ts";
import { type CycleContext, cycleContext } from "../cycle/context.ts";
import { cycleDemand } from "../cycle/demand.ts";
import { lateStepProblems } from "../cycle/late-steps.ts";
import { registerCycleMetrics } from "../cycle/metrics.ts";
import { deliverTaskOf } from "../cycle/names.ts";
import { cycleProducts } from "../cycle/products.ts";
import { type Database, openDatabase } from "../db/database.ts";
import { registerDeliveryMetrics } from "../delivery/metrics.ts";
import { apiErrorCounter, registerFleetMetrics } from "../fleet/metrics.ts";
import { fleetConfig } from "../fleet/registry.ts";
import { configuredWorkerAccess, type FleetService, nodeAccess, startFleet } from "../fleet/service.ts";
import type { WorkerAccess } from "../fleet/userdata.ts";
import { FLOW_CHANGED_CHANNEL } from "../flow/engine/child-events.ts";
import { FIELDS_REGISTERED_CHANNEL } from "../flow/engine/data-trigger.ts";
import { FlowEngine } from "../flow/engine/engine.ts";
import { FLOW_JOBS_CHANNEL } from "../flow/engine/job.ts";
import { registerFlowMetrics } from "../flow/engine/metrics.ts";
import { abortTasksOfDeadServers } from "../flow/engine/worker-lost.ts";
import { type IngestService, startIngest } from "../ingest/service.ts";
import { buildApp } from "../server/app.ts";
import { type EventRelay, startEventRelay } from "../server/events.ts";
import { createServerMetrics } from "../server/metrics.ts";
import { storeOf } from "../store/store.ts";
import type { LogSink } from "../system/log.ts";
import { isAlive, stopSignals } from "../system/processes.ts";
import type { ServerCertificate } from "../system/tls.ts";
import { ActionRegistry, builtinActions } from "../worker/actions.ts";
import { type RunningWorker, startWorker } from "../worker/agent.ts";
import { directBackend, type WorkerBackend } from "../worker/backend.ts";
import { serverCertificate } from "./certificate.ts";
import { type DataServerReach, dataRoleSettingsOf } from "./data-server.ts";
import { createLogger, type Logger } from "./logger.ts";
import { describeRoles, ROLES, type Role } from "./roles.ts";

export interface RunningServer {
  app: FastifyInstance;
  db: Database;
  /** The base URL the server answers on, e.g. https://127.0.0.1:8080 */
  url: string;
  /** The SHA-256 fingerprint of its TLS certificate (what nodes pin), or null without TLS. */
  fingerprint: string | null;
  roles: ReadonlySet<Role>;
  /** The fleet, when this server holds the control role. */
  fleet: FleetService | null;
  stop(): Promise<void>;
}

export interface ServerOptions {
  host?: string | undefined;
  port?: number | undefined;
  /** The roles this process holds (default: all). */
  roles?: ReadonlySet<Role> | undefined;
  /** Logs go to stderr, leaving stdout to the command's own output (the demo's summary). */
  logToStderr?: boolean | undefined;
  /** Where log records go instead (the CLI's human lines on a terminal); overrides logToStderr. */
  logStream?: LogSink | undefined;
  /** The destination's catalogue that the deliver task replicates product rows to. */
  destinationCatalogueUrl?: string | undefined;
  /** More addresses the server listens on, at its port (the demo's simulated VLAN). */
  alsoOn?: readonly string[] | undefined;
  /** The databases as a data server that takes its settings from this control role reaches them. */
  dataServerReach?: DataServerReach | undefined;
}

/** Where this server's fleet sends nodes for work: unknown until the server listens. */
interface Serving {
  access: WorkerAccess | null;
}

/** Jobs of the control queue the server runs at once. */
const controlConcurrency = 4;
/** Connections the worker protocol's queue client keeps, for every node's long polls and reports. */
const workerProtocolConnections = 8;

/** What is started, in order; stopped in reverse. */
interface Parts {
  events: EventRelay;
  ingest: IngestService | null;
  fleet: FleetService | null;
  flow: FlowEngine | null;
  control: RunningWorker | null;
  watch: AlertWatch | null;
  workerBackend: WorkerBackend | null;
}

export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const roles = options.roles ?? new Set(ROLES);
  const host = options.host ?? config.server.host;
  const port = options.port ?? config.server.port;
  const log = createLogger({
    level: config.log.level,
    toStderr: options.logToStderr,
    stream: options.logStream,
  });
  const db = await openDatabase(config, { applicationName: "cloudburst-server" });
  const started: Partial<Parts> = {};
  const stopParts = async () => {
    await started.watch?.stop();
    await started.control?.stop();
    await started.flow?.stop();
    await started.fleet?.stop();
    await started.workerBackend?.close();
    await started.ingest?.stop();
    await started.events?.close();
    await db.close();
  };
  let app: FastifyInstance;
  const tls = serverCertificate(config);
  const serving: Serving = { access: null };
  const listeners: NetServer[] = [];
  const closeListeners = () => Promise.all(listeners.map(closeListener));
  try {
    app = await startRoles(config, db, log, roles, started, { ...options, tls, serving });
    await listenAll(app, { host, port, alsoOn: options.alsoOn ?? [], tls }, listeners);
  } catch (error) {
    await stopParts();
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE")
      throw new Error(
        `port ${port} on ${host} is in use: stop what uses it, or pass --port (or set server.port)`,
      );
    throw error;
  }
  const boundPort = listeningPort(app, port);
  const url = `${tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${boundPort}`;
  // Nodes are pointed at the configured data role, else at this server once it serves the data role.
  const fingerprint = tls?.fingerprint ?? null;
  const configuredDataRole = fleetConfig(config).workerServerUrl;
  const access = roles.has("data")
    ? (configuredWorkerAccess(config, fingerprint) ?? { serverUrl: url, fingerprint })
    : configuredDataRole
      ? { serverUrl: configuredDataRole, fingerprint }
      : null;
  serving.access = access && nodeAccess(access, fleetConfig(config));
  log.info(
    {
      url,
      roles: describeRoles(roles),
      embeddedDatabase: db.embedded,
      fingerprint: tls?.fingerprint ?? null,
    },
    "server ready",
  );
  let stopping: Promise<void> | null = null;
  return {
    app,
    db,
    url,
    roles,
    fingerprint: tls?.fingerprint ?? null,
    fleet: started.fleet ?? null,
    stop() {
      stopping ??= closeListeners()
        .then(() => app.close())
        .then(stopParts);
      return stopping;
    },
  };
}

function listeningPort(app: FastifyInstance, configured: number): number {
  const address = app.server.address();
  return typeof address === "object" && address ? address.port : configured;
}

/**
 * `app` listening at host:port, and at the same port on each of `alsoOn` (into `listeners`); when one
 * cannot, what listens is closed again before the error is thrown.
 */
async function listenAll(
  app: FastifyInstance,
  at: { host: string; port: number; alsoOn: readonly string[]; tls: ServerCertificate | null },
  listeners: NetServer[],
): Promise<void> {
  await app.listen({ host: at.host, port: at.port });
  try {
    for (const extra of at.alsoOn)
      listeners.push(await alsoListen(app, extra, listeningPort(app, at.port), at.tls));
  } catch (error) {
    await Promise.all(listeners.map(closeListener));
    await app.close();
    throw error;
  }
}

/** Another listener for `app`'s requests, at `host` and `port` (TLS as `app`'s). */
async function alsoListen(
  app: FastifyInstance,
  host: string,
  port: number,
  tls: ServerCertificate | null,
): Promise<NetServer> {
  const handler = (req: IncomingMessage, res: ServerResponse) => app.routing(req, res);
  const server = tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler)
    : createHttpServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `the server cannot also listen at ${host}:${port} (${error.code ?? error.message}): ${error.code === "EADDRNOTAVAIL" ? "that address is not this machine's" : "stop what uses that port there"}`,
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  return server;
}

/** Closes a listener, and the connections (workers' long polls) that would hold it open. */
function closeListener(server: NetServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    (server as HttpServer).closeAllConnections();
  });
}

/** Starts the subsystems of `roles` into `parts` and returns the HTTP application serving them. */
async function startRoles(
  config: Config,
  db: Database,
  log: Logger,
  roles: ReadonlySet<Role>,
  parts: Partial<Parts>,
  options: ServerOptions & { tls: ServerCertificate | null; serving: Serving },
): Promise<FastifyInstance> {
  const metrics = createServerMetrics();
  const events = await startEventRelay(db.url);
  parts.events = events;
  const store = storeOf(config);
  const ingest = roles.has("data")
    ? await startIngest(config, db, log, { registry: metrics.registry })
    : null;
  parts.ingest = ingest;
  const fleet = roles.has("control")
    ? await startFleet(config, db, {
        log,
        onProviderError: apiErrorCounter(metrics.registry),
        demand: (cycle) => cycleDemand(db.pool, cycle, ingest?.filesArriving() ?? 0),
        workerAccess: () => options.serving.access,
        controlAccess: () => {
          const controlUrl = fleetConfig(config).controlUrl;
          return controlUrl ? { controlUrl, fingerprint: options.tls?.fingerprint ?? null } : null;
        },
      })
    : null;
  parts.fleet = fleet;
  const cycle: CycleContext = cycleContext({
    settings: config.cycle,
    db,
    store,
    products: cycleProducts(config),
    destinationCatalogueUrl: options.destinationCatalogueUrl ?? null,
    fleet,
    ingest,
    dataRole: () => options.serving.access,
  });
  const actions = new ActionRegistry([...builtinActions, ...cycleActions(() => cycle)]);
  const dataSources = [catalogueDataSource(cycle)];
  // Compute nodes reach the queue and the flow state through the data role's worker protocol.
  const workerBackend = roles.has("data")
    ? await directBackend(db.url, { concurrency: workerProtocolConnections, pool: db.pool })
    : null;
  parts.workerBackend = workerBackend;
  if (roles.has("control")) parts.flow = await FlowEngine.start(db, { dataSources, logger: log });
  registerRoleMetrics(config, db, roles, metrics.registry);
  const orphaned = await abortTasksOfDeadServers(db.pool, hostname(), isAlive);
  if (orphaned.length) log.warn({ tasks: orphaned }, "tasks of a server that ended on this host aborted");
  // The roles' own tasks (provisioning, the ingest meter; delivery) run in this process.
  parts.control = await startWorker({
    url: db.url,
    pool: db.pool,
    queues: [
      ...(roles.has("control") ? (["control"] as const) : []),
      ...(roles.has("data") ? (["data"] as const) : []),
    ],
    actions,
    concurrency: controlConcurrency,
    name: `${describeRoles(roles)}-server:${hostname()}:${process.pid}`,
  });
  if (roles.has("control")) {
    parts.watch = startAlertWatch(config, db.pool, log, {
      deliverTask: deliverTaskOf,
      sources: [lateStepProblems(db.pool, config.cycle.producer, config.alerts.lateStepSeconds)],
    });
  }
  wakeOnEvents(events, fleet, parts.watch ?? null);
  return buildApp({
    https: options.tls ? { cert: options.tls.cert, key: options.tls.key } : undefined,
    pool: db.pool,
    loggerInstance: log,
    events,
    metrics,
    store,
    ingest,
    fleet,
    workerBackend,
    cycle: roles.has("data") ? { products: cycle.products, productData: cycle.productData } : null,
    planner: config,
    dataSources,
    // A control role whose data role runs apart hands the data server its settings at its boot.
    dataRoleSettings:
      roles.has("control") && !roles.has("data")
        ? dataRoleSettingsOf(config, {
            databaseUrl: db.url,
            destinationCatalogueUrl: options.destinationCatalogueUrl ?? null,
            reach: options.dataServerReach ?? {},
            tls: options.tls,
            access: () => options.serving.access,
          })
        : null,
  });
}

/** The metrics each role reports from the database (the flow, the fleet and the cycle: control; delivery: data). */
function registerRoleMetrics(
  config: Config,
  db: Database,
  roles: ReadonlySet<Role>,
  registry: Registry,
): void {
  if (roles.has("control")) {
    registerFlowMetrics(registry, db.pool);
    registerFleetMetrics(registry, db.pool, fleetConfig(config));
    registerCycleMetrics(registry, db.pool, {
      producer: config.cycle.producer,
      lateStepSeconds: config.alerts.lateStepSeconds,
    });
  }
  if (roles.has("data")) registerDeliveryMetrics(registry, db.pool);
}

/** The autoscaler looks again when data arrives or a job moves; the alert watch when the flow or data changes. */
function wakeOnEvents(events: EventRelay, fleet: FleetService | null, watch: AlertWatch | null): void {
  const scaler = fleet?.controller;
  const backlog: string[] = [FIELDS_REGISTERED_CHANNEL, FLOW_JOBS_CHANNEL, FLOW_CHANGED_CHANNEL];
  events.subscribe((channel) => {
    if (scaler && backlog.includes(channel)) scaler.nudge();
    if (watch && (channel === FLOW_CHANGED_CHANNEL || channel === FIELDS_REGISTERED_CHANNEL)) watch.nudge();
  });
}

/**
 * Resolves when one of stopSignals arrives, after the server has stopped. Given the server while it
 * starts, a signal that comes before it is up (after it said "server ready", say) stops it once it is;
 * resolves with null, handlers removed, when the start fails.
 */
export function stopOnSignals(
  server: RunningServer | Promise<RunningServer>,
): Promise<NodeJS.Signals | null> {
  const starting = Promise.resolve(server);
  return new Promise((resolve) => {
    const off = () => {
      for (const s of stopSignals) process.off(s, onSignal);
    };
    const onSignal = (signal: NodeJS.Signals) => {
      off();
      void starting
        .then((running) => {
          running.app.log.info({ signal }, "shutting down");
          return running.stop();
        })
        .then(
          () => resolve(signal),
          () => resolve(signal),
        );
    };
    for (const s of stopSignals) process.on(s, onSignal);
    starting.catch(() => {
      off();
      resolve(null);
    });
  });
}
