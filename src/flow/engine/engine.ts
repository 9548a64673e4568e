// The flow engine inside the control role: keeps every loaded suite's model and state in memory,
// mirrored from PostgreSQL, and whenever something changes (a task reports, an operator acts, data
// arrives, the clock ticks) it applies what follows (complete expressions, repeats), retries aborted
// tasks within ECF_TRIES, submits ready tasks as pg-boss jobs, and notices jobs whose worker died.
// Every decision is written in a transaction before it is acted on, and each job id is derived from the
// task's submission count, so an engine killed at any moment resumes exactly from the database. All of
// its SQL is in store.ts; the pure logic behind its decisions is the SchedulingLogic it is given.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import type { PgBoss } from "pg-boss";
import { recordAudit } from "../../db/audit.ts";
import { type Listening, listenOn } from "../../db/listen.ts";
import { inTransaction } from "../../db/transaction.ts";
import { insertJobs, jobStates, QUEUE_NAMES, startBoss } from "../../queue/boss.ts";
import { autocancelDue, lateReason } from "../logic/late.ts";
import { maxTries } from "../logic/schedule.ts";
import { allVariables } from "../logic/variables.ts";
import type { Node, NodeRuntime, Task } from "../model/index.ts";
import { loadSnapshot } from "./commands.ts";
import {
  checkDataCondition,
  type DataConditionStatus,
  type DataTriggerSource,
  FIELDS_REGISTERED_CHANNEL,
  parseWaitFor,
  WAIT_FOR_VARIABLE,
} from "./data-trigger.ts";
import { defaultLogic } from "./logic.ts";
import type { NodeChange, SchedulingLogic } from "./logic-port.ts";
import type { SuiteSnapshot } from "./snapshot.ts";
import { applyRow } from "./snapshot.ts";
import {
  abortDeadJob,
  abortUnsubmittable,
  deleteSuiteRow,
  FLOW_CHANGED_CHANNEL,
  findSuiteRow,
  flagLate,
  insertHistory,
  listSuiteRows,
  markSubmitted,
  nodeRows,
  notifyAdvanced,
  notifyJobs,
  takeJobEdits,
  updateNodeRuntime,
} from "./store.ts";
import {
  DEFAULT_HEARTBEAT_SECONDS,
  prepareSubmission,
  type ReadyTask,
  type Submission,
} from "./submission.ts";
import { onWorkerLost, WORKER_LOST_CHANNEL } from "./worker-lost.ts";

export interface EngineLogger {
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

export interface FlowEngineOptions {
  logic?: SchedulingLogic;
  /** Where CB_WAIT_FOR conditions are asked (the cycle's catalogue source, ...). */
  dataSources?: readonly DataTriggerSource[];
  /** Clock tick for time dependencies, dead-job checks and data-trigger polling (ms). */
  tickMs?: number;
  /** pg-boss maintenance interval: how soon a lost heartbeat fails a job (s). */
  superviseIntervalSeconds?: number;
  logger?: EngineLogger;
  now?: () => Date;
}

/** Which suites changed since the last pass: all of a suite, or some of its nodes. */
type Changes = Map<string, Set<string> | "all">;

const noLogger: EngineLogger = { info() {}, warn() {}, error() {} };
/** Data conditions are pushed (fields_registered); asking again this often covers a missed notification. */
const dataRecheckMs = 30_000;
/** Thrown inside a transaction to roll it back: a node moved since the engine decided. */
const suiteMoved = Symbol("the suite moved meanwhile");
/** Follow-on changes applied in one pass before the engine looks again. */
const maxAdvanceRounds = 50;

export class FlowEngine {
  readonly #pool: pg.Pool;
  readonly #url: string;
  readonly #boss: PgBoss;
  readonly #logic: SchedulingLogic;
  readonly #sources: readonly DataTriggerSource[];
  readonly #log: EngineLogger;
  readonly #now: () => Date;
  readonly #snapshots = new Map<string, SuiteSnapshot>();
  readonly #changed: Changes = new Map();
  /** Latest data-condition answer per task (suiteId + path), for `why` and to avoid re-asking. */
  readonly #dataStatus = new Map<string, DataConditionStatus & { epoch: number }>();
  readonly #unloadable = new Set<string>();
  /** Nodes with a `late` (their own or a parent's `late -s`) or `autocancel`, per snapshot. */
  readonly #watched = new WeakMap<SuiteSnapshot, { late: Node[]; autocancel: boolean }>();
  #dataEpoch = 0;
  #lastDataCheck = Date.now();
  #fullScan = true;
  #tickDue = true;
  #stopping = false;
  #listener: Listening | null = null;
  #passing: Promise<void> | null = null;
  #again = false;
  #ticker: NodeJS.Timeout | null = null;

