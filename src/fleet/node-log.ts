// The worker logs compute nodes send to the data role (POST /api/worker/log), kept in PostgreSQL so the
// operator reads a node's log whatever the provider, while the node runs and after it is gone. Bounded:
// each node keeps its newest nodeLogLines lines, and the retention drops the logs of nodes long gone.
import type pg from "pg";

/** Lines kept per node: a few hours of a busy worker's log. */
export const nodeLogLines = 2000;

export interface NodeLogLine {
  at: string;
  line: string;
}

/** Appends a node's lines and drops its oldest beyond nodeLogLines; returns how many were stored. */
export async function appendNodeLog(
  pool: pg.Pool,
  node: string,
  lines: readonly NodeLogLine[],
): Promise<number> {
  if (lines.length === 0) return 0;
  await pool.query(
    "insert into node_log (node, at, line) select $1, at, line from unnest($2::timestamptz[], $3::text[]) as l(at, line)",
    [node, lines.map((l) => l.at), lines.map((l) => l.line)],
  );
  await pool.query(
    `delete from node_log where node = $1
       and id <= (select id from node_log where node = $1 order by id desc offset $2 limit 1)`,
    [node, nodeLogLines],
  );
  return lines.length;
}

/** The end of a node's stored log (at most `maxLines`), one "TIME LINE" a line; null when it sent none. */
export async function storedNodeLog(
  pool: pg.Pool,
  node: string,
  maxLines = nodeLogLines,
): Promise<string | null> {
  const r = await pool.query<{ at: Date; line: string }>(
    "select at, line from (select id, at, line from node_log where node = $1 order by id desc limit $2) l order by id",
    [node, maxLines],
  );
  if (r.rows.length === 0) return null;
  return r.rows.map((row) => `${row.at.toISOString()} ${row.line}\n`).join("");
}

/** A requested node's lines follow the name the provider gave it. */
export async function renameNodeLog(pool: pg.Pool, from: string, to: string): Promise<void> {
  if (from !== to) await pool.query("update node_log set node = $2 where node = $1", [from, to]);
}

/**
 * Retention: the logs of the nodes gone (destroyed, as the provider confirmed) before `cutoff`, and of
 * the nodes the fleet never knew (a worker started by hand) that sent nothing since; a node still
 * there keeps its log whatever its age. Nodes are cloned per cycle, so without this the table grows by
 * a few thousand lines a node, for ever. Returns the lines deleted.
 */
export async function pruneNodeLogs(pool: pg.Pool, cutoff: Date): Promise<number> {
  const result = await pool.query(
    `delete from node_log where node in (
       select name from fleet_node where gone_at < $1
       union all
       select node from node_log l
        where not exists (select 1 from fleet_node f where f.name = l.node)
        group by node having max(at) < $1)`,
    [cutoff],
  );
  return result.rowCount ?? 0;
}
