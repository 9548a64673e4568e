// The compute-node process (`cloudburst worker`): a worker agent with the actions its queues run. Given
// a server (the normal case for a node), it speaks only the worker protocol: jobs, reports, the cycle's
// products, their inputs and outputs all go over the network to the data role, and no database is
// opened. Without one, it reaches PostgreSQL directly (DATABASE_URL or the embedded cluster).
import type { Config } from "../config/load.ts";
import { cycleActions, productAction } from "../cycle/actions.ts";
import { type CycleContext, cycleContext } from "../cycle/context.ts";
import type { ProductContext } from "../cycle/product-action.ts";
import { cycleProducts } from "../cycle/products.ts";
import { RemoteProductData } from "../cycle/remote-data.ts";
import { type Database, openDatabase } from "../db/database.ts";
import type { QueueName } from "../queue/boss.ts";
import { storeOf } from "../store/store.ts";
import { type Action, ActionRegistry, builtinActions } from "../worker/actions.ts";
import { type RunningWorker, startWorker } from "../worker/agent.ts";
import { httpBackend } from "../worker/http-backend.ts";
import { LogShipper } from "../worker/log-shipper.ts";
import { workerCalls } from "../worker/protocol.ts";
import { type OnServerRetry, type ServerAccess, ServerClient } from "../worker/server-client.ts";

export interface WorkerProcessOptions {
  queues: QueueName[];
  concurrency: number;
  /** The worker's name in the flow history: its node's. */
  name: string;
  /** The server's worker protocol instead of PostgreSQL. */
  server?: ServerAccess | undefined;
  log: (message: string) => void;
}

export interface WorkerProcess {
  worker: RunningWorker;
  /** Drains running jobs for up to `drainMs`, then stops the agent and closes the database. */
  stop(drainMs: number): Promise<void>;
}

/** The actions a worker runs: the built-in ones, and the cycle's it is given. */
export function workerActions(cycle: Action[] = []): ActionRegistry {
  return new ActionRegistry([...builtinActions, ...cycle]);
}

export async function startWorkerProcess(
  config: Config,
  options: WorkerProcessOptions,
): Promise<WorkerProcess> {
  return options.server ? startNetworkWorker(options.server, options) : startDatabaseWorker(config, options);
}

/** A node: everything through the server's worker protocol; its release checked first. */
async function startNetworkWorker(
  access: ServerAccess,
  options: WorkerProcessOptions,
): Promise<WorkerProcess> {
  const client = new ServerClient(access);
  // The node's log goes to the data role too, where operators read it (a VM's journal is out of reach).
  const shipper = new LogShipper((lines) => client.json("log", { lines }, workerCalls.log.answer));
  const log = (message: string) => {
    options.log(message);
    shipper.line(message);
  };
  const onRetry: OnServerRetry = (what, error, attempt, delayMs) =>
    log(`${what}: attempt ${attempt} failed (${error.message}); again in ${delayMs} ms`);
  await client.hello(options.name, onRetry);
  log(
    `worker ${options.name} started: queues ${options.queues.join(", ")}, concurrency ${options.concurrency}`,
  );
  const data = new RemoteProductData(client, { onRetry });
  let context: Promise<ProductContext> | null = null;
  const products = () => {
    context ??= data.products().then((list) => ({ products: list, data }));
    context.catch(() => {
      context = null;
    });
    return context;
  };
  const worker = await startWorker({
    backend: httpBackend(client, { onRetry }),
    queues: options.queues,
    actions: workerActions([productAction(products)]),
    concurrency: options.concurrency,
    name: options.name,
    log,
  });
  return {
    worker,
    async stop(drainMs) {
      log(`worker ${options.name} stopping`);
      await worker.stop({ drainMs });
      await shipper.stop();
    },
  };
}

/** A worker beside the database (tests, a single machine): the cycle's context from its configuration. */
async function startDatabaseWorker(config: Config, options: WorkerProcessOptions): Promise<WorkerProcess> {
  const db: Database = await openDatabase(config, { applicationName: "cloudburst-worker" });
  try {
    const cycle: CycleContext = cycleContext({
      settings: config.cycle,
      db,
      store: storeOf(config),
      products: cycleProducts(config),
    });
    const worker = await startWorker({
      url: db.url,
      pool: db.pool,
      queues: options.queues,
      actions: workerActions(cycleActions(() => cycle)),
      concurrency: options.concurrency,
      name: options.name,
      log: options.log,
    });
    return {
      worker,
      async stop(drainMs) {
        await worker.stop({ drainMs });
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}
