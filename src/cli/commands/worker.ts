// `cloudburst worker`: the compute-node agent. Connects to PostgreSQL (DATABASE_URL, or the embedded
// cluster of the data directory), takes task jobs from the `compute` queue and runs them.

import { hostname } from "node:os";
import { type Command, InvalidArgumentError } from "commander";
import { startWorkerProcess, workerActions } from "../../app/worker.ts";
import { cycleActions } from "../../cycle/actions.ts";
import { isQueueName, type QueueName } from "../../queue/boss.ts";
import { maskUrlsIn } from "../../system/secrets.ts";
import { TlsError } from "../../system/tls.ts";
import { ServerRequestError } from "../../worker/server-client.ts";
import { commandConfig, databaseFailure, requireDatabase } from "../context.ts";
import { UserError } from "../errors.ts";
import { serverAccess, withServerOptions } from "../server-access.ts";

/** How long running jobs may finish after SIGTERM before they are aborted. */
const drainOnStopMs = 5000;

function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new InvalidArgumentError("expected an integer 1-256");
  return n;
}

function parseQueue(value: string, previous: QueueName[] = []): QueueName[] {
  if (!isQueueName(value)) throw new InvalidArgumentError("expected compute, data or control");
  return [...previous, value];
}

export function registerWorkerCommand(program: Command): void {
  const worker = program
    .command("worker")
    .description(
      "run the compute-node agent: take task jobs from the queue and run them until SIGTERM/SIGINT",
    )
    .option("--queue <name>", "queue to take jobs from (repeatable; default: compute)", parseQueue)
    .option("--concurrency <n>", "jobs run at once", parseConcurrency, 1)
    .option(
      "--name <name>",
      "name in the task history (default: its node's name, $CLOUDBURST_NODE_NAME, else host:pid)",
    )
    .option("--actions", "list the built-in actions and exit");
  withServerOptions(worker).action(
    async (
      options: {
        queue?: QueueName[];
        concurrency: number;
        name?: string;
        actions?: boolean;
        server?: string;
        token?: string;
        fingerprint?: string;
      },
      command: Command,
    ) => {
      if (options.actions) {
        const listed = workerActions(
          cycleActions(() => {
            throw new Error("actions are only listed here");
          }),
        ).list();
        for (const a of listed) process.stdout.write(`${a.name}\t${a.description}\n`);
        return;
      }
      const config = commandConfig(command);
      const queues = options.queue ?? ["compute"];
      const log = (message: string) => {
        if (!["silent", "warn", "error", "fatal"].includes(config.log.level))
          process.stderr.write(`${new Date().toISOString()} ${maskUrlsIn(message)}\n`);
      };
      const server = serverAccess(options);
      if (!server) requireDatabase(config);
      const running = await startWorkerProcess(config, {
        queues,
        concurrency: options.concurrency,
        name: options.name ?? process.env["CLOUDBURST_NODE_NAME"] ?? `${hostname()}:${process.pid}`,
        server,
        log,
      }).catch((error: unknown) => {
        if (!server) throw databaseFailure(error, config);
        if (error instanceof ServerRequestError || error instanceof TlsError)
          throw new UserError(
            `this worker cannot work for ${server.url}: ${error.message}`,
            "check the server URL, the node's token (a node's ends with its cycle) and the certificate fingerprint; `cloudburst fleet user-data compute` on the control host prints what nodes get",
          );
        throw error;
      });
      const { worker } = running;
      process.stdout.write(
        `worker ${worker.name} ready: queue ${queues.join(", ")}, concurrency ${options.concurrency}\n`,
      );
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once("SIGTERM", () => resolve("SIGTERM"));
        process.once("SIGINT", () => resolve("SIGINT"));
      });
      process.stderr.write(`worker ${worker.name}: ${signal}, stopping\n`);
      // Short of the providers' grace before a hard kill (10 s local, ACPI's minute in the cloud).
      await running.stop(drainOnStopMs);
    },
  );
}
