// `cloudburst demo`: the README's first command. For now it starts the control server on the embedded
// database, creates a token and prints where to look; it grows into a whole forecast cycle.
import type { Command } from "commander";
import { createToken } from "../../auth/tokens.ts";
import { startServer, stopOnSignals } from "../../server/run.ts";
import { commandConfig } from "../context.ts";
import { printJson } from "../output.ts";
import { parsePort } from "./server.ts";

export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description("start a demonstration control server on the embedded database and print where to look")
    .option("--port <port>", "port to listen on (default: server.port, 8080; 0 picks one)", parsePort)
    .option("--json", "print the addresses and token as JSON")
    .action(async (options: { port?: number; json?: boolean }, command: Command) => {
      const config = commandConfig(command);
      config.log.level = "warn";
      const server = await startServer(config, { port: options.port });
      const token = await createToken(server.db.pool, `demo-${new Date().toISOString()}`);
      const info = {
        url: server.url,
        token,
        health: `${server.url}/healthz`,
        metrics: `${server.url}/metrics`,
        api: `${server.url}/api/whoami`,
        database: server.db.embedded ? `embedded PostgreSQL in ${config.dataDir}/postgres` : "DATABASE_URL",
      };
      if (options.json) printJson(info);
      else {
        process.stdout.write(
          [
            `cloudburst control server: ${info.url}`,
            `  database:  ${info.database}`,
            `  health:    curl ${info.health}`,
            `  metrics:   curl ${info.metrics}`,
            `  API:       curl -H 'Authorization: Bearer ${token}' ${info.api}`,
            "  (the token is shown once; press Ctrl-C to stop)",
            "",
          ].join("\n"),
        );
      }
      await stopOnSignals(server);
    });
}
