// What every command needs from its surroundings: the validated configuration and the database.
import type { Command } from "commander";
import { type Config, loadConfig } from "../config/load.ts";
import { type Database, openDatabase } from "../db/database.ts";

/** The configuration named by the global --config option (or CLOUDBURST_CONFIG, or ./cloudburst.yaml). */
export function commandConfig(command: Command): Config {
  const { config } = command.optsWithGlobals<{ config?: string }>();
  return loadConfig({ file: config });
}

/** Opens the configured (or embedded) database for the length of `work`, then closes it. */
export async function withDatabase<T>(config: Config, work: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase(config, { applicationName: "cloudburst-cli" });
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}
