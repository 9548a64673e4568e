// `cloudburst worker`: the compute-node agent. Connects to PostgreSQL (DATABASE_URL, or the embedded
// cluster of the data directory), takes task jobs from the `compute` queue and runs them.
import { type Command, InvalidArgumentError } from "commander";
import { isQueueName, type QueueName } from "../../queue/boss.ts";
import "../../cycle/actions.ts";
import { closeCycleRuntime } from "../../cycle/runtime.ts";
import { maskUrlsIn } from "../../system/secrets.ts";
import { listActions } from "../../worker/actions.ts";
import { startWorker } from "../../worker/agent.ts";
import { commandConfig, withDatabase } from "../context.ts";
import { UsageError } from "../errors.ts";

/** How long running jobs may finish after SIGTERM before they are aborted. */
const drainOnStopMs = 5000;

function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new InvalidArgumentError("expected an integer 1-256");
  return n;
}

function parseQueue(value: string, previous: QueueName[] = []): QueueName[] {
  if (!isQueueName(value)) throw new InvalidArgumentError("expected compute or control");
  return [...previous, value];
}

export function registerWorkerCommand(program: Command): void {
  program
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
    .option("--server <url>", "reach the flow engine through this control server's API instead of PostgreSQL")
    .option("--token <token>", "with --server: the API token (default: $CLOUDBURST_TOKEN)")
    .option("--actions", "list the built-in actions and exit")
    .action(
      async (
        options: {
          queue?: QueueName[];
          concurrency: number;
          name?: string;
          actions?: boolean;
          server?: string;
          token?: string;
        },
        command: Command,
      ) => {
        if (options.actions) {
          for (const a of listActions()) process.stdout.write(`${a.name}\t${a.description}\n`);
          return;
        }
        const config = commandConfig(command);
        const queues = options.queue ?? ["compute"];
        const log = (message: string) => {
          if (!["silent", "warn", "error", "fatal"].includes(config.log.level))
            process.stderr.write(`${new Date().toISOString()} ${maskUrlsIn(message)}\n`);
        };
        const run = async (connection: { url: string } | { server: { url: string; token: string } }) => {
          const worker = await startWorker({
            ...connection,
            queues,
            concurrency: options.concurrency,
            ...(options.name ? { name: options.name } : {}),
            log,
          });
          process.stdout.write(
            `worker ${worker.name} ready: queue ${queues.join(", ")}, concurrency ${options.concurrency}\n`,
          );
          const signal = await new Promise<NodeJS.Signals>((resolve) => {
            process.once("SIGTERM", () => resolve("SIGTERM"));
            process.once("SIGINT", () => resolve("SIGINT"));
          });
          process.stderr.write(`worker ${worker.name}: ${signal}, stopping\n`);
          // Short of the providers' grace before a hard kill (10 s local, ACPI's minute in the cloud).
          await worker.stop({ drainMs: drainOnStopMs });
          // The cycle's actions keep a database pool open; closed, the process exits at once.
          await closeCycleRuntime();
        };
        if (options.server) {
          const token = options.token ?? process.env["CLOUDBURST_TOKEN"];
          if (!token) throw new UsageError("--server needs an API token: --token or CLOUDBURST_TOKEN");
          await run({ server: { url: options.server, token } });
        } else await withDatabase(config, (db) => run({ url: db.url }));
      },
    );
}
