// What every command needs from its surroundings: the validated configuration and the database.

import { existsSync } from "node:fs";
import { relative } from "node:path";
import type { Command } from "commander";
import { demoConfigFile } from "../config/installation.ts";
import { type Config, loadConfig } from "../config/load.ts";
import { type Database, openDatabase } from "../db/database.ts";
import { embeddedClusterExists } from "../db/embedded.ts";
import { maskUrl } from "../system/secrets.ts";
import { UserError } from "./errors.ts";

/** The configuration of the installation: --config, CLOUDBURST_CONFIG, or the nearest one up from here. */
export function commandConfig(command: Command): Config {
  const { config } = command.optsWithGlobals<{ config?: string }>();
  return loadConfig({ file: config });
}

/**
 * Refuses to go on without a database: an embedded one is made by `cloudburst init` only, never as a
 * side effect of a command run in the wrong directory.
 */
export function requireDatabase(config: Config): void {
  if (config.databaseUrl || embeddedClusterExists(config.dataDir)) return;
  requireInstallation(config, "or set DATABASE_URL to an external PostgreSQL");
  const init = config.file
    ? `cloudburst --config ${shortPath(config.file)} init`
    : `cloudburst init ${shortPath(config.installation!)}`;
  throw new UserError(
    `no database in ${config.dataDir} (the data directory of ${config.file ?? config.installation})`,
    `${toDemo(config)}run \`${init}\` to create one, or set DATABASE_URL to an external PostgreSQL`,
  );
}

/** Refuses to go on outside an installation, whose data directory the command would otherwise make. */
export function requireInstallation(config: Config, orElse = ""): void {
  if (config.installation !== null) return;
  throw new UserError(
    `no cloudburst installation here: no cloudburst.yaml or .cloudburst/ in ${process.cwd()} or any directory above it`,
    `${toDemo(config)}run \`cloudburst init\` to make one here, pass --config FILE (or set CLOUDBURST_CONFIG)${orElse ? `, ${orElse}` : ""}`,
  );
}

/** After `demo --keep` in this directory the operator most likely wants the demo's installation. */
function toDemo(config: Config): string {
  const demo = demoConfigFile(config.dataDir);
  return existsSync(demo)
    ? `to reach the demo's installation, pass --config ${shortPath(demo)} (or export CLOUDBURST_CONFIG=${demo}); `
    : "";
}

/** A path as short as it can be said from the working directory. */
function shortPath(path: string): string {
  const near = relative(process.cwd(), path);
  return near.startsWith("..") ? path : near || ".";
}

/** What PostgreSQL's (or the network's) refusal means to the operator; other errors as they are. */
export function databaseFailure(error: unknown, config: Config): unknown {
  const code = (error as { code?: string }).code;
  const where = config.databaseUrl
    ? maskUrl(config.databaseUrl)
    : `the embedded PostgreSQL in ${config.dataDir}`;
  const message = (error as Error).message;
  const known: Record<string, [string, string]> = {
    ECONNREFUSED: ["nothing answers", "check the host and port in DATABASE_URL, and that PostgreSQL runs"],
    ENOTFOUND: ["the host is unknown", "check the host in DATABASE_URL"],
    ETIMEDOUT: ["no answer in time", "check the host and port in DATABASE_URL, and the network to it"],
    "28P01": ["the password was refused", "check the user and password in DATABASE_URL"],
    "28000": ["the connection was refused", "allow this user and address in PostgreSQL's pg_hba.conf"],
    "3D000": [
      "the database does not exist",
      "create it (createdb), or fix the database name in DATABASE_URL",
    ],
  };
  const meaning = code ? known[code] : undefined;
  if (!meaning) return error;
  return new UserError(`cannot use the database at ${where}: ${meaning[0]} (${message})`, meaning[1]);
}

/** Opens the configured (or embedded) database for the length of `work`, then closes it. */
export async function withDatabase<T>(config: Config, work: (db: Database) => Promise<T>): Promise<T> {
  requireDatabase(config);
  const db = await openDatabase(config, { applicationName: "cloudburst-cli" }).catch((error: unknown) => {
    throw databaseFailure(error, config);
  });
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}
