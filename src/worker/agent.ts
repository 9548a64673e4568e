// The worker agent: takes task jobs from a queue, runs them (at most `concurrency` at once), keeps
// their heartbeats going, and stops a task that is killed or no longer its own. Runs as `cloudburst
// worker` on compute nodes (queue `compute`) and inside the control server (`control`). It reaches the
// flow state straight through PostgreSQL or through the control server's API (see backend.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { checkChildEvent, type TaskJobData } from "../flow/engine/job.ts";
import type { QueueName } from "../queue/boss.ts";
import { prepareActions } from "./actions.ts";
import { directBackend, type FetchedJob, type WorkerBackend } from "./backend.ts";
import { serveChildSocket } from "./child-socket.ts";
import { httpBackend } from "./http-backend.ts";
import { runTask, type TaskRunResult } from "./run-task.ts";
import { writeScriptShims } from "./script-shims.ts";

export interface WorkerOptions {
  /** PostgreSQL URL (DATABASE_URL or the embedded cluster's); or `server` below. */
  url?: string;
  /** The control server's base URL and an API token, for a worker that does not reach PostgreSQL. */
  server?: { url: string; token: string };
  /** Or any other way to the queue and the flow state (instead of `url` and `server`). */
  backend?: WorkerBackend;
  queues: QueueName[];
  concurrency: number;
  name?: string;
  /** With `url`: use this pool for flow state writes instead of opening one. */
  pool?: pg.Pool;
  log?: (message: string) => void;
  /** Longest wait between fetches when no notification arrives (ms). */
  idlePollMs?: number;
}

export interface RunningWorker {
  name: string;
  /** Jobs finished since start. */
  stats(): { completed: number; aborted: number; refused: number; running: number };
  /**
   * Takes no more jobs, lets running ones finish for up to `drainMs` (a node released by the fleet
   * may just have taken one), then aborts what still runs.
   */
  stop(options?: { drainMs?: number }): Promise<void>;
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  // Named after its node (the fleet's providers say which), so the flow history says where a job ran.
  const name = options.name ?? process.env["CLOUDBURST_NODE_NAME"] ?? `${hostname()}:${process.pid}`;
  const log = options.log ?? (() => undefined);
  // The queues' actions load while the backend connects: the worker takes no job before both are done.
  const prepared = prepareActions(options.queues, log);
  let backend: WorkerBackend;
  if (options.backend) backend = options.backend;
  else if (options.server) backend = httpBackend(options.server.url, options.server.token);
  else if (options.url)
    backend = await directBackend(options.url, {
      concurrency: options.concurrency,
      ...(options.pool ? { pool: options.pool } : {}),
    });
  else throw new Error("a worker needs a database URL or a control server");

  await prepared;
  // `ended`: the script itself reported complete or abort (ecFlow's tail.h/trap do).
  const running = new Map<
    string,
    { job: TaskJobData; controller: AbortController; ended?: "complete" | "abort" }
  >();
  const counts = { completed: 0, aborted: 0, refused: 0 };
  let stopping = false;
  backend.onKill((jobId) => running.get(jobId)?.controller.abort("killed by an operator"));

  // Scripts reach this worker through a Unix socket and the `cloudburst` and `ecflow_client` shims on
  // their PATH.
  const workDir = mkdtempSync(join(tmpdir(), "cloudburst-worker-"));
  const socketPath = join(workDir, "child.sock");
  writeScriptShims(workDir);
  const socket = await serveChildSocket(socketPath, async (identity, event) => {
    const entry = [...running.values()].find(
      (r) =>
        r.job.suiteId === identity.suiteId && r.job.path === identity.path && r.job.tryNo === identity.tryNo,
    );
    if (entry) {
      const problem = checkChildEvent(entry.job, event);
      if (problem) return { accepted: false, message: problem };
    }
    const result = await backend.child(identity, event, name);
    if (entry && result.accepted && (event.type === "complete" || event.type === "abort"))
      entry.ended = event.type;
    return result;
  });
  const scriptEnv = {
    CLOUDBURST_CHILD_SOCKET: socketPath,
    PATH: `${workDir}:${process.env["PATH"] ?? "/usr/bin:/bin"}`,
  };

