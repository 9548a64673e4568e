// The flow engine inside the control server: keeps every loaded suite's model and state in memory,
// mirrored from PostgreSQL, and whenever something changes (a task reports, an operator acts, data
// arrives, the clock ticks) it applies what follows (complete expressions, repeats), retries aborted
// tasks within ECF_TRIES, submits ready tasks as pg-boss jobs, and notices jobs whose worker died.
// Every decision is written in a transaction before it is acted on, and each job id is derived from the
// task's submission count, so a server killed at any moment resumes exactly from the database.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inTransaction } from "../../db/transaction.ts";
import { isQueueName, type QueueName, startBoss, taskJobId, transactionDb } from "../../queue/boss.ts";
import { parseActionSpec } from "../../worker/actions.ts";
import { type RunningWorker, startWorker } from "../../worker/agent.ts";
import { autocancelDue, lateReason } from "../logic/late.ts";
import { maxTries } from "../logic/schedule.ts";
import { allVariables } from "../logic/variables.ts";
import type { Node, NodeRuntime, Task } from "../model/index.ts";
import { FLOW_CHANGED_CHANNEL } from "./child-events.ts";
import {
  checkDataCondition,
  type DataConditionStatus,
  FIELDS_REGISTERED_CHANNEL,
  parseWaitFor,
  WAIT_FOR_VARIABLE,
} from "./data-trigger.ts";
import { FLOW_JOBS_CHANNEL, type TaskJobData } from "./job.ts";
import { defaultLogic } from "./logic.ts";
import type { NodeChange, SchedulingLogic } from "./logic-port.ts";
import {
  eventKeys,
  findSuiteRow,
  insertHistory,
  listSuiteRows,
  loadSnapshot,
  refreshNodes,
  runtimeExtra,
  type SuiteSnapshot,
} from "./store.ts";
import { onWorkerLost, WORKER_LOST_CHANNEL } from "./worker-lost.ts";

