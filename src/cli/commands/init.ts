// `cloudburst init [DIR]`: makes an installation, as `git init` makes a repository: the configuration
// file, the data directory and its embedded PostgreSQL with the schema (or, with DATABASE_URL, the
// external database's schema). Run again, it makes what is missing and changes nothing else.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { defaultConfigFile } from "../../config/installation.ts";
import { loadConfig } from "../../config/load.ts";
import { openDatabase } from "../../db/database.ts";
import { embeddedClusterExists } from "../../db/embedded.ts";
import { maskUrl } from "../../system/secrets.ts";
import { databaseFailure } from "../context.ts";
import { UsageError } from "../errors.ts";
import { printJson } from "../output.ts";

const configTemplate = `# cloudburst's configuration. Every key has a default: \`cloudburst config show\` prints them all,
# README.md's Configuration section lists the sections. Secrets never go here: they come from the
# environment (DATABASE_URL, DELIVERY_PASSWORD, CLOUDSIGMA_PASSWORD, ...).

# The embedded PostgreSQL, the store and other state, relative to this file.
dataDir: .cloudburst

server:
  host: 127.0.0.1
  port: 8080
`;

interface InitReport {
  config: string;
  dataDir: string;
  database: string;
  created: string[];
}

export function registerInitCommand(program: Command): void {
  program
    .command("init [dir]")
    .description(
      "make an installation here (or in DIR): cloudburst.yaml, the .cloudburst data directory and its embedded PostgreSQL",
    )
    .option("--json", "print what was made as JSON")
    .action(async (dir: string | undefined, options: { json?: boolean }, command: Command) => {
      const named = command.optsWithGlobals<{ config?: string }>().config;
      if (named && dir) throw new UsageError("give DIR or --config FILE, not both");
      const file = resolve(
        named ?? (dir ? join(dir, defaultConfigFile) : process.env["CLOUDBURST_CONFIG"] || defaultConfigFile),
      );
      const report = await initialise(file);
      if (options.json) return printJson(report);
      for (const made of report.created) process.stdout.write(`created ${made}\n`);
      if (report.created.length === 0)
        process.stdout.write(`already an installation: ${report.config}, data in ${report.dataDir}\n`);
      process.stdout.write(
        `database: ${report.database}\nnext: \`cloudburst server\` runs the control server; \`cloudburst token create NAME\` makes a token for the API and the web UI\n`,
      );
    });
}

async function initialise(file: string): Promise<InitReport> {
  const created: string[] = [];
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, configTemplate, { flag: "wx" });
    created.push(file);
  }
  const config = loadConfig({ file });
  if (!existsSync(config.dataDir)) {
    mkdirSync(config.dataDir, { recursive: true });
    // State, never to be committed with a configuration kept under version control.
    writeFileSync(join(config.dataDir, ".gitignore"), "*\n");
    created.push(config.dataDir);
  }
  const embedded = config.databaseUrl === null;
  const existed = embedded && embeddedClusterExists(config.dataDir);
  const db = await openDatabase(config, { applicationName: "cloudburst-init" }).catch((error: unknown) => {
    throw databaseFailure(error, config);
  });
  let version: number;
  try {
    const result = await db.pool.query<{ v: number }>("select max(version) as v from schema_version");
    version = result.rows[0]?.v ?? 0;
  } finally {
    await db.close();
  }
  if (embedded && !existed) created.push(join(config.dataDir, "postgres"));
  const where = embedded
    ? `embedded PostgreSQL in ${join(config.dataDir, "postgres")}`
    : `external PostgreSQL at ${maskUrl(config.databaseUrl!)}`;
  return { config: file, dataDir: config.dataDir, database: `${where}, schema version ${version}`, created };
}