  const heartbeat = (queue: QueueName, job: FetchedJob, controller: AbortController) =>
    setInterval(
      () => {
        // Still this task's current try? If an operator killed it, or it was presumed dead and
        // retried elsewhere, stop it: its reports would be refused anyway.
        void backend.heartbeat(queue, job).then((current) => {
          if (!current)
            controller.abort("no longer the task's current try (killed, forced or retried elsewhere)");
        });
      },
      Math.max(1000, (job.data.heartbeatSeconds * 1000) / 3),
    );

  // Finished jobs are completed in the queue in small batches: one synchronous commit for many jobs.
  const toComplete = new Map<QueueName, string[]>();
  let completeTimer: NodeJS.Timeout | null = null;
  let completing: Promise<void> = Promise.resolve();
  const flushCompletions = (): Promise<void> => {
    if (completeTimer) clearTimeout(completeTimer);
    completeTimer = null;
    const batches = [...toComplete.entries()];
    toComplete.clear();
    completing = completing.then(async () => {
      for (const [queue, ids] of batches) await backend.complete(queue, ids).catch(() => undefined);
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
  const runOne = async (queue: QueueName, job: FetchedJob): Promise<void> => {
    const controller = new AbortController();
    running.set(job.id, { job: job.data, controller });
    const timer = heartbeat(queue, job, controller);
    let result: TaskRunResult;
    try {
      result = await runTask(job.data, {
        child: (identity, event) => backend.child(identity, event, name),
        output: (lines) => backend.output(job.data, lines),
        workerName: name,
        signal: controller.signal,
        scriptEnv,
        endedByScript: () => running.get(job.id)?.ended,
      });
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
  // Aborted by stop(): ends a long wait for work, or a long-poll fetch.
  const stopRequest = new AbortController();
  const stopRequested = new Promise<void>((r) => stopRequest.signal.addEventListener("abort", () => r()));
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
          const jobs = await backend.fetch(queue, free, stopRequest.signal);
          if (stopping) {
            // Taken as the stop came: back to the queue for another node, not left to a heartbeat timeout.
            await backend
              .release(queue, jobs)
              .catch((error: Error) => log(`release failed: ${error.message}`));
            return;
          }
          for (const job of jobs) {
            const work = runOne(queue, job);
            inFlight.add(work);
            void work.finally(() => inFlight.delete(work));
          }
          fetched += jobs.length;
          if (fetched) break;
        }
      } catch (error) {
        if (stopping) break;
        log(`fetch failed: ${(error as Error).message}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
      if (fetched || stopping) continue;
      await Promise.race([backend.waitForWork(options.idlePollMs ?? 2000), stopRequested]);
    }
  };
  const loop = fetchLoop();

  let stopped: Promise<void> | null = null;
  return {
    name,
    stats: () => ({ ...counts, running: running.size }),
    stop(stopOptions) {
      stopped ??= (async () => {
        stopping = true;
        stopRequest.abort();
        slotFreed?.();
        // A fetch under way ends first, so every job this worker took is either running or given back.
        await loop.catch(() => undefined);
        const drainMs = stopOptions?.drainMs ?? 0;
        if (drainMs > 0 && inFlight.size > 0) {
          const drained = Promise.allSettled([...inFlight]);
          await Promise.race([drained, new Promise((r) => setTimeout(r, drainMs).unref())]);
        }
        for (const entry of running.values()) entry.controller.abort("the worker is stopping");
        await Promise.allSettled([...inFlight]);
        await flushCompletions();
        await backend.close();
        await new Promise<void>((r) => socket.close(() => r()));
        rmSync(workDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