export interface EngineLogger {
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

export interface FlowEngineOptions {
  logic?: SchedulingLogic;
  /** Clock tick for time dependencies, dead-job checks and data-trigger polling (ms). */
  tickMs?: number;
  /** pg-boss maintenance interval: how soon a lost heartbeat fails a job (s). */
  superviseIntervalSeconds?: number;
  /** Run `control`-queue jobs in this process (default true), this many at once. */
  controlConcurrency?: number;
  now?: () => Date;
}

export interface FlowEngine {
  /** Resolves when nothing is pending (for tests and benchmarks). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

interface SubmitItem {
  task: Task;
  expectedState: string;
  detail: string;
  dataReady: boolean;
}

/** Default heartbeat (s) a job must keep up; its worker is presumed dead after this without one. */
export const DEFAULT_HEARTBEAT_SECONDS = 20;
/** Default expiry (s) of a job: a task that runs longer is failed. Set CB_TIMEOUT per task. */
export const DEFAULT_TIMEOUT_SECONDS = 6 * 3600;

const noLogger: EngineLogger = { info() {}, warn() {}, error() {} };

/** Starts the engine on the server's database; `stop()` ends it. */
export async function startFlowEngine(
  db: { pool: pg.Pool; url: string },
  logger: EngineLogger = noLogger,
  options: FlowEngineOptions = {},
): Promise<FlowEngine> {
  const { pool, url } = db;
  const logic = options.logic ?? defaultLogic;
  const now = options.now ?? (() => new Date());
  const boss = await startBoss(url, {
    supervise: true,
    superviseIntervalSeconds: options.superviseIntervalSeconds ?? 5,
    applicationName: "cloudburst-flow-engine",
  });
  const snapshots = new Map<string, SuiteSnapshot>();
  const dirty = new Map<string, Set<string> | "all">();
  /** Latest data-condition answer per task (suiteId + path), for `why` and to avoid re-asking. */
  const dataStatus = new Map<string, DataConditionStatus & { epoch: number }>();
  let dataEpoch = 0;
  const unloadable = new Set<string>();
  let fullScan = true;
  let tickDue = true;
  let stopping = false;

  // ---- wake-ups: LISTEN, reconnecting; a reconnect rescans everything (notifications may be lost).
  let listener: pg.Client | null = null;
  const listen = async (): Promise<void> => {
    if (stopping) return;
    const client = new pg.Client({ connectionString: url, application_name: "cloudburst-flow-listen" });
    client.on("error", () => undefined);
    client.on("end", () => {
      if (stopping) return;
      fullScan = true;
      setTimeout(() => void listen().catch(() => setTimeout(() => void listen(), 2000)), 1000);
    });
    client.on("notification", (message) => {
      if (message.channel === FLOW_CHANGED_CHANNEL) {
        const payload = message.payload ?? "";
        const space = payload.indexOf(" ");
        const suiteId = space < 0 ? payload : payload.slice(0, space);
        if (space < 0) dirty.set(suiteId, "all");
        else {
          const current = dirty.get(suiteId);
          if (current !== "all") dirty.set(suiteId, (current ?? new Set()).add(payload.slice(space + 1)));
        }
      } else if (message.channel === FIELDS_REGISTERED_CHANNEL) {
        dataEpoch++;
        for (const id of snapshots.keys()) if (!dirty.has(id)) dirty.set(id, new Set());
      } else if (message.channel === WORKER_LOST_CHANNEL) {
        // The fleet saw a worker die: its tasks are aborted now (their FLOW_CHANGED wakes us again).
        void onWorkerLost(pool, message.payload, logger);
      }
      kick();
    });
    await client.connect();
    await client.query(`listen ${FLOW_CHANGED_CHANNEL}`);
    await client.query(`listen ${FIELDS_REGISTERED_CHANNEL}`);
    await client.query(`listen ${WORKER_LOST_CHANNEL}`);
    listener = client;
    fullScan = true;
    kick();
  };

  // ---- one cycle at a time; changes during a cycle run another.
  let cycling: Promise<void> | null = null;
  let again = false;
  const kick = () => {
    if (stopping) return;
    if (cycling) {
      again = true;
      return;
    }
    cycling = (async () => {
      do {
        again = false;
        try {
          await cycle();
        } catch (error) {
          logger.error({ err: error }, "flow engine cycle failed; retrying");
          fullScan = true;
          await new Promise((r) => setTimeout(r, 1000));
          again = !stopping;
        }
      } while (again && !stopping);
      cycling = null;
    })();
  };

  const cycle = async () => {
    const toStep = new Set<string>();
    if (fullScan) {
      fullScan = false;
      dirty.clear();
      const rows = await listSuiteRows(pool);
      snapshots.clear();
      for (const row of rows) {
        try {
          snapshots.set(row.id, await loadSnapshot(pool, row));
          toStep.add(row.id);
        } catch (error) {
          unloadable.add(row.id);
          logger.error(
            { err: error, suite: row.name },
            "cannot rebuild the suite's model from its stored definition",
          );
        }
      }
    }
    const changed = [...dirty.entries()];
    dirty.clear();
    for (const [id, what] of changed) {
      const snapshot = snapshots.get(id);
      if (what === "all" || !snapshot) {
        const row = await findSuiteRow(pool, id);
        if (!row) snapshots.delete(id);
        else {
          try {
            snapshots.set(id, await loadSnapshot(pool, row));
          } catch (error) {
            snapshots.delete(id);
            logger.error(
              { err: error, suite: row.name },
              "cannot rebuild the suite's model from its stored definition",
            );
          }
        }
      } else if (what.size) await refreshNodes(pool, snapshot, [...what]);
      if (snapshots.has(id)) toStep.add(id);
    }
    if (tickDue) {
      tickDue = false;
      // Suites that could not be loaded (e.g. the database was briefly unreachable) are tried again.
      for (const id of unloadable) if (!dirty.has(id)) dirty.set(id, "all");
      if (unloadable.size) again = true;
      unloadable.clear();
      for (const id of snapshots.keys()) toStep.add(id);
      await reconcileJobs();
      for (const snapshot of [...snapshots.values()]) await checkLateAndAutocancel(snapshot);
    }
    for (const id of toStep) {
      const snapshot = snapshots.get(id);
      if (snapshot) await step(snapshot);
    }
  };

  // ---- one suite: follow-on changes, retries, submissions.
  const step = async (snapshot: SuiteSnapshot) => {
    if (!snapshot.begunAt) return;
    const at = now();
    for (let round = 0; round < 50; round++) {
      const changes = logic.advance(snapshot.defs, snapshot.runtime, at);
      if (changes.length === 0) break;
      if (!(await applyChanges(snapshot, changes))) return;
    }
    const items: SubmitItem[] = [];
    const seen = new Set<string>();
    const add = (task: Task, expectedState: string, detail: string) => {
      if (seen.has(task.path)) return;
      seen.add(task.path);
      items.push({ task, expectedState, detail, dataReady: false });
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
        if ((rt.tryNo ?? 0) < tries) {
          add(
            node,
            "aborted",
            `retry ${(rt.tryNo ?? 0) + 1} of ${tries} after: ${rt.abortedReason ?? "aborted"}`,
          );
        }
      }
    }
    for (const task of logic.readyTasks(snapshot.defs, snapshot.runtime, at))
      add(task, "queued", "dependencies satisfied");
    const submit: SubmitItem[] = [];
    for (const item of items) {
      const variables = allVariables(item.task, snapshot.runtime, at, snapshot.defs);
      const condition = parseWaitFor(variables[WAIT_FOR_VARIABLE], variables, item.task.path);
      if (condition && !snapshot.tasks.get(item.task.path)?.dataReadyAt) {
        const key = `${snapshot.id} ${item.task.path}`;
        let status = dataStatus.get(key);
        if (!status || status.epoch !== dataEpoch) {
          status = { ...(await checkDataCondition(condition, pool)), epoch: dataEpoch };
          dataStatus.set(key, status);
        }
        if (!status.satisfied) continue;
        item.dataReady = true;
        item.detail += `; data: ${status.detail}`;
      }
      submit.push(item);
    }
    if (submit.length) await submitTasks(snapshot, submit);
  };

