// The worker agent: takes task jobs from a queue, runs them (at most `concurrency` at once), keeps
// their heartbeats going, and stops a task that is killed or no longer its own. Runs as `cloudburst
// worker` on compute nodes (queue `compute`) and inside the control role (`control`). It reaches the
// flow state straight through PostgreSQL or through a server's worker protocol (see backend.ts).
import { hostname } from "node:os";
import type pg from "pg";
import type { TaskJobData } from "../flow/engine/job.ts";
import type { QueueName } from "../queue/boss.ts";
import type { ActionRegistry } from "./actions.ts";
import { directBackend, type FetchedJob, type WorkerBackend } from "./backend.ts";
import { runTask, type TaskRunResult } from "./run-task.ts";
import { type ScriptEnvironment, startScriptEnvironment } from "./script-env.ts";

export interface WorkerOptions {
  /** PostgreSQL URL (DATABASE_URL or the embedded cluster's); or `backend` below. */
  url?: string;
  /** Or another way to the queue and the flow state (instead of `url`): a server's worker protocol. */
  backend?: WorkerBackend;
  queues: QueueName[];
  /** The built-in actions this worker runs (its process's composition root lists them). */
  actions: ActionRegistry;
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

/** Finished jobs are completed in the queue in batches of at most this many, a few ms apart. */
const completionBatch = 100;
const completionDelayMs = 10;
/** After a failed fetch, the worker waits this long before it asks again. */
const fetchRetryMs = 1000;

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  // Named after its node (the fleet's providers say which), so the flow history says where a job ran.
  const name = options.name ?? process.env["CLOUDBURST_NODE_NAME"] ?? `${hostname()}:${process.pid}`;
  const log = options.log ?? (() => undefined);
  // The queues' actions load while the backend connects: the worker takes no job before both are done.
  const prepared = options.actions.prepare(options.queues, log);
  const backend = await backendOf(options);
  await prepared;
  const agent = new WorkerAgent(name, backend, options, log);
  await agent.start();
  return agent;
}

async function backendOf(options: WorkerOptions): Promise<WorkerBackend> {
  if (options.backend) return options.backend;
  if (options.url)
    return directBackend(options.url, {
      concurrency: options.concurrency,
      ...(options.pool ? { pool: options.pool } : {}),
    });
  throw new Error("a worker needs a database URL or a backend (a server's worker protocol)");
}

class WorkerAgent implements RunningWorker {
  readonly name: string;
  readonly #backend: WorkerBackend;
  readonly #options: WorkerOptions;
  readonly #log: (message: string) => void;
  /** `ended`: the script itself reported complete or abort (ecFlow's tail.h and ERROR trap do). */
  readonly #running = new Map<
    string,
    { job: TaskJobData; controller: AbortController; ended?: "complete" | "abort" }
  >();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #counts = { completed: 0, aborted: 0, refused: 0 };
  readonly #toComplete = new Map<QueueName, string[]>();
  /** Aborted by stop(): ends a long wait for work, or a long-poll fetch. */
  readonly #stopRequest = new AbortController();
  #scripts: ScriptEnvironment | null = null;
  #completeTimer: NodeJS.Timeout | null = null;
  #completing: Promise<void> = Promise.resolve();
  #slotFreed: (() => void) | null = null;
  #loop: Promise<void> = Promise.resolve();
  #stopped: Promise<void> | null = null;

  constructor(name: string, backend: WorkerBackend, options: WorkerOptions, log: (message: string) => void) {
    this.name = name;
    this.#backend = backend;
    this.#options = options;
    this.#log = log;
  }

