// Runs the control server process: database (embedded or external), HTTP, and a graceful shutdown.
import type { FastifyInstance } from "fastify";
import { startAlertWatch } from "../alerts/service.ts";
import type { AlertWatch } from "../alerts/watch.ts";
import type { Config } from "../config/load.ts";
import { type Database, openDatabase } from "../db/database.ts";
import { startFleet } from "../fleet/service.ts";
import { startFlowEngine } from "../flow/engine/scheduler.ts";
import { startIngest } from "../ingest/service.ts";
import { buildApp } from "./app.ts";
import "../cycle/actions.ts";
import { cycleDemand } from "../cycle/demand.ts";
import { deliverTaskOf, lateStepProblems } from "../cycle/late-steps.ts";
import { FLOW_CHANGED_CHANNEL } from "../flow/engine/child-events.ts";
import { FIELDS_REGISTERED_CHANNEL } from "../flow/engine/data-trigger.ts";
import { FLOW_JOBS_CHANNEL } from "../flow/engine/job.ts";
import { stopSignals } from "../system/processes.ts";
import { type EventRelay, startEventRelay } from "./events.ts";

export interface RunningServer {
  app: FastifyInstance;
  db: Database;
  /** The base URL the server answers on, e.g. http://127.0.0.1:8080 */
  url: string;
  stop(): Promise<void>;
}

export interface ServerOptions {
  host?: string | undefined;
  port?: number | undefined;
  /** Logs go to stderr, leaving stdout to the command's own output (the demo's summary). */
  logToStderr?: boolean | undefined;
  /** Where log records go instead (the CLI's human lines on a terminal); overrides logToStderr. */
  logStream?: { write(line: string): void } | undefined;
}

export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? config.server.host;
  const port = options.port ?? config.server.port;
  const db = await openDatabase(config, { applicationName: "cloudburst-server" });
  let app: FastifyInstance;
  let events: EventRelay | undefined;
  let ingest: Awaited<ReturnType<typeof startIngest>> | undefined;
  let flow: Awaited<ReturnType<typeof startFlowEngine>> | undefined;
  let fleet: Awaited<ReturnType<typeof startFleet>> | undefined;
  let watch: AlertWatch | null = null;
  try {
    events = await startEventRelay(db.url);
    app = await buildApp({
      pool: db.pool,
      logger: {
        level: config.log.level,
        ...(options.logStream
          ? { stream: options.logStream }
          : options.logToStderr
            ? { stream: process.stderr }
            : {}),
      },
      events,
    });
    ingest = await startIngest(config, db, app.log, { registry: app.metrics.registry });
    flow = await startFlowEngine(db, app.log);
    const receiving = ingest;
    fleet = await startFleet(config, db, app.log, (cycle) =>
      cycleDemand(db.pool, cycle, receiving.filesArriving()),
    );
    // The autoscaler looks again as soon as data arrives, a job is submitted or a job changes state.
    const scaler = fleet?.controller;
    const backlogChannels: string[] = [FIELDS_REGISTERED_CHANNEL, FLOW_JOBS_CHANNEL, FLOW_CHANGED_CHANNEL];
    if (scaler)
      events.subscribe((channel) => {
        if (backlogChannels.includes(channel)) scaler.nudge();
      });
    // Operators hear of tasks aborted for good, failed deliveries, quarantined files and late steps.
    const alertWatch = startAlertWatch(config, db.pool, app.log, {
      deliverTask: deliverTaskOf,
      sources: [lateStepProblems(db.pool, config.cycle.producer, config.alerts.lateStepSeconds)],
    });
    watch = alertWatch;
    if (alertWatch)
      events.subscribe((channel) => {
        if (channel === FLOW_CHANGED_CHANNEL || channel === FIELDS_REGISTERED_CHANNEL) alertWatch.nudge();
      });
    await app.listen({ host, port });
  } catch (error) {
    await watch?.stop();
    await fleet?.stop();
    await flow?.stop();
    await ingest?.stop();
    await events?.close();
    await db.close();
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new Error(
        `port ${port} on ${host} is in use: stop what uses it, or pass --port (or set server.port)`,
      );
    }
    throw error;
  }
  const address = app.server.address();
  const boundPort = typeof address === "object" && address ? address.port : port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${boundPort}`;
  let stopping: Promise<void> | null = null;
  return {
    app,
    db,
    url,
    stop() {
      stopping ??= (async () => {
        await app.close();
        await watch?.stop();
        await fleet?.stop();
        await flow?.stop();
        await ingest?.stop();
        await events?.close();
        await db.close();
      })();
      return stopping;
    },
  };
}

/** Resolves when one of stopSignals arrives, after `server.stop()` has finished. */
export function stopOnSignals(server: RunningServer): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      for (const s of stopSignals) process.off(s, onSignal);
      server.app.log.info({ signal }, "shutting down");
      void server.stop().then(() => resolve(signal));
    };
    for (const s of stopSignals) process.on(s, onSignal);
  });
}
