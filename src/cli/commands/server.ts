// `cloudburst server`: the control and/or data role of a deployment (both by default).
import { type Command, InvalidArgumentError } from "commander";
import { parseRoles, type Role, RolesError } from "../../app/roles.ts";
import { startServer, stopOnSignals } from "../../app/server.ts";
import { commandConfig } from "../context.ts";

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError("expected a port 0-65535");
  return port;
}

function rolesOption(value: string): ReadonlySet<Role> {
  try {
    return parseRoles(value);
  } catch (error) {
    if (error instanceof RolesError) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

export function registerServerCommand(program: Command): void {
  program
    .command("server")
    .description(
      "run the server (control and/or data role: API, web UI, metrics, receivers) until SIGTERM/SIGINT",
    )
    .option("--host <host>", "address to listen on (default: server.host, 127.0.0.1)")
    .option("--port <port>", "port to listen on (default: server.port, 8080; 0 picks one)", parsePort)
    .option(
      "--roles <roles>",
      "roles this process holds: control (flow engine, fleet, operator API, alerts), data (receivers, store, ingest, worker protocol, delivery), or all",
      rolesOption,
    )
    .action(
      async (options: { host?: string; port?: number; roles?: ReadonlySet<Role> }, command: Command) => {
        const server = await startServer(commandConfig(command), options);
        await stopOnSignals(server);
      },
    );
}