  /** Writes follow-on changes, each guarded by the state it was decided on; false if the suite moved meanwhile. */
  const applyChanges = async (snapshot: SuiteSnapshot, changes: NodeChange[]): Promise<boolean> => {
    const client = await pool.connect();
    let ok = true;
    try {
      await client.query("begin");
      for (const change of changes) {
        const before = snapshot.runtime.nodes.get(change.path);
        const rt = change.runtime;
        const result = await client.query(
          `update flow_node set state = $3, suspended = $4, try_no = $5, events = $6, meters = $7, labels = $8,
             variables = $9, repeat_index = $10, extra = $11,
             aborted_reason = case when $3 = 'aborted' then aborted_reason else null end,
             data_ready_at = case when $3 = 'queued' and state <> 'queued' then null else data_ready_at end,
             state_since = case when state <> $3 then now() else state_since end
           where suite_id = $1 and path = $2 and state = $12`,
          [
            snapshot.id,
            change.path,
            rt.state,
            rt.suspended === true,
            rt.tryNo ?? 0,
            JSON.stringify(rt.events ?? {}),
            JSON.stringify(rt.meters ?? {}),
            JSON.stringify(rt.labels ?? {}),
            JSON.stringify(rt.variables ?? {}),
            rt.repeatIndex ?? null,
            JSON.stringify(runtimeExtra(rt)),
            before?.state ?? "unknown",
          ],
        );
        if (result.rowCount !== 1) {
          ok = false;
          break;
        }
      }
      if (ok) {
        await insertHistory(
          client,
          changes
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
            })),
        );
        await client.query("commit");
      } else await client.query("rollback");
    } catch (error) {
      await client.query("rollback").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    if (!ok) {
      dirty.set(snapshot.id, "all");
      again = true;
      return false;
    }
    for (const change of changes) {
      snapshot.runtime.nodes.set(change.path, { ...change.runtime, stateSince: now().toISOString() });
      if (change.runtime.state === "queued") {
        const extra = snapshot.tasks.get(change.path);
        if (extra) extra.dataReadyAt = null;
        dataStatus.delete(`${snapshot.id} ${change.path}`);
      }
    }
    return true;
  };

  const submitTasks = async (snapshot: SuiteSnapshot, items: SubmitItem[]) => {
    const at = now();
    const jobs: Array<{
      item: SubmitItem;
      data: TaskJobData;
      jobId: string;
      submission: number;
      expectedTry: number;
      priority: number;
    }> = [];
    const invalid: Array<{ item: SubmitItem; reason: string }> = [];
    for (const item of items) {
      const rt = snapshot.runtime.nodes.get(item.task.path)!;
      const extra = snapshot.tasks.get(item.task.path);
      const tryNo = (rt.tryNo ?? 0) + 1;
      const password = randomBytes(12).toString("base64url");
      // The variables as the new try sees them (ECF_TRYNO and the paths derived from it).
      snapshot.runtime.nodes.set(item.task.path, { ...rt, tryNo });
      const variables = allVariables(item.task, snapshot.runtime, at, snapshot.defs);
      snapshot.runtime.nodes.set(item.task.path, rt);
      variables["ECF_PASS"] = password;
      variables["ECF_TRYNO"] = String(tryNo);
      const queue = variables["CB_QUEUE"]?.trim() || "compute";
      if (!isQueueName(queue)) {
        invalid.push({ item, reason: `CB_QUEUE is "${queue}": it must be control or compute` });
        continue;
      }
      const action = variables["CB_ACTION"] ? parseActionSpec(variables["CB_ACTION"]) : null;
      const heartbeatSeconds = Math.max(10, Number(variables["CB_HEARTBEAT"]) || DEFAULT_HEARTBEAT_SECONDS);
      const expireSeconds = Math.max(
        heartbeatSeconds,
        Number(variables["CB_TIMEOUT"]) || DEFAULT_TIMEOUT_SECONDS,
      );
      // Of the jobs waiting in one queue, those of a higher CB_PRIORITY are taken first, then the older.
      const priority = Math.trunc(Number(variables["CB_PRIORITY"])) || 0;
      const submission = (extra?.submissions ?? 0) + 1;
      const data: TaskJobData = {
        suiteId: snapshot.id,
        path: item.task.path,
        tryNo,
        password,
        queue,
        variables,
        events: eventKeys(item.task),
        meters: item.task.meters.map((m) => ({ name: m.name, min: m.min, max: m.max })),
        labels: item.task.labels.map((l) => l.name),
        heartbeatSeconds,
        expireSeconds,
        ...(action ? { action } : {}),
      };
      jobs.push({
        item,
        data,
        jobId: taskJobId(snapshot.id, snapshot.generation, item.task.path, submission),
        submission,
        expectedTry: rt.tryNo ?? 0,
        priority,
      });
    }
    const submitted = await inTransaction(pool, async (client) => {
      const result = await client.query<{ path: string }>(
        `update flow_node f set state = 'submitted', try_no = u.new_try, submissions = u.submission,
           job_id = u.job_id::uuid, queue = u.queue, password = u.password, worker = null, aborted_reason = null,
           data_ready_at = case when u.data_ready then coalesce(f.data_ready_at, now()) else f.data_ready_at end,
           extra = f.extra - 'runNow' - 'flags', state_since = now()
         from unnest($2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::text[], $8::text[], $9::text[], $10::bool[])
           as u(path, expected_state, expected_try, new_try, submission, job_id, queue, password, data_ready)
         where f.suite_id = $1 and f.path = u.path and f.state = u.expected_state and f.try_no = u.expected_try
         returning f.path`,
        [
          snapshot.id,
          jobs.map((j) => j.item.task.path),
          jobs.map((j) => j.item.expectedState),
          jobs.map((j) => j.expectedTry),
          jobs.map((j) => j.data.tryNo),
          jobs.map((j) => j.submission),
          jobs.map((j) => j.jobId),
          jobs.map((j) => j.data.queue),
          jobs.map((j) => j.data.password),
          jobs.map((j) => j.item.dataReady),
        ],
      );
      const updated = new Set(result.rows.map((r) => r.path));
      const accepted = jobs.filter((j) => updated.has(j.item.task.path));
      for (const queue of ["control", "compute"] as QueueName[]) {
        const batch = accepted.filter((j) => j.data.queue === queue);
        if (batch.length === 0) continue;
        await boss.insert(
          queue,
          batch.map((j) => ({
            id: j.jobId,
            data: j.data,
            priority: j.priority,
            retryLimit: 0,
            heartbeatSeconds: j.data.heartbeatSeconds,
            expireInSeconds: j.data.expireSeconds,
          })),
          { db: transactionDb(client) },
        );
        await client.query("select pg_notify($1, $2)", [FLOW_JOBS_CHANNEL, queue]);
      }
      for (const { item, reason } of invalid) {
        await client.query(
          `update flow_node set state = 'aborted', aborted_reason = $3, extra = extra || '{"flags": ["forced"]}',
             state_since = now() where suite_id = $1 and path = $2`,
          [snapshot.id, item.task.path, reason],
        );
      }
      await insertHistory(client, [
        ...accepted.map((j) => ({
          suiteId: snapshot.id,
          path: j.item.task.path,
          kind: "state",
          fromState: j.item.expectedState,
          toState: "submitted",
          tryNo: j.data.tryNo,
          detail: `${j.item.detail}; job ${j.jobId} on queue ${j.data.queue}`,
          actor: "engine",
        })),
        ...invalid.map(({ item, reason }) => ({
          suiteId: snapshot.id,
          path: item.task.path,
          kind: "state",
          fromState: item.expectedState,
          toState: "aborted",
          detail: reason,
          actor: "engine",
        })),
      ]);
      return updated;
    });
    const stamp = now().toISOString();
    for (const j of jobs) {
      const path = j.item.task.path;
      if (!submitted.has(path)) continue;
      const rt = snapshot.runtime.nodes.get(path)!;
      const { runNow: _r, ...rest } = rt as NodeRuntime & { runNow?: boolean };
      snapshot.runtime.nodes.set(path, {
        ...rest,
        state: "submitted",
        tryNo: j.data.tryNo,
        flags: [],
        stateSince: stamp,
      });
      const extra = snapshot.tasks.get(path);
      if (extra) {
        extra.submissions = j.submission;
        extra.jobId = j.jobId;
        extra.queue = j.data.queue;
        extra.password = j.data.password;
        extra.worker = null;
        if (j.item.dataReady) extra.dataReadyAt ??= new Date();
      }
    }
    for (const { item, reason } of invalid) {
      const rt = snapshot.runtime.nodes.get(item.task.path)!;
      snapshot.runtime.nodes.set(item.task.path, {
        ...rt,
        state: "aborted",
        abortedReason: reason,
        flags: ["forced"],
      });
    }
    if (submitted.size < jobs.length) dirty.set(snapshot.id, "all");
    if (submitted.size) logger.info({ suite: snapshot.name, submitted: submitted.size }, "tasks submitted");
  };

  // ---- dead jobs: a job pg-boss failed (lost heartbeat, expiry) or that ended without a report.
  const reconcileJobs = async () => {
    const running: Array<{ snapshot: SuiteSnapshot; path: string; jobId: string; worker: string | null }> =
      [];
    for (const snapshot of snapshots.values()) {
      for (const [path, extra] of snapshot.tasks) {
        const state = snapshot.runtime.nodes.get(path)?.state;
        if ((state === "submitted" || state === "active") && extra.jobId) {
          running.push({ snapshot, path, jobId: extra.jobId, worker: extra.worker });
        }
      }
    }
    if (running.length === 0) return;
    const jobs = await pool.query<{
      id: string;
      state: string;
      output: { value?: { message?: string }; message?: string; outcome?: string } | null;
      heartbeat_seconds: number | null;
    }>("select id::text, state::text, output, heartbeat_seconds from pgboss.job where id = any($1::uuid[])", [
      running.map((r) => r.jobId),
    ]);
    const byId = new Map(jobs.rows.map((j) => [j.id, j]));
    for (const task of running) {
      const job = byId.get(task.jobId);
      let reason: string | null = null;
      if (!job) reason = `its job ${task.jobId} is no longer in the queue`;
      else if (job.state === "failed") {
        const message = job.output?.value?.message ?? job.output?.message ?? "failed";
        reason = /heartbeat/i.test(message)
          ? `no heartbeat for ${job.heartbeat_seconds ?? DEFAULT_HEARTBEAT_SECONDS} s from ${task.worker ?? "the worker that took it"}: the worker is presumed dead (job ${task.jobId})`
          : /timed out/i.test(message)
            ? `it ran longer than its timeout (CB_TIMEOUT); job ${task.jobId} expired`
            : `its job ${task.jobId} failed: ${message}`;
      } else if (job.state === "cancelled") reason = `its job ${task.jobId} was cancelled`;
      else if (job.state === "completed") {
        reason = `the worker ended job ${task.jobId} without reporting the task's end (${job.output?.outcome ?? "no outcome"})`;
      }
      if (!reason) continue;
      const result = await pool.query(
        `with changed as (
           update flow_node set state = 'aborted', aborted_reason = $4, password = $5, state_since = now()
            where suite_id = $1 and path = $2 and job_id = $3::uuid and state in ('submitted', 'active')
            returning try_no, state
         )
         insert into flow_history (suite_id, path, kind, from_state, to_state, try_no, detail, actor)
         select $1, $2, 'state', $6, 'aborted', try_no, $4, 'engine' from changed`,
        [
          task.snapshot.id,
          task.path,
          task.jobId,
          reason,
          randomBytes(12).toString("base64url"),
          task.snapshot.runtime.nodes.get(task.path)?.state ?? null,
        ],
      );
      if (result.rowCount) {
        logger.warn({ suite: task.snapshot.name, path: task.path }, reason);
        const rt = task.snapshot.runtime.nodes.get(task.path)!;
        task.snapshot.runtime.nodes.set(task.path, { ...rt, state: "aborted", abortedReason: reason });
      } else dirty.set(task.snapshot.id, "all");
    }
  };

  /** Nodes with a `late` (their own or a parent's `late -s`) or `autocancel`, per snapshot. */
  const watched = new WeakMap<SuiteSnapshot, { late: Node[]; autocancel: boolean }>();
  const watchedOf = (snapshot: SuiteSnapshot) => {
    let entry = watched.get(snapshot);
    if (!entry) {
      const late: Node[] = [];
      for (const node of snapshot.index.values()) {
        let inherited = false;
        for (let n: Node | undefined = node.parent; n && !inherited; n = n.parent)
          inherited = !!n.late?.submitted;
        if (node.late || (inherited && node.kind === "task")) late.push(node);
      }
      entry = { late, autocancel: !!snapshot.suite.autocancel };
      watched.set(snapshot, entry);
    }
    return entry;
  };

  /** Flags late nodes once (history and log), and deletes a suite whose autocancel is due. */
  const checkLateAndAutocancel = async (snapshot: SuiteSnapshot) => {
    const at = now();
    const { late, autocancel } = watchedOf(snapshot);
    for (const node of late) {
      const rt = snapshot.runtime.nodes.get(node.path);
      if (!rt || (rt.flags ?? []).includes("late")) continue;
      const reason = lateReason(node, snapshot.runtime, at);
      if (!reason) continue;
      await pool.query(
        `with flagged as (
           update flow_node set extra = jsonb_set(extra, '{flags}', coalesce(extra->'flags', '[]') || '["late"]')
            where suite_id = $1 and path = $2 and not coalesce(extra->'flags', '[]') ? 'late' returning try_no)
         insert into flow_history (suite_id, path, kind, try_no, detail, actor)
         select $1, $2, 'late', try_no, $3, 'engine' from flagged`,
        [snapshot.id, node.path, `late: ${reason}`],
      );
      snapshot.runtime.nodes.set(node.path, { ...rt, flags: [...(rt.flags ?? []), "late"] });
      logger.warn({ suite: snapshot.name, path: node.path, reason }, "task is late");
    }
    if (autocancel && autocancelDue(snapshot.suite, snapshot.runtime, at)) {
      await pool.query("delete from flow_suite where id = $1", [snapshot.id]);
      await pool.query(
        "insert into audit_log (actor, action, subject, details) values ('engine', 'suite.autocancel', $1, $2)",
        [snapshot.name, JSON.stringify({ loadedFrom: snapshot.defs.file ?? null })],
      );
      snapshots.delete(snapshot.id);
      logger.info({ suite: snapshot.name }, "suite deleted by its autocancel");
    }
  };

  await listen();
  const control: RunningWorker | null =
    options.controlConcurrency === 0
      ? null
      : await startWorker({
          url,
          pool,
          queues: ["control"],
          concurrency: options.controlConcurrency ?? 4,
          name: `control-server:${process.pid}`,
        });
  let lastDataPoll = Date.now();
  const ticker = setInterval(() => {
    tickDue = true;
    // Data conditions are pushed (fields_registered); re-asking every 30 s covers a missed notification.
    if (Date.now() - lastDataPoll > 30_000) {
      lastDataPoll = Date.now();
      dataEpoch++;
    }
    kick();
  }, options.tickMs ?? 5000);
  kick();

  return {
    async settled() {
      for (let i = 0; i < 1000; i++) {
        if (!cycling && dirty.size === 0 && !fullScan) return;
        if (cycling) await cycling;
        else kick();
      }
    },
    async stop() {
      stopping = true;
      clearInterval(ticker);
      await cycling;
      await control?.stop();
      await listener?.end().catch(() => undefined);
      await boss.stop({ graceful: false, close: true }).catch(() => undefined);
    },
  };
}
