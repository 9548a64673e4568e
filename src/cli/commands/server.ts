// `cloudburst server`: the control server.
import { type Command, InvalidArgumentError } from "commander";
import { startServer, stopOnSignals } from "../../server/run.ts";
import { logDestination } from "../../system/log.ts";
import { commandConfig, databaseFailure, requireDatabase } from "../context.ts";

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError("expected a port 0-65535");
  return port;
}

export function registerServerCommand(program: Command): void {
  program
    .command("server")
    .description("run the control server (HTTP API, web UI, metrics) until SIGTERM/SIGINT")
    .option("--host <host>", "address to listen on (default: server.host, 127.0.0.1)")
    .option("--port <port>", "port to listen on (default: server.port, 8080; 0 picks one)", parsePort)
    .option("--json", "log JSON lines even on a terminal (they are JSON whenever the output is not one)")
    .action(async (options: { host?: string; port?: number; json?: boolean }, command: Command) => {
      const config = commandConfig(command);
      requireDatabase(config);
      const server = await startServer(config, {
        host: options.host,
        port: options.port,
        logStream: logDestination({
          human: process.stdout.isTTY === true && !options.json,
          write: (line) => process.stdout.write(line),
        }),
      }).catch((error: unknown) => {
        throw databaseFailure(error, config);
      });
      server.app.log.info({ url: server.url, embeddedDatabase: server.db.embedded }, "control server ready");
      await stopOnSignals(server);
    });
}