  async start(): Promise<void> {
    this.#backend.onKill((jobId) => this.#running.get(jobId)?.controller.abort("killed by an operator"));
    this.#scripts = await startScriptEnvironment((identity, event) => {
      const entry = [...this.#running.values()].find(
        (r) =>
          r.job.suiteId === identity.suiteId &&
          r.job.path === identity.path &&
          r.job.tryNo === identity.tryNo,
      );
      const report = async () => {
        const result = await this.#backend.child(identity, event, this.name);
        if (entry && result.accepted && (event.type === "complete" || event.type === "abort"))
          entry.ended = event.type;
        return result;
      };
      return { job: entry?.job ?? null, report };
    });
    this.#loop = this.#fetchLoop();
  }

  stats() {
    return { ...this.#counts, running: this.#running.size };
  }

  stop(options?: { drainMs?: number }): Promise<void> {
    this.#stopped ??= this.#stop(options?.drainMs ?? 0);
    return this.#stopped;
  }

  async #stop(drainMs: number): Promise<void> {
    this.#stopRequest.abort();
    this.#slotFreed?.();
    // A fetch under way ends first, so every job this worker took is either running or given back.
    await this.#loop.catch(() => undefined);
    if (drainMs > 0 && this.#inFlight.size > 0) {
      const drained = Promise.allSettled([...this.#inFlight]);
      await Promise.race([drained, new Promise((r) => setTimeout(r, drainMs).unref())]);
    }
    for (const entry of this.#running.values()) entry.controller.abort("the worker is stopping");
    await Promise.allSettled([...this.#inFlight]);
    await this.#flushCompletions();
    await this.#backend.close();
    await this.#scripts?.close();
  }

  get #stopping(): boolean {
    return this.#stopRequest.signal.aborted;
  }

  /** Takes as many jobs as there are free slots, from the first queue that has any. */
  async #fetchLoop(): Promise<void> {
    const stopRequested = new Promise<void>((r) =>
      this.#stopRequest.signal.addEventListener("abort", () => r()),
    );
    while (!this.#stopping) {
      const free = this.#options.concurrency - this.#running.size;
      if (free <= 0) {
        await new Promise<void>((r) => {
          this.#slotFreed = r;
        });
        continue;
      }
      let fetched = 0;
      try {
        fetched = await this.#fetchInto(free);
      } catch (error) {
        if (this.#stopping) break;
        this.#log(`fetch failed: ${(error as Error).message}`);
        await new Promise((r) => setTimeout(r, fetchRetryMs));
      }
      if (fetched || this.#stopping) continue;
      await Promise.race([this.#backend.waitForWork(this.#options.idlePollMs ?? 2000), stopRequested]);
    }
  }

  /** Fetches up to `free` jobs and starts them; how many it took. */
  async #fetchInto(free: number): Promise<number> {
    for (const queue of this.#options.queues) {
      const jobs = await this.#backend.fetch(queue, free, this.#stopRequest.signal);
      if (this.#stopping) {
        // Taken as the stop came: back to the queue for another node, not left to a heartbeat timeout.
        await this.#backend
          .release(queue, jobs)
          .catch((error: Error) => this.#log(`release failed: ${error.message}`));
        return 0;
      }
      for (const job of jobs) {
        const work = this.#runOne(queue, job);
        this.#inFlight.add(work);
        void work.finally(() => this.#inFlight.delete(work));
      }
      if (jobs.length) return jobs.length;
    }
    return 0;
  }

  async #runOne(queue: QueueName, job: FetchedJob): Promise<void> {
    const controller = new AbortController();
    this.#running.set(job.id, { job: job.data, controller });
    const timer = this.#heartbeat(queue, job, controller);
    let result: TaskRunResult;
    try {
      result = await runTask(job.data, {
        child: (identity, event) => this.#backend.child(identity, event, this.name),
        output: (lines) => this.#backend.output(job.data, lines),
        actions: this.#options.actions,
        workerName: this.name,
        signal: controller.signal,
        scriptEnv: this.#scripts?.env ?? {},
        endedByScript: () => this.#running.get(job.id)?.ended,
      });
    } catch (error) {
      result = { outcome: "aborted", message: (error as Error).message };
    } finally {
      clearInterval(timer);
    }
    if (result.outcome === "complete") this.#counts.completed++;
    else if (result.outcome === "aborted") this.#counts.aborted++;
    else this.#counts.refused++;
    if (result.outcome !== "complete")
      this.#log(`${job.data.path} try ${job.data.tryNo}: ${result.outcome}: ${result.message}`);
    // The job is done either way: its outcome is in the flow state, where the engine acts on it.
    this.#completeLater(queue, job.id);
    this.#running.delete(job.id);
    const freed = this.#slotFreed;
    this.#slotFreed = null;
    freed?.();
  }

  /**
   * Keeps the job's heartbeat. Still this task's current try? If an operator killed it, or it was
   * presumed dead and retried elsewhere, it is stopped: its reports would be refused anyway.
   */
  #heartbeat(queue: QueueName, job: FetchedJob, controller: AbortController): NodeJS.Timeout {
    const ref = { id: job.id, suiteId: job.data.suiteId, path: job.data.path };
    return setInterval(
      () => {
        void this.#backend.heartbeat(queue, ref).then((current) => {
          if (!current)
            controller.abort("no longer the task's current try (killed, forced or retried elsewhere)");
        });
      },
      Math.max(1000, (job.data.heartbeatSeconds * 1000) / 3),
    );
  }

  /** Finished jobs are completed in the queue in small batches: one synchronous commit for many jobs. */
  #completeLater(queue: QueueName, id: string): void {
    const ids = this.#toComplete.get(queue) ?? [];
    ids.push(id);
    this.#toComplete.set(queue, ids);
    if (ids.length >= completionBatch) void this.#flushCompletions();
    else this.#completeTimer ??= setTimeout(() => void this.#flushCompletions(), completionDelayMs);
  }

  #flushCompletions(): Promise<void> {
    if (this.#completeTimer) clearTimeout(this.#completeTimer);
    this.#completeTimer = null;
    const batches = [...this.#toComplete.entries()];
    this.#toComplete.clear();
    this.#completing = this.#completing.then(async () => {
      for (const [queue, ids] of batches) await this.#backend.complete(queue, ids).catch(() => undefined);
    });
    return this.#completing;
  }
}
