// The worker agent: takes task jobs from a pg-boss queue, runs them (at most `concurrency` at once),
// keeps their heartbeats going, and stops a task that is killed or no longer its own. Runs as
// `cloudburst worker` on compute nodes (queue `compute`) and inside the control server (`control`).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import type { Job } from "pg-boss";
import { applyChildEvent } from "../flow/engine/child-events.ts";
import {
  checkChildEvent,
  FLOW_JOBS_CHANNEL,
  FLOW_KILL_CHANNEL,
  type TaskJobData,
} from "../flow/engine/job.ts";
import { type QueueName, startBoss } from "../queue/boss.ts";
import { serveChildSocket } from "./child-socket.ts";
import { runTask, type TaskRunResult } from "./run-task.ts";

export interface WorkerOptions {
  /** PostgreSQL URL (DATABASE_URL or the embedded cluster's). */
  url: string;
  queues: QueueName[];
  concurrency: number;
  name?: string;
  /** Use this pool for flow state writes instead of opening one. */
  pool?: pg.Pool;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  /** Longest wait between fetches when no notification arrives (ms). */
  idlePollMs?: number;
}

export interface RunningWorker {
  name: string;
  /** Jobs finished since start. */
  stats(): { completed: number; aborted: number; refused: number; running: number };
  stop(): Promise<void>;
}

