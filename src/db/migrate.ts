// Versioned SQL migrations (migrations/NNNN_name.sql), applied once each, in order, under an advisory
// lock so that two processes starting at once do not race.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type pg from "pg";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const migrationsDir = join(import.meta.dirname, "migrations");
/** Any constant shared by all cloudburst processes; "cloudburst" in ASCII. */
const migrationLockKey = 0x636c6f7564627572n;

export function listMigrations(dir = migrationsDir): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: readFileSync(join(dir, file), "utf8"),
    }));
}

/** Applies the migrations not yet recorded in schema_version; returns the versions applied now. */
export async function migrate(pool: pg.Pool, migrations = listMigrations()): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [migrationLockKey.toString()]);
    await client.query(`create table if not exists schema_version (
      version integer primary key,
      name text not null,
      applied_at timestamptz not null default now()
    )`);
    const done = new Set(
      (await client.query<{ version: number }>("select version from schema_version")).rows.map(
        (r) => r.version,
      ),
    );
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await client.query("begin");
      try {
        await client.query(migration.sql);
        await client.query("insert into schema_version (version, name) values ($1, $2)", [
          migration.version,
          migration.name,
        ]);
        await client.query("commit");
      } catch (error) {
        await client.query("rollback");
        throw new Error(
          `migration ${migration.version}_${migration.name} failed: ${(error as Error).message}`,
        );
      }
      applied.push(migration.version);
    }
    return applied;
  } finally {
    await client.query("select pg_advisory_unlock($1)", [migrationLockKey.toString()]).catch(() => undefined);
    client.release();
  }
}

/** True when every known migration is recorded (for /readyz). */
export async function migrationsComplete(pool: pg.Pool, migrations = listMigrations()): Promise<boolean> {
  const table = await pool.query<{ t: string | null }>("select to_regclass('schema_version') as t");
  if (!table.rows[0]?.t) return false;
  const result = await pool.query<{ n: string }>(
    "select count(*) as n from schema_version where version = any($1)",
    [migrations.map((m) => m.version)],
  );
  return Number(result.rows[0]?.n) === migrations.length;
}