  private constructor(db: { pool: pg.Pool; url: string }, boss: PgBoss, options: FlowEngineOptions) {
    this.#pool = db.pool;
    this.#url = db.url;
    this.#boss = boss;
    this.#logic = options.logic ?? defaultLogic;
    this.#sources = options.dataSources ?? [];
    this.#log = options.logger ?? noLogger;
    this.#now = options.now ?? (() => new Date());
  }

  /** Starts the engine on the database: it listens, ticks and submits until `stop()`. */
  static async start(
    db: { pool: pg.Pool; url: string },
    options: FlowEngineOptions = {},
  ): Promise<FlowEngine> {
    const boss = await startBoss(db.url, {
      supervise: true,
      superviseIntervalSeconds: options.superviseIntervalSeconds ?? 5,
      applicationName: "cloudburst-flow-engine",
    });
    const engine = new FlowEngine(db, boss, options);
    await engine.#listen();
    engine.#ticker = setInterval(() => engine.#tick(), options.tickMs ?? 5000);
    engine.#kick();
    return engine;
  }

  /** Resolves when nothing is pending (for tests and benchmarks). */
  async settled(): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      if (!this.#passing && this.#changed.size === 0 && !this.#fullScan) return;
      if (this.#passing) await this.#passing;
      else this.#kick();
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#ticker) clearInterval(this.#ticker);
    await this.#passing;
    await this.#listener?.close();
    await this.#boss.stop({ graceful: false, close: true }).catch(() => undefined);
  }

  // ---- wake-ups: LISTEN, reconnecting; a reconnect rescans everything (notifications may be lost).

  async #listen(): Promise<void> {
    this.#listener = await listenOn({
      url: this.#url,
      applicationName: "cloudburst-flow-listen",
      channels: [FLOW_CHANGED_CHANNEL, FIELDS_REGISTERED_CHANNEL, WORKER_LOST_CHANNEL],
      onNotification: (channel, payload) => this.#notified(channel, payload),
      onReconnect: () => {
        this.#fullScan = true;
        this.#kick();
      },
    });
    this.#fullScan = true;
    this.#kick();
  }

  #notified(channel: string, payload: string): void {
    if (channel === FLOW_CHANGED_CHANNEL) {
      const space = payload.indexOf(" ");
      const suiteId = space < 0 ? payload : payload.slice(0, space);
      const current = this.#changed.get(suiteId);
      if (space < 0) this.#changed.set(suiteId, "all");
      else if (current !== "all")
        this.#changed.set(suiteId, (current ?? new Set()).add(payload.slice(space + 1)));
    } else if (channel === FIELDS_REGISTERED_CHANNEL) {
      this.#dataEpoch++;
      for (const id of this.#snapshots.keys()) if (!this.#changed.has(id)) this.#changed.set(id, new Set());
    } else if (channel === WORKER_LOST_CHANNEL) {
      // The fleet saw a worker die: its tasks are aborted now (their flow_changed wakes the engine again).
      void onWorkerLost(this.#pool, payload, this.#log);
    }
    this.#kick();
  }

  #tick(): void {
    this.#tickDue = true;
    if (Date.now() - this.#lastDataCheck > dataRecheckMs) {
      this.#lastDataCheck = Date.now();
      this.#dataEpoch++;
    }
    this.#kick();
  }

  /** One pass at a time; changes during a pass run another. */
  #kick(): void {
    if (this.#stopping) return;
    if (this.#passing) {
      this.#again = true;
      return;
    }
    this.#passing = (async () => {
      do {
        this.#again = false;
        try {
          await this.#pass();
        } catch (error) {
          this.#log.error({ err: error }, "flow engine pass failed; retrying");
          this.#fullScan = true;
          await new Promise((r) => setTimeout(r, 1000));
          this.#again = !this.#stopping;
        }
      } while (this.#again && !this.#stopping);
      this.#passing = null;
    })();
  }

  // ---- one pass: reload what changed, then advance every suite that may have moved.

  async #pass(): Promise<void> {
    const toAdvance = new Set<string>();
    if (this.#fullScan) await this.#reloadAll(toAdvance);
    await this.#reloadChanged(toAdvance);
    if (this.#tickDue) {
      this.#tickDue = false;
      this.#retryUnloadable();
      for (const id of this.#snapshots.keys()) toAdvance.add(id);
      await this.#reconcileJobs();
      for (const snapshot of [...this.#snapshots.values()]) await this.#checkLateAndAutocancel(snapshot);
    }
    for (const id of toAdvance) {
      const snapshot = this.#snapshots.get(id);
      if (snapshot) await this.#advance(snapshot);
    }
  }

  async #reloadAll(toAdvance: Set<string>): Promise<void> {
    this.#fullScan = false;
    this.#changed.clear();
    const rows = await listSuiteRows(this.#pool);
    this.#snapshots.clear();
    for (const row of rows) {
      try {
        this.#snapshots.set(row.id, await loadSnapshot(this.#pool, row));
        toAdvance.add(row.id);
      } catch (error) {
        this.#unloadable.add(row.id);
        this.#log.error(
          { err: error, suite: row.name },
          "cannot rebuild the suite's model from its stored definition",
        );
      }
    }
  }

  async #reloadChanged(toAdvance: Set<string>): Promise<void> {
    const changed = [...this.#changed.entries()];
    this.#changed.clear();
    for (const [id, what] of changed) {
      const snapshot = this.#snapshots.get(id);
      if (what === "all" || !snapshot) await this.#reloadSuite(id);
      else if (what.size)
        for (const row of await nodeRows(this.#pool, id, [...what])) applyRow(snapshot, row);
      if (this.#snapshots.has(id)) toAdvance.add(id);
    }
  }

  async #reloadSuite(id: string): Promise<void> {
    const row = await findSuiteRow(this.#pool, id);
    if (!row) {
      this.#snapshots.delete(id);
      return;
    }
    try {
      this.#snapshots.set(id, await loadSnapshot(this.#pool, row));
    } catch (error) {
      this.#snapshots.delete(id);
      this.#log.error(
        { err: error, suite: row.name },
        "cannot rebuild the suite's model from its stored definition",
      );
    }
  }

  /** Suites that could not be loaded (e.g. the database was briefly unreachable) are tried again. */
  #retryUnloadable(): void {
    for (const id of this.#unloadable) if (!this.#changed.has(id)) this.#changed.set(id, "all");
    if (this.#unloadable.size) this.#again = true;
    this.#unloadable.clear();
  }

  // ---- one suite: follow-on changes, retries, submissions.

  async #advance(snapshot: SuiteSnapshot): Promise<void> {
    if (!snapshot.begunAt) return;
    const at = this.#now();
    for (let round = 0; round < maxAdvanceRounds; round++) {
      const changes = this.#logic.advance(snapshot.defs, snapshot.runtime, at);
      if (changes.length === 0) break;
      if (!(await this.#apply(snapshot, changes))) return;
    }
    const ready: ReadyTask[] = [];
    for (const task of this.#readyTasks(snapshot, at))
      if (await this.#dataReady(snapshot, task, at)) ready.push(task);
    if (ready.length) await this.#submit(snapshot, ready);
  }

  /** Tasks to submit now: reruns, aborted tasks with tries left, and those the logic finds ready. */
  #readyTasks(snapshot: SuiteSnapshot, at: Date): ReadyTask[] {
    const ready = new Map<string, ReadyTask>();
    const add = (task: Task, expectedState: string, detail: string) => {
      if (!ready.has(task.path)) ready.set(task.path, { task, expectedState, detail, dataReady: false });
    };
    for (const node of snapshot.index.values()) {
      if (node.kind !== "task") continue;
      const rt = snapshot.runtime.nodes.get(node.path);
      if (!rt) continue;
      if (rt.state === "queued" && (rt as { runNow?: boolean }).runNow)
        add(node, "queued", "rerun by an operator");
      else if (
        rt.state === "aborted" &&
        !rt.suspended &&
        !(rt.flags ?? []).some((f) => f === "killed" || f === "forced")
      ) {
        const tries = maxTries(snapshot.defs, node, snapshot.runtime, at);
        const tryNo = rt.tryNo ?? 0;
        if (tryNo < tries)
          add(node, "aborted", `retry ${tryNo + 1} of ${tries} after: ${rt.abortedReason ?? "aborted"}`);
      }
    }
    for (const task of this.#logic.readyTasks(snapshot.defs, snapshot.runtime, at))
      add(task, "queued", "dependencies satisfied");
    return [...ready.values()];
  }

  /** Whether the task's data condition (CB_WAIT_FOR) holds; it notes the answer on the task. */
  async #dataReady(snapshot: SuiteSnapshot, ready: ReadyTask, at: Date): Promise<boolean> {
    const variables = allVariables(ready.task, snapshot.runtime, at, snapshot.defs);
    const condition = parseWaitFor(variables[WAIT_FOR_VARIABLE], variables, ready.task.path);
    if (!condition || snapshot.tasks.get(ready.task.path)?.dataReadyAt) return true;
    const key = `${snapshot.id} ${ready.task.path}`;
    let status = this.#dataStatus.get(key);
    if (!status || status.epoch !== this.#dataEpoch) {
      status = {
        ...(await checkDataCondition(condition, this.#sources, this.#pool)),
        epoch: this.#dataEpoch,
      };
      this.#dataStatus.set(key, status);
    }
    if (!status.satisfied) return false;
    ready.dataReady = true;
    ready.detail += `; data: ${status.detail}`;
    return true;
  }

  /** Writes follow-on changes, each guarded by the state it was decided on; false if the suite moved meanwhile. */
  async #apply(snapshot: SuiteSnapshot, changes: NodeChange[]): Promise<boolean> {
    const applied = await inTransaction(this.#pool, async (client) => {
      for (const change of changes) {
        const expectedState = snapshot.runtime.nodes.get(change.path)?.state ?? "unknown";
        if (!(await updateNodeRuntime(client, snapshot.id, { ...change, expectedState }))) throw suiteMoved;
      }
      await insertHistory(client, this.#changeHistory(snapshot, changes));
      await notifyAdvanced(
        client,
        snapshot.id,
        changes.map((c) => c.path),
      );
      return true;
    }).catch((error: unknown) => {
      if (error === suiteMoved) return false;
      throw error;
    });
    if (!applied) {
      this.#changed.set(snapshot.id, "all");
      this.#again = true;
      return false;
    }
    for (const change of changes) {
      snapshot.runtime.nodes.set(change.path, { ...change.runtime, stateSince: this.#now().toISOString() });
      if (change.runtime.state === "queued") {
        const extra = snapshot.tasks.get(change.path);
        if (extra) extra.dataReadyAt = null;
        this.#dataStatus.delete(`${snapshot.id} ${change.path}`);
      }
    }
    return true;
  }

  /** History entries for state changes (a container that only follows its children is not one). */
  #changeHistory(snapshot: SuiteSnapshot, changes: NodeChange[]) {
    return changes
      .filter(
        (c) =>
          c.runtime.state !== snapshot.runtime.nodes.get(c.path)?.state ||
          c.detail !== "follows its children",
      )
      .map((c) => ({
        suiteId: snapshot.id,
        path: c.path,
        kind: "state",
        fromState: snapshot.runtime.nodes.get(c.path)?.state ?? null,
        toState: c.runtime.state,
        tryNo: c.runtime.tryNo ?? null,
        detail: c.detail,
        actor: "engine",
      }));
  }

  /** Submits ready tasks: their rows and their jobs in one transaction, then the snapshot follows. */
  async #submit(snapshot: SuiteSnapshot, ready: ReadyTask[]): Promise<void> {
    const at = this.#now();
    const jobs: Submission[] = [];
    const invalid: Array<{ ready: ReadyTask; reason: string }> = [];
    for (const item of ready) {
      const prepared = prepareSubmission(snapshot, item, at);
      if (typeof prepared === "string") invalid.push({ ready: item, reason: prepared });
      else jobs.push(prepared);
    }
    const submitted = await inTransaction(this.#pool, async (client) => {
      const updated = await markSubmitted(
        client,
        snapshot.id,
        jobs.map((j) => j.row),
      );
      const accepted = jobs.filter((j) => updated.has(j.row.path));
      const edits = await takeJobEdits(
        client,
        snapshot.id,
        accepted.map((j) => j.row.path),
      );
      for (const j of accepted) {
        const text = edits.get(j.row.path);
        if (text !== undefined) j.data.jobText = text;
      }
      for (const queue of QUEUE_NAMES) {
        const batch = accepted.filter((j) => j.data.queue === queue);
        if (batch.length === 0) continue;
        await insertJobs(
          this.#boss,
          client,
          queue,
          batch.map((j) => ({
            id: j.row.jobId,
            data: j.data,
            priority: j.priority,
            heartbeatSeconds: j.data.heartbeatSeconds,
            expireSeconds: j.data.expireSeconds,
          })),
        );
        await notifyJobs(client, queue);
      }
      for (const { ready: item, reason } of invalid)
        await abortUnsubmittable(client, snapshot.id, item.task.path, reason);
      await insertHistory(client, [
        ...accepted.map((j) => ({
          suiteId: snapshot.id,
          path: j.row.path,
          kind: "state",
          fromState: j.row.expectedState,
          toState: "submitted",
          tryNo: j.row.tryNo,
          detail: `${j.ready.detail}; job ${j.row.jobId} on queue ${j.row.queue}`,
          actor: "engine",
        })),
        ...invalid.map(({ ready: item, reason }) => ({
          suiteId: snapshot.id,
          path: item.task.path,
          kind: "state",
          fromState: item.expectedState,
          toState: "aborted",
          detail: reason,
          actor: "engine",
        })),
      ]);
      await notifyAdvanced(client, snapshot.id, [
        ...accepted.map((j) => j.row.path),
        ...invalid.map(({ ready: item }) => item.task.path),
      ]);
      return updated;
    });
    this.#noteSubmitted(snapshot, jobs, submitted, invalid);
  }

  /** The snapshot after a submission: what was submitted, what could not be. */
  #noteSubmitted(
    snapshot: SuiteSnapshot,
    jobs: readonly Submission[],
    submitted: ReadonlySet<string>,
    invalid: ReadonlyArray<{ ready: ReadyTask; reason: string }>,
  ): void {
    const stamp = this.#now().toISOString();
    for (const j of jobs) {
      const path = j.row.path;
      if (!submitted.has(path)) continue;
      const { runNow: _r, ...rest } = snapshot.runtime.nodes.get(path)! as NodeRuntime & { runNow?: boolean };
      snapshot.runtime.nodes.set(path, {
        ...rest,
        state: "submitted",
        tryNo: j.row.tryNo,
        flags: [],
        stateSince: stamp,
      });
      const extra = snapshot.tasks.get(path);
      if (extra) {
        extra.submissions = j.row.submission;
        extra.jobId = j.row.jobId;
        extra.queue = j.row.queue;
        extra.password = j.row.password;
        extra.worker = null;
        if (j.row.dataReady) extra.dataReadyAt ??= new Date();
      }
    }
    for (const { ready: item, reason } of invalid) {
      const rt = snapshot.runtime.nodes.get(item.task.path)!;
      snapshot.runtime.nodes.set(item.task.path, {
        ...rt,
        state: "aborted",
        abortedReason: reason,
        flags: ["forced"],
      });
    }
    if (submitted.size < jobs.length) this.#changed.set(snapshot.id, "all");
    if (submitted.size)
      this.#log.info({ suite: snapshot.name, submitted: submitted.size }, "tasks submitted");
  }

  // ---- dead jobs: a job pg-boss failed (lost heartbeat, expiry) or that ended without a report.

  async #reconcileJobs(): Promise<void> {
    const running: Array<{ snapshot: SuiteSnapshot; path: string; jobId: string; worker: string | null }> =
      [];
    for (const snapshot of this.#snapshots.values())
      for (const [path, extra] of snapshot.tasks) {
        const state = snapshot.runtime.nodes.get(path)?.state;
        if ((state === "submitted" || state === "active") && extra.jobId)
          running.push({ snapshot, path, jobId: extra.jobId, worker: extra.worker });
      }
    if (running.length === 0) return;
    const jobs = await jobStates(
      this.#pool,
      running.map((r) => r.jobId),
    );
    for (const task of running) {
      const reason = deadJobReason(task.jobId, jobs.get(task.jobId), task.worker);
      if (reason) await this.#abortDead(task, reason);
    }
  }

  async #abortDead(
    task: { snapshot: SuiteSnapshot; path: string; jobId: string },
    reason: string,
  ): Promise<void> {
    const rt = task.snapshot.runtime.nodes.get(task.path);
    const aborted = await abortDeadJob(this.#pool, {
      suiteId: task.snapshot.id,
      path: task.path,
      jobId: task.jobId,
      reason,
      password: randomBytes(12).toString("base64url"),
      fromState: rt?.state ?? null,
    });
    if (!aborted || !rt) {
      this.#changed.set(task.snapshot.id, "all");
      return;
    }
    this.#log.warn({ suite: task.snapshot.name, path: task.path }, reason);
    task.snapshot.runtime.nodes.set(task.path, { ...rt, state: "aborted", abortedReason: reason });
    await notifyAdvanced(this.#pool, task.snapshot.id, [task.path]);
  }

  // ---- time: late flags and autocancel.

  #watchedOf(snapshot: SuiteSnapshot): { late: Node[]; autocancel: boolean } {
    let entry = this.#watched.get(snapshot);
    if (!entry) {
      const late: Node[] = [];
      for (const node of snapshot.index.values()) {
        let inherited = false;
        for (let n: Node | undefined = node.parent; n && !inherited; n = n.parent)
          inherited = !!n.late?.submitted;
        if (node.late || (inherited && node.kind === "task")) late.push(node);
      }
      entry = { late, autocancel: !!snapshot.suite.autocancel };
      this.#watched.set(snapshot, entry);
    }
    return entry;
  }

  /** Flags late nodes once (history and log), and deletes a suite whose autocancel is due. */
  async #checkLateAndAutocancel(snapshot: SuiteSnapshot): Promise<void> {
    const at = this.#now();
    const { late, autocancel } = this.#watchedOf(snapshot);
    for (const node of late) {
      const rt = snapshot.runtime.nodes.get(node.path);
      if (!rt || (rt.flags ?? []).includes("late")) continue;
      const reason = lateReason(node, snapshot.runtime, at);
      if (!reason) continue;
      await flagLate(this.#pool, snapshot.id, node.path, `late: ${reason}`);
      snapshot.runtime.nodes.set(node.path, { ...rt, flags: [...(rt.flags ?? []), "late"] });
      await notifyAdvanced(this.#pool, snapshot.id, [node.path]);
      this.#log.warn({ suite: snapshot.name, path: node.path, reason }, "task is late");
    }
    if (autocancel && autocancelDue(snapshot.suite, snapshot.runtime, at)) {
      await deleteSuiteRow(this.#pool, snapshot.id);
      await recordAudit(this.#pool, {
        actor: "engine",
        action: "suite.autocancel",
        subject: snapshot.name,
        details: { loadedFrom: snapshot.defs.file ?? null },
      });
      this.#snapshots.delete(snapshot.id);
      await notifyAdvanced(this.#pool, snapshot.id, "all");
      this.#log.info({ suite: snapshot.name }, "suite deleted by its autocancel");
    }
  }
}

/** Why a running task's job is dead, from the queue's record of it; null while it lives. */
function deadJobReason(
  jobId: string,
  job:
    | {
        state: string;
        output: { value?: { message?: string }; message?: string; outcome?: string } | null;
        heartbeatSeconds: number | null;
      }
    | undefined,
  worker: string | null,
): string | null {
  if (!job) return `its job ${jobId} is no longer in the queue`;
  if (job.state === "failed") {
    const message = job.output?.value?.message ?? job.output?.message ?? "failed";
    if (/heartbeat/i.test(message))
      return `no heartbeat for ${job.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS} s from ${worker ?? "the worker that took it"}: the worker is presumed dead (job ${jobId})`;
    if (/timed out/i.test(message))
      return `it ran longer than its timeout (CB_TIMEOUT); job ${jobId} expired`;
    return `its job ${jobId} failed: ${message}`;
  }
  if (job.state === "cancelled") return `its job ${jobId} was cancelled`;
  if (job.state === "completed")
    return `the worker ended job ${jobId} without reporting the task's end (${job.output?.outcome ?? "no outcome"})`;
  return null;
}
