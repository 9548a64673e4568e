// pg-boss wiring: one PgBoss per process on the shared PostgreSQL, the two named queues the flow engine
// submits to, deterministic job ids, and sending a job inside the caller's transaction.
import { createHash } from "node:crypto";
import type pg from "pg";
import { PgBoss, type Db as PgBossDb } from "pg-boss";
import { inTransaction } from "../db/transaction.ts";

/**
 * `control`: runs inside the control role (provisioning, the cycle's ingest meter); `data`: inside the
 * data role (delivery, from the store); `compute`: worker agents on compute nodes.
 */
export const QUEUE_NAMES = ["control", "data", "compute"] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export function isQueueName(value: string): value is QueueName {
  return (QUEUE_NAMES as readonly string[]).includes(value);
}

export interface BossOptions {
  /** Run pg-boss's maintenance (expiry, lost heartbeats): the control server does, workers do not. */
  supervise?: boolean;
  /** Seconds between maintenance passes; the dead-job detection latency is at most this plus the heartbeat. */
  superviseIntervalSeconds?: number;
  applicationName?: string;
  poolSize?: number;
}

/** Starts a PgBoss on `url` and makes sure the flow queues exist. */
export async function startBoss(url: string, options: BossOptions = {}): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: url,
    application_name: options.applicationName ?? "cloudburst-queue",
    max: options.poolSize ?? 4,
    supervise: options.supervise ?? false,
    superviseIntervalSeconds: options.superviseIntervalSeconds ?? 5,
    monitorIntervalSeconds: options.superviseIntervalSeconds ?? 5,
    schedule: false,
    migrate: true,
    registerInstance: false,
  });
  // A lost connection is reported by the next call; the event must not crash the process.
  boss.on("error", () => undefined);
  await boss.start();
  await ensureQueues(boss);
  return boss;
}

export async function ensureQueues(boss: PgBoss): Promise<void> {
  const existing = new Set((await boss.getQueues(QUEUE_NAMES as unknown as string[])).map((q) => q.name));
  for (const name of QUEUE_NAMES) {
    if (existing.has(name)) continue;
    // Retries are the flow engine's business (ECF_TRIES, try numbers, history), not pg-boss's.
    await boss.createQueue(name, { retryLimit: 0 }).catch((error: Error) => {
      if (!/already exists/i.test(error.message)) throw error;
    });
  }
}

/** pg-boss's database interface over one checked-out client, so a send joins the caller's transaction. */
export function transactionDb(client: pg.PoolClient): PgBossDb {
  return {
    async executeSql(text: string, values?: unknown[]) {
      const result = await client.query(text, values as unknown[]);
      return { rows: result.rows };
    },
  };
}

/**
 * The job id of one submission of one task: the same inputs always give the same UUID, so a submission
 * repeated after a crash inserts nothing new (pg-boss ignores a duplicate id).
 */
export function taskJobId(suiteId: string, generation: number, path: string, submission: number): string {
  const hex = createHash("sha256")
    .update(`${suiteId}\u0000${generation}\u0000${path}\u0000${submission}`)
    .digest("hex");
  // Shape it as an RFC 4122 version-5-style UUID (version nibble 5, variant 10xx).
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Puts jobs that were taken but never started back in the queue, at once, instead of leaving them to
 * their heartbeat timeout: a stopping worker's last fetch, or a long-poll whose worker hung up. Each is
 * fenced by the attempt it was taken as, so a job another worker has taken since is left alone; the
 * cancel and the resume commit together, so nobody ever sees it cancelled.
 */
export async function returnToQueue(
  pool: pg.Pool,
  boss: PgBoss,
  queue: QueueName,
  attempts: ReadonlyArray<{ id: string; retryCount: number }>,
): Promise<void> {
  if (attempts.length === 0) return;
  await inTransaction(pool, async (client) => {
    const db = transactionDb(client);
    // pg-boss reports the ids a cancel settled (its typings leave them out): resume only those, never
    // a job cancelled by somebody else.
    const cancelled = (await boss.cancel(queue, [...attempts], { db })) as { settled?: string[] };
    if (cancelled.settled?.length) await boss.resume(queue, cancelled.settled, { db });
  });
}

/** A job as the queue holds it: its state and, once it ended, what it ended with. */
export interface QueuedJobState {
  id: string;
  state: string;
  output: { value?: { message?: string }; message?: string; outcome?: string } | null;
  heartbeatSeconds: number | null;
}

/** The states of jobs by id (jobs no longer in the queue are absent). */
export async function jobStates(pool: pg.Pool, ids: readonly string[]): Promise<Map<string, QueuedJobState>> {
  const result = await pool.query<{
    id: string;
    state: string;
    output: QueuedJobState["output"];
    heartbeat_seconds: number | null;
  }>("select id::text, state::text, output, heartbeat_seconds from pgboss.job where id = any($1::uuid[])", [
    ids,
  ]);
  return new Map(
    result.rows.map((r) => [
      r.id,
      { id: r.id, state: r.state, output: r.output, heartbeatSeconds: r.heartbeat_seconds },
    ]),
  );
}

/** Inserts jobs into a queue inside the caller's transaction: they exist only if it commits. */
export async function insertJobs(
  boss: PgBoss,
  client: pg.PoolClient,
  queue: QueueName,
  jobs: ReadonlyArray<{
    id: string;
    data: object;
    priority: number;
    heartbeatSeconds: number;
    expireSeconds: number;
  }>,
): Promise<void> {
  if (jobs.length === 0) return;
  await boss.insert(
    queue,
    jobs.map((j) => ({
      id: j.id,
      data: j.data,
      priority: j.priority,
      retryLimit: 0,
      heartbeatSeconds: j.heartbeatSeconds,
      expireInSeconds: j.expireSeconds,
    })),
    { db: transactionDb(client) },
  );
}
