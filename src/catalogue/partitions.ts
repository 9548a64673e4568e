// Day partitions of the big catalogue tables (field, product, product_input), by cycle base time.
// Created on demand before a registration; retention drops whole days, which costs nothing per row.
import type pg from "pg";

type Queryable = Pick<pg.Pool, "query">;

export const partitionedTables = ["field", "product", "product_input"] as const;

/** The UTC day (YYYY-MM-DD) of a base time. */
export function partitionDay(time: Date): string {
  return time.toISOString().slice(0, 10);
}

/** Makes sure the partitions holding these base times exist; `seen` holds the days known to exist. */
export async function ensurePartitions(
  db: Queryable,
  times: Iterable<Date>,
  seen: Set<string> = new Set(),
): Promise<void> {
  for (const day of new Set([...times].map(partitionDay))) {
    if (seen.has(day)) continue;
    await db.query("select catalogue_ensure_partitions($1::date)", [day]);
    seen.add(day);
  }
}

export interface DayPartition {
  table: string;
  parent: (typeof partitionedTables)[number];
  day: string;
}

export async function listPartitions(db: Queryable): Promise<DayPartition[]> {
  const result = await db.query<{ child: string; parent: string }>(
    `select c.relname as child, p.relname as parent
       from pg_inherits i
       join pg_class c on c.oid = i.inhrelid
       join pg_class p on p.oid = i.inhparent
      where p.relname = any($1) and c.relnamespace = p.relnamespace
        and p.relnamespace = to_regnamespace(current_schema())::oid`,
    [partitionedTables],
  );
  return result.rows
    .map((row) => {
      const m = /_p(\d{4})(\d{2})(\d{2})$/.exec(row.child);
      return m
        ? { table: row.child, parent: row.parent as DayPartition["parent"], day: `${m[1]}-${m[2]}-${m[3]}` }
        : null;
    })
    .filter((p): p is DayPartition => p !== null)
    .sort((a, b) => a.day.localeCompare(b.day) || a.table.localeCompare(b.table));
}

/** Drops every day partition wholly before `cutoff` (a UTC day, YYYY-MM-DD); returns the tables dropped. */
export async function dropPartitionsBefore(db: Queryable, cutoffDay: string): Promise<string[]> {
  const dropped: string[] = [];
  for (const partition of await listPartitions(db)) {
    if (partition.day >= cutoffDay) continue;
    await db.query(`drop table if exists "${partition.table}"`);
    dropped.push(partition.table);
  }
  return dropped;
}
