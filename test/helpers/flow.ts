// A flow engine as a control role runs it, for tests: the engine, and a worker of the control queue
// running the built-in actions (and any the test adds) in the same process.
import type pg from "pg";
import { loadSuites } from "../../src/flow/engine/commands.ts";
import type { DataTriggerSource } from "../../src/flow/engine/data-trigger.ts";
import { FlowEngine } from "../../src/flow/engine/engine.ts";
import { type Action, ActionRegistry, builtinActions } from "../../src/worker/actions.ts";
import { type RunningWorker, startWorker } from "../../src/worker/agent.ts";

export interface TestEngine {
  engine: FlowEngine;
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestEngine(
  db: { pool: pg.Pool; url: string },
  options: {
    tickMs?: number;
    superviseIntervalSeconds?: number;
    /** Control-queue jobs run at once in this process (0: none). Default 4. */
    controlConcurrency?: number;
    actions?: Action[];
    dataSources?: DataTriggerSource[];
  } = {},
): Promise<TestEngine> {
  const engine = await FlowEngine.start(db, {
    ...(options.tickMs ? { tickMs: options.tickMs } : {}),
    ...(options.superviseIntervalSeconds
      ? { superviseIntervalSeconds: options.superviseIntervalSeconds }
      : {}),
    dataSources: options.dataSources ?? [],
  });
  const concurrency = options.controlConcurrency ?? 4;
  const control: RunningWorker | null =
    concurrency === 0
      ? null
      : await startWorker({
          url: db.url,
          pool: db.pool,
          queues: ["control", "data"],
          actions: new ActionRegistry([...builtinActions, ...(options.actions ?? [])]),
          concurrency,
          name: `control-server:${process.pid}`,
        });
  return {
    engine,
    settled: () => engine.settled(),
    async stop() {
      await control?.stop();
      await engine.stop();
    },
  };
}

/**
 * Loads a suite of one task that sleeps a minute with a one-minute heartbeat and two tries: the task a
 * lost worker leaves running, which only a prompt abort (not its heartbeat) retries in time.
 */
export async function loadLongTaskSuite(pool: pg.Pool, suite: string): Promise<void> {
  const def = [
    `suite ${suite}`,
    '  edit CB_HEARTBEAT "60"',
    "  edit ECF_TRIES 2",
    "  task long",
    '    edit CB_ACTION "sleep 60"',
    "endsuite",
    "",
  ].join("\n");
  await loadSuites(pool, def, `${suite}.def`, { actor: "test" });
}
