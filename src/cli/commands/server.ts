// `cloudburst server`: the control and/or data role of a deployment (both by default).
import { type Command, InvalidArgumentError } from "commander";
import { controlAccessFromEnv, dataRoleConfig, takeSettings } from "../../app/data-server.ts";
import { parseRoles, type Role, RolesError } from "../../app/roles.ts";
import { startServer, stopOnSignals } from "../../app/server.ts";
import type { Config } from "../../config/load.ts";
import { logDestination } from "../../system/log.ts";
import { releaseVersion } from "../../system/version.ts";
import { commandConfig, databaseFailure, requireDatabase } from "../context.ts";
import { UserError } from "../errors.ts";

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
    .option("--json", "log JSON lines even on a terminal (they are JSON whenever the output is not one)")
    .action(
      async (
        options: { host?: string; port?: number; roles?: ReadonlySet<Role>; json?: boolean },
        command: Command,
      ) => {
        const { config, destinationCatalogueUrl } = await serverConfig(command, options.roles);
        requireDatabase(config);
        const starting = startServer(config, {
          destinationCatalogueUrl,
          host: options.host,
          port: options.port,
          roles: options.roles,
          logStream: logDestination({
            human: process.stdout.isTTY === true && !options.json,
            write: (line) => process.stdout.write(line),
          }),
        });
        // Listening for signals from the start: the server says it is ready before startServer returns.
        const stopped = stopOnSignals(starting);
        await starting.catch((error: unknown) => {
          throw databaseFailure(error, config);
        });
        await stopped;
      },
    );
}

/**
 * The configuration a server runs with: its own, or, for a data server told in its user data where the
 * control role is (CLOUDBURST_CONTROL_URL, data.env), the settings the control role hands it.
 */
async function serverConfig(
  command: Command,
  roles: ReadonlySet<Role> | undefined,
): Promise<{ config: Config; destinationCatalogueUrl?: string | undefined }> {
  const access = controlAccessFromEnv(process.env);
  if (!access) return { config: commandConfig(command) };
  if (!roles || roles.has("control"))
    throw new UserError(
      "CLOUDBURST_CONTROL_URL names the control role, so this server can only be the data role",
      "run `cloudburst server --roles data`, or unset CLOUDBURST_CONTROL_URL",
    );
  const settings = await takeSettings(access).catch((error: unknown) => {
    throw new UserError(
      (error as Error).message,
      "check the control role is up and CLOUDBURST_CONTROL_URL, CLOUDBURST_CONTROL_FINGERPRINT and the token in /etc/cloudburst/data.env (a token ends with its cycle)",
    );
  });
  if (settings.version !== releaseVersion())
    throw new UserError(
      `the control role runs cloudburst ${settings.version}, this data server ${releaseVersion()}: nodes would be refused`,
      "install the control role's release first (`cloudburst upgrade`, as the data server's user data does)",
    );
  return {
    config: dataRoleConfig(settings),
    destinationCatalogueUrl: settings.destinationCatalogueUrl ?? undefined,
  };
}
