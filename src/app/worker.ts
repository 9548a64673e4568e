// The compute-node process (`cloudburst worker`): a worker agent with the actions its queues run,
// reaching the flow engine straight through PostgreSQL or through a server's worker protocol.
import type { Config } from "../config/load.ts";
import { cycleActions } from "../cycle/actions.ts";
import type { CycleContext } from "../cycle/context.ts";
import { stepArrivals } from "../cycle/dissemination.ts";
import { cycleProducts } from "../cycle/products.ts";
import { type Database, openDatabase } from "../db/database.ts";
import type { QueueName } from "../queue/boss.ts";
import { storeOf } from "../store/store.ts";
import { type Action, ActionRegistry, builtinActions } from "../worker/actions.ts";
import { type RunningWorker, startWorker } from "../worker/agent.ts";

export interface WorkerProcessOptions {
  queues: QueueName[];
  concurrency: number;
  name?: string | undefined;
  /** The server's worker protocol instead of PostgreSQL. */
  server?: { url: string; token: string } | undefined;
  log: (message: string) => void;
}

export interface WorkerProcess {
  worker: RunningWorker;
  /** Drains running jobs for up to `drainMs`, then stops the agent and closes the database. */
  stop(drainMs: number): Promise<void>;
}

/** The actions a worker can list or run without a database (the cycle's need the data role). */
export function workerActions(cycle: Action[] = []): ActionRegistry {
  return new ActionRegistry([...builtinActions, ...cycle]);
}

export async function startWorkerProcess(
  config: Config,
  options: WorkerProcessOptions,
): Promise<WorkerProcess> {
  const db: Database | null = options.server
    ? null
    : await openDatabase(config, { applicationName: "cloudburst-worker" });
  try {
    const cycle: CycleContext | null = db && {
      settings: config.cycle,
      db,
      store: storeOf(config),
      products: cycleProducts(
        config,
        stepArrivals().map((a) => a.step),
      ),
      destinationCatalogueUrl: null,
      fleet: null,
      ingest: null,
    };
    const actions = workerActions(cycle ? cycleActions(() => cycle) : []);
    const worker = await startWorker({
      ...(options.server ? { server: options.server } : { url: db!.url, pool: db!.pool }),
      queues: options.queues,
      actions,
      concurrency: options.concurrency,
      ...(options.name ? { name: options.name } : {}),
      log: options.log,
    });
    return {
      worker,
      async stop(drainMs) {
        await worker.stop({ drainMs });
        await db?.close();
      },
    };
  } catch (error) {
    await db?.close();
    throw error;
  }
}
