// A worker whose machine or process is known to be gone: whoever runs workers (the fleet, which sees a
// local worker's process exit or a cloud node stop) announces it on WORKER_LOST_CHANNEL, and the engine
// aborts the tasks that worker was running at once, instead of waiting for their heartbeat to run out.
// ECF_TRIES then retries them elsewhere; a late report from the lost try is refused as a zombie (the
// abort gives the task a new password), so a wrong announcement costs a retry, never a duplicate.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { FLOW_CHANGED_CHANNEL } from "./child-events.ts";

/** Payload: JSON {worker, reason, ...}; `worker` is the name the worker reports (its node's name). */
export const WORKER_LOST_CHANNEL = "worker_lost";

export interface WorkerLost {
  worker: string;
  /** What happened to it, for the task's history, e.g. "its process 123 was killed by SIGKILL". */
  reason: string;
}

/** The announcement in a notification's payload; null when it is not one. */
export function parseWorkerLost(payload: string | undefined): WorkerLost | null {
  try {
    const value = JSON.parse(payload ?? "") as { worker?: unknown; reason?: unknown };
    if (typeof value.worker !== "string" || value.worker === "") return null;
    return { worker: value.worker, reason: typeof value.reason === "string" ? value.reason : "lost" };
  } catch {
    return null;
  }
}

/**
 * Aborts every task active on `lost.worker`, with the reason in its history, and announces the
 * change on FLOW_CHANGED_CHANNEL so the engine retries it. Returns the tasks aborted.
 */
export async function abortTasksOfWorker(
  pool: pg.Pool,
  lost: WorkerLost,
): Promise<Array<{ suiteId: string; path: string }>> {
  const reason = `its worker ${lost.worker} is gone (${lost.reason})`;
  const r = await pool.query<{ suite_id: string; path: string }>(
    `with aborted as (
       update flow_node set state = 'aborted', aborted_reason = $2, password = $3, state_since = now()
        where kind = 'task' and state = 'active' and worker = $1
        returning suite_id, path, try_no),
     logged as (
       insert into flow_history (suite_id, path, kind, from_state, to_state, try_no, detail, actor)
       select suite_id, path, 'state', 'active', 'aborted', try_no, $2, 'engine' from aborted)
     select suite_id::text, path, pg_notify($4, suite_id::text || ' ' || path) from aborted`,
    [lost.worker, reason, randomBytes(12).toString("base64url"), FLOW_CHANGED_CHANNEL],
  );
  return r.rows.map((row) => ({ suiteId: row.suite_id, path: row.path }));
}

/** The engine's hook for a WORKER_LOST_CHANNEL notification: aborts the worker's tasks; never throws. */
export async function onWorkerLost(
  pool: pg.Pool,
  payload: string | undefined,
  logger: { warn(fields: object, message?: string): void; error(fields: object, message?: string): void },
): Promise<void> {
  const lost = parseWorkerLost(payload);
  if (!lost) return;
  try {
    const tasks = await abortTasksOfWorker(pool, lost);
    if (tasks.length) logger.warn({ ...lost, tasks }, "tasks of a lost worker aborted");
  } catch (error) {
    logger.error({ err: error, ...lost }, "cannot abort a lost worker's tasks");
  }
}

/** The in-process worker of a server on `host` (src/app/server.ts names it ROLES-server:HOST:PID). */
const serverWorker = (host: string) =>
  new RegExp(`^[a-z,]+-server:${host.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:(\\d+)$`);

/**
 * At a server's start: the tasks that its dead predecessors on this host were running in-process
 * (ingest, provisioning, delivery) are aborted at once, as a lost worker's are, instead of waiting for
 * their heartbeat to run out. A pid that is alive (this process, another server, a reused pid) is
 * left alone: at worst its tasks wait for their heartbeat, as before.
 */
export async function abortTasksOfDeadServers(
  pool: pg.Pool,
  host: string,
  isAlive: (pid: number) => boolean,
): Promise<Array<{ suiteId: string; path: string }>> {
  const pattern = serverWorker(host);
  const r = await pool.query<{ worker: string }>(
    "select distinct worker from flow_node where kind = 'task' and state = 'active' and worker is not null",
  );
  const aborted: Array<{ suiteId: string; path: string }> = [];
  for (const { worker } of r.rows) {
    const pid = Number(pattern.exec(worker)?.[1] ?? 0);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    aborted.push(
      ...(await abortTasksOfWorker(pool, { worker, reason: `its server process ${pid} on ${host} ended` })),
    );
  }
  return aborted;
}
