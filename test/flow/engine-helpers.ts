// Shared by the flow engine tests: polling the durable state until a condition holds.
import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";

export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await sleep(100);
  }
}

/** Task states of a suite by path. */
export async function taskStates(pool: pg.Pool, suite: string): Promise<Record<string, string>> {
  const result = await pool.query<{ path: string; state: string }>(
    `select n.path, n.state from flow_node n join flow_suite s on s.id = n.suite_id
      where s.name = $1 and n.kind = 'task' order by n.path`,
    [suite],
  );
  return Object.fromEntries(result.rows.map((r) => [r.path, r.state]));
}

export async function allComplete(pool: pg.Pool, suite: string): Promise<boolean> {
  const states = Object.values(await taskStates(pool, suite));
  return states.length > 0 && states.every((s) => s === "complete");
}

/** State transitions of one task, in order. */
export async function transitions(
  pool: pg.Pool,
  path: string,
): Promise<Array<{ to: string; tryNo: number | null; detail: string | null; actor: string }>> {
  const result = await pool.query<{
    to_state: string;
    try_no: number | null;
    detail: string | null;
    actor: string;
  }>(
    "select to_state, try_no, detail, actor from flow_history where path = $1 and to_state is not null order by id",
    [path],
  );
  return result.rows.map((r) => ({ to: r.to_state, tryNo: r.try_no, detail: r.detail, actor: r.actor }));
}
