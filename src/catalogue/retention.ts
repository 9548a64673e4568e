// Retention: cycles older than N days go, cheaply. Field and product rows go with their day partitions
// (DROP TABLE, no row-by-row delete); files, cycles and quarantine records go by base time; the raw and
// split files go from the store. Days are counted back from the newest base time in the catalogue (or
// from now, if that is earlier), so a pause in the data stream never empties the catalogue.
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type pg from "pg";
import type { LocalStore } from "../store/store.ts";
import { dropPartitionsBefore } from "./partitions.ts";

export interface RetentionReport {
  /** Base times before this instant were removed. */
  cutoff: string;
  partitionsDropped: string[];
  cyclesDeleted: number;
  filesDeleted: number;
  storeFilesRemoved: number;
}

export async function runRetention(
  pool: pg.Pool,
  store: LocalStore,
  days: number,
  now: Date = new Date(),
): Promise<RetentionReport> {
  const newest = await pool.query<{ newest: Date | null }>("select max(base_time) as newest from cycle");
  const reference = Math.min(now.getTime(), newest.rows[0]?.newest?.getTime() ?? now.getTime());
  // Whole UTC days: partitions are days, so everything else is cut at the same boundary.
  const cutoffDay = new Date(reference - days * 86_400_000).toISOString().slice(0, 10);
  const cutoff = new Date(`${cutoffDay}T00:00:00Z`);

  const partitionsDropped = await dropPartitionsBefore(pool, cutoffDay);
  const files = await pool.query<{ id: string; storage_uri: string | null }>(
    `delete from ingest_file
      where max_base_time < $1 or (max_base_time is null and received_at < $1)
      returning id, storage_uri`,
    [cutoff],
  );
  let storeFilesRemoved = 0;
  for (const row of files.rows) {
    if (!row.storage_uri) continue;
    await store.remove(row.storage_uri);
    storeFilesRemoved++;
  }
  const fieldDays = join(store.root, "fields");
  for (const day of await readdir(fieldDays).catch(() => [] as string[])) {
    if (!/^\d{8}$/.test(day) || `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}` >= cutoffDay)
      continue;
    await rm(join(fieldDays, day), { recursive: true, force: true });
    storeFilesRemoved++;
  }
  const cycles = await pool.query("delete from cycle where base_time < $1", [cutoff]);
  await pool.query("delete from quarantine where ingest_file_id is null and at < $1", [cutoff]);
  return {
    cutoff: cutoff.toISOString(),
    partitionsDropped,
    cyclesDeleted: cycles.rowCount ?? 0,
    filesDeleted: files.rowCount ?? 0,
    storeFilesRemoved,
  };
}
