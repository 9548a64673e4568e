// How a worker agent reaches the flow state and the queue: straight to PostgreSQL (pg-boss and the
// flow tables), or through the control server's HTTP API (for compute nodes that may not reach the
// database). The agent only talks to this interface.
import pg from "pg";
import type { PgBoss } from "pg-boss";
import { isConnectionLost } from "../db/connection-lost.ts";
import { listenOn } from "../db/listen.ts";
import {
  appendOutput,
  applyChildEvent,
  type ChildEventResult,
  type OutputLine,
} from "../flow/engine/child-events.ts";
import {
  type ChildEvent,
  type ChildIdentity,
  FLOW_JOBS_CHANNEL,
  FLOW_KILL_CHANNEL,
  type TaskJobData,
} from "../flow/engine/job.ts";
import { isCurrentJob } from "../flow/engine/queries.ts";
import { type QueueName, returnToQueue, startBoss } from "../queue/boss.ts";
import { type RetryPolicy, withBackoff } from "../system/backoff.ts";

export interface FetchedJob {
  id: string;
  /** Which attempt at the job this is (pg-boss's retry count): fences a return to the queue. */
  retryCount: number;
  data: TaskJobData;
}

/** A job as a heartbeat names it: the job and the task it runs. */
export interface JobRef {
  id: string;
  suiteId: string;
  path: string;
}

/** One taking of a job (pg-boss's retry count): what a release is fenced by. */
export interface JobAttempt {
  id: string;
  retryCount: number;
}

export interface WorkerBackend {
  /** Up to `max` jobs from the queue (empty when there are none); `signal` cancels a long wait. */
  fetch(queue: QueueName, max: number, signal: AbortSignal): Promise<FetchedJob[]>;
  /** Puts jobs taken but not started back in the queue (what a stopping worker took last). */
  release(queue: QueueName, jobs: readonly JobAttempt[]): Promise<void>;
  /** Marks jobs done in the queue (their outcome is already in the flow state). */
  complete(queue: QueueName, ids: string[]): Promise<void>;
  /** Keeps the job's heartbeat; false when the job is no longer its task's current try (stop it). */
  heartbeat(queue: QueueName, job: JobRef): Promise<boolean>;
  child(identity: ChildIdentity, event: ChildEvent, actor: string): Promise<ChildEventResult>;
  output(job: Pick<TaskJobData, "suiteId" | "path" | "tryNo">, lines: OutputLine[]): Promise<void>;
  /** Resolves when new jobs may have arrived, or after `ms`. */
  waitForWork(ms: number): Promise<void>;
  /** Called with a job id when an operator kills it. */
  onKill(listener: (jobId: string) => void): void;
  close(): Promise<void>;
}

/** Reports are asked again for about half a minute while the database cannot be reached. */
const reportRetry: RetryPolicy = { attempts: 20, baseMs: 250, maxMs: 3000 };

/** Straight to PostgreSQL: pg-boss for the queue, the flow tables for reports, LISTEN for wake-ups. */
export async function directBackend(
  url: string,
  options: { concurrency: number; pool?: pg.Pool },
): Promise<WorkerBackend> {
  // The task-state writes of this pool commit without waiting for the WAL flush: every one of them is
  // followed by the job's completion in pg-boss, a synchronous commit that flushes the WAL up to and
  // including them. Only a crash of PostgreSQL itself in between can lose one, and then the job is not
  // complete either, so the task is retried: at least once, never lost. (The fsync per report was the
  // throughput limit on a busy disk.)
  const ownPool = options.pool
    ? null
    : new pg.Pool({
        connectionString: url,
        max: options.concurrency + 2,
        application_name: "cloudburst-worker",
        options: "-c synchronous_commit=off",
      });
  ownPool?.on("error", () => undefined);
  const pool = options.pool ?? ownPool!;
  const boss: PgBoss = await startBoss(url, {
    applicationName: "cloudburst-worker",
    poolSize: options.concurrency + 2,
  });
  const killListeners: Array<(jobId: string) => void> = [];
  let wake: (() => void) | null = null;
  const wakeUp = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const listening = await listenOn({
    url,
    applicationName: "cloudburst-worker-listen",
    channels: [FLOW_JOBS_CHANNEL, FLOW_KILL_CHANNEL],
    onNotification(channel, payload) {
      if (channel === FLOW_JOBS_CHANNEL) wakeUp();
      else if (channel === FLOW_KILL_CHANNEL) for (const l of killListeners) l(payload);
    },
    // Jobs submitted while nobody listened: look at once.
    onReconnect: wakeUp,
  });
  return {
    async fetch(queue, max) {
      const jobs = await boss.fetch<TaskJobData>(queue, { batchSize: max });
      return jobs.map((j) => ({ id: j.id, retryCount: j.retryCount, data: j.data }));
    },
    release: (queue, jobs) => returnToQueue(pool, boss, queue, jobs),
    async complete(queue, ids) {
      await boss.complete(queue, ids);
    },
    async heartbeat(queue, job) {
      await boss.touch(queue, job.id).catch(() => undefined);
      // The database unreachable: keep going, the queue's heartbeat timeout decides.
      return isCurrentJob(pool, job.suiteId, job.path, job.id).catch(() => true);
    },
    // A report lost with the database would leave the task active until its heartbeat ran out, and
    // the task would run again: asked again until the database is back (a repeat is taken as done).
    child: (identity, event, actor) =>
      withBackoff(() => applyChildEvent(pool, identity, event, actor), reportRetry, {
        retryable: isConnectionLost,
      }),
    output: (job, lines) => appendOutput(pool, job.suiteId, job.path, job.tryNo, lines),
    waitForWork: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          wake = null;
          resolve();
        }, ms);
        const previous = wake;
        wake = () => {
          clearTimeout(timer);
          previous?.();
          resolve();
        };
      }),
    onKill(l) {
      killListeners.push(l);
    },
    async close() {
      wakeUp();
      await listening.close();
      await boss.stop({ graceful: false, close: true }).catch(() => undefined);
      await ownPool?.end().catch(() => undefined);
    },
  };
}
