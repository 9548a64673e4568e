// A fresh, migrated database per test file, in one embedded cluster shared by the whole test run.
// `npm test` starts the cluster and passes its admin URL in CLOUDBURST_TEST_PG_URL; a test file run on
// its own starts a private cluster in a temporary directory instead.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startEmbeddedCluster, stopEmbeddedCluster } from "../../src/db/embedded.ts";
import { migrate } from "../../src/db/migrate.ts";

export interface TestDatabase {
  /** URL of the fresh database, for DATABASE_URL. */
  url: string;
  pool: pg.Pool;
  /** Drops the database (and stops a private cluster). */
  drop(): Promise<void>;
}

export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const shared = process.env["CLOUDBURST_TEST_PG_URL"];
  const cluster = shared ? null : await startEmbeddedCluster(mkdtempSync(join(tmpdir(), "cb-testpg-")), 0);
  const adminUrl = shared ?? cluster!.url;
  const name = `test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 5 });
  pool.on("error", () => undefined);
  if (options.migrate !== false) await migrate(pool);
  return {
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
      if (cluster) await stopEmbeddedCluster(cluster);
    },
  };
}
