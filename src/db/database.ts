// Opens the one source of truth: PostgreSQL at DATABASE_URL, or the embedded cluster in the data directory.
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import {
  type EmbeddedCluster,
  otherClients,
  releaseEmbeddedCluster,
  startEmbeddedCluster,
  stopEmbeddedCluster,
} from "./embedded.ts";
import { liveHolders } from "./holders.ts";
import { migrate } from "./migrate.ts";

export interface Database {
  pool: pg.Pool;
  /** The connection URL (contains the password: never log it). */
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

export const embeddedDatabaseName = "cloudburst";

/** What opening the database reads of a loaded configuration. */
export interface DatabaseSettings {
  /** Where the embedded cluster lives when no URL is given. */
  dataDir: string;
  /** DATABASE_URL; null for the embedded cluster. */
  databaseUrl: string | null;
  database: { poolSize: number; embedded: { port: number } };
}

export interface OpenOptions {
  /** Run the migrations (default true). */
  migrate?: boolean;
  applicationName?: string;
}

export async function openDatabase(config: DatabaseSettings, options: OpenOptions = {}): Promise<Database> {
  const cluster = config.databaseUrl
    ? null
    : await startEmbeddedCluster(config.dataDir, config.database.embedded.port);
  const url = config.databaseUrl ?? (await ensureEmbeddedDatabase(cluster!));
  const pool = new pg.Pool({
    connectionString: url,
    max: config.database.poolSize,
    application_name: options.applicationName ?? "cloudburst",
  });
  // An idle client's error (e.g. the server restarting) must not crash the process; the next query reports it.
  pool.on("error", () => undefined);
  try {
    if (options.migrate !== false) await migrate(pool);
  } catch (error) {
    await pool.end();
    if (cluster) await stopIfLastClient(cluster);
    throw error;
  }
  let closed = false;
  return {
    pool,
    url,
    embedded: cluster !== null,
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
      if (cluster) await stopIfLastClient(cluster);
    },
  };
}

async function ensureEmbeddedDatabase(cluster: EmbeddedCluster): Promise<string> {
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  try {
    const exists = await client.query("select 1 from pg_database where datname = $1", [embeddedDatabaseName]);
    if (exists.rowCount === 0) {
      await client.query(`create database ${embeddedDatabaseName}`).catch((error: { code?: string }) => {
        if (error.code !== "42P04") throw error; // created by a process starting at the same time
      });
    }
  } finally {
    await client.end();
  }
  const url = new URL(cluster.url);
  url.pathname = `/${embeddedDatabaseName}`;
  return url.toString();
}

/**
 * How long the last holder waits for other clients to leave: a client whose process has just been
 * stopped (a role on another node, say) stays in pg_stat_activity until its backend notices.
 */
const clientsLeaveMs = 5000;

/** Stops the embedded cluster unless another process still holds it or stays connected to it. */
async function stopIfLastClient(cluster: EmbeddedCluster): Promise<void> {
  releaseEmbeddedCluster(cluster);
  const deadline = Date.now() + clientsLeaveMs;
  while (liveHolders(cluster.dataDir) === 0) {
    if ((await otherClients(cluster.url)) === 0) return stopEmbeddedCluster(cluster);
    // Whoever stays longer is left to its own close or, failing that, the cluster's watchdog.
    if (Date.now() > deadline) return;
    await sleep(100);
  }
}