const cliPath = resolve(import.meta.dirname, "../../bin/cloudburst.js");

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const log = options.log ?? (() => undefined);
  // The task-state writes of this pool commit without waiting for the WAL flush: every one of them is
  // followed by the job's completion in pg-boss, a synchronous commit that flushes the WAL up to and
  // including them. Only a crash of PostgreSQL itself in between can lose one, and then the job is not
  // complete either, so the task is retried: at least once, never lost. (The fsync per report was the
  // throughput limit on a busy disk.)
  const ownPool = options.pool
    ? null
    : new pg.Pool({
        connectionString: options.url,
        max: options.concurrency + 2,
        application_name: "cloudburst-worker",
        options: "-c synchronous_commit=off",
      });
  ownPool?.on("error", () => undefined);
  const pool = options.pool ?? ownPool!;
  const boss = await startBoss(options.url, {
    applicationName: "cloudburst-worker",
    poolSize: options.concurrency + 2,
  });

  const running = new Map<string, { job: TaskJobData; controller: AbortController }>();
  const counts = { completed: 0, aborted: 0, refused: 0 };
  let stopping = false;
  let wake: (() => void) | null = null;
  const wakeAll = () => {
    const w = wake;
    wake = null;
    w?.();
  };

  // Scripts reach this worker through a Unix socket and a `cloudburst` shim on their PATH.
  const workDir = mkdtempSync(join(tmpdir(), "cloudburst-worker-"));
  const socketPath = join(workDir, "child.sock");
  writeFileSync(join(workDir, "cloudburst"), `#!/bin/sh\nexec "${process.execPath}" "${cliPath}" "$@"\n`, {
    mode: 0o755,
  });
  const socket = await serveChildSocket(socketPath, async (identity, event) => {
    const entry = [...running.values()].find(
      (r) =>
        r.job.suiteId === identity.suiteId && r.job.path === identity.path && r.job.tryNo === identity.tryNo,
    );
    if (entry) {
      const problem = checkChildEvent(entry.job, event);
      if (problem) return { accepted: false, message: problem };
    }
    return applyChildEvent(pool, identity, event, name);
  });
  const scriptEnv = {
    CLOUDBURST_CHILD_SOCKET: socketPath,
    PATH: `${workDir}:${process.env["PATH"] ?? "/usr/bin:/bin"}`,
  };

  // LISTEN for new jobs and kills; reconnect if the connection drops.
  let listener: pg.Client | null = null;
  const listen = async (): Promise<void> => {
    if (stopping) return;
    const client = new pg.Client({
      connectionString: options.url,
      application_name: "cloudburst-worker-listen",
    });
    client.on("error", () => undefined);
    client.on("end", () => {
      if (!stopping) setTimeout(() => void listen().catch(() => undefined), 1000);
    });
    client.on("notification", (message) => {
      if (message.channel === FLOW_JOBS_CHANNEL) wakeAll();
      else if (message.channel === FLOW_KILL_CHANNEL) {
        const entry = running.get(message.payload ?? "");
        entry?.controller.abort("killed by an operator");
      }
    });
    await client.connect();
    await client.query(`listen ${FLOW_JOBS_CHANNEL}`);
    await client.query(`listen ${FLOW_KILL_CHANNEL}`);
    listener = client;
    wakeAll();
  };
  await listen();

  const heartbeat = (queue: QueueName, job: Job<TaskJobData>, controller: AbortController) =>
    setInterval(
      () => {
        void (async () => {
          await boss.touch(queue, job.id).catch(() => undefined);
          // Still this task's current try? If an operator killed it, or it was presumed dead and
          // retried elsewhere, stop it: its reports would be refused anyway.
          const row = await pool
            .query<{ job_id: string | null; state: string }>(
              "select job_id, state from flow_node where suite_id = $1 and path = $2",
              [job.data.suiteId, job.data.path],
            )
            .catch(() => null);
          const current = row?.rows[0];
          if (
            row &&
            (!current || current.job_id !== job.id || !["submitted", "active"].includes(current.state))
          ) {
            controller.abort(`no longer the task's current try (it is ${current?.state ?? "gone"})`);
          }
        })();
      },
      Math.max(1000, (job.data.heartbeatSeconds * 1000) / 3),
    );

  // Finished jobs are completed in pg-boss in small batches: one synchronous commit for many jobs.
  const toComplete = new Map<QueueName, string[]>();
  let completeTimer: NodeJS.Timeout | null = null;
  let completing: Promise<void> = Promise.resolve();
  const flushCompletions = (): Promise<void> => {
    if (completeTimer) clearTimeout(completeTimer);
    completeTimer = null;
    const batches = [...toComplete.entries()];
    toComplete.clear();
    completing = completing.then(async () => {
      for (const [queue, ids] of batches) await boss.complete(queue, ids).catch(() => undefined);
    });
    return completing;
  };
  const completeLater = (queue: QueueName, id: string) => {
    const ids = toComplete.get(queue) ?? [];
    ids.push(id);
    toComplete.set(queue, ids);
    if (ids.length >= 100) void flushCompletions();
    else completeTimer ??= setTimeout(() => void flushCompletions(), 10);
  };

  let slotFreed: (() => void) | null = null;
  const runOne = async (queue: QueueName, job: Job<TaskJobData>): Promise<void> => {
    const controller = new AbortController();
    running.set(job.id, { job: job.data, controller });
    const timer = heartbeat(queue, job, controller);
    let result: TaskRunResult;
    try {
      result = await runTask(job.data, { pool, workerName: name, signal: controller.signal, scriptEnv });
    } catch (error) {
      result = { outcome: "aborted", message: (error as Error).message };
    } finally {
      clearInterval(timer);
    }
    if (result.outcome === "complete") counts.completed++;
    else if (result.outcome === "aborted") counts.aborted++;
    else counts.refused++;
    if (result.outcome !== "complete")
      log(`${job.data.path} try ${job.data.tryNo}: ${result.outcome}: ${result.message}`);
    // The job is done either way: its outcome is in the flow state, where the engine acts on it.
    completeLater(queue, job.id);
    running.delete(job.id);
    const freed = slotFreed;
    slotFreed = null;
    freed?.();
  };

  const inFlight = new Set<Promise<void>>();
  /** Takes as many jobs as there are free slots, from the first queue that has any. */
  const fetchLoop = async (): Promise<void> => {
    while (!stopping) {
      const free = options.concurrency - running.size;
      if (free <= 0) {
        await new Promise<void>((r) => {
          slotFreed = r;
        });
        continue;
      }
      let fetched = 0;
      try {
        for (const queue of options.queues) {
          const jobs = await boss.fetch<TaskJobData>(queue, { batchSize: free });
          for (const job of jobs) {
            const work = runOne(queue, job);
            inFlight.add(work);
            void work.finally(() => inFlight.delete(work));
          }
          fetched += jobs.length;
          if (fetched) break;
        }
      } catch (error) {
        log(`fetch failed: ${(error as Error).message}`);
      }
      if (fetched) continue;
      await new Promise<void>((resolveWait) => {
        const timer = setTimeout(() => resolveWait(), options.idlePollMs ?? 2000);
        const previous = wake;
        wake = () => {
          clearTimeout(timer);
          previous?.();
          resolveWait();
        };
      });
    }
  };
  const loop = fetchLoop();

  let stopped: Promise<void> | null = null;
  return {
    name,
    stats: () => ({ ...counts, running: running.size }),
    stop() {
      stopped ??= (async () => {
        stopping = true;
        for (const entry of running.values()) entry.controller.abort("the worker is stopping");
        wakeAll();
        slotFreed?.();
        await loop;
        await Promise.allSettled([...inFlight]);
        await flushCompletions();
        await listener?.end().catch(() => undefined);
        await new Promise<void>((r) => socket.close(() => r()));
        rmSync(workDir, { recursive: true, force: true });
        await boss.stop({ graceful: false, close: true }).catch(() => undefined);
        await ownPool?.end().catch(() => undefined);
      })();
      return stopped;
    },
  };
}
