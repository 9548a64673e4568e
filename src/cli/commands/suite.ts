// `cloudburst suite ...`: ecFlow-style suite commands. `check` is the flow model's; the others operate
// loaded suites. They talk to the database directly (like `token`), not to the control server's API:
// PostgreSQL is the one source of truth, the commands work whether or not the server runs (load and
// begin before starting it, `why` and `show` while it is down), and the running server's scheduler
// learns of every change at once through LISTEN/NOTIFY. The HTTP API calls the same functions.
import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import type { Command } from "commander";
import type { Database } from "../../db/database.ts";
import { FlowDefinitionError } from "../../flow/logic/diagnostics.ts";
import { UsageError, UserError } from "../errors.ts";
import { printJson, printTable } from "../output.ts";
import { registerSuiteCheckCommand } from "./suite-check.ts";

function actor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return "cli";
  }
}

/** The flow engine's operations on loaded suites. */
type Flow = typeof import("../../flow/engine/commands.ts") & typeof import("../../flow/engine/queries.ts");

/** Runs `work` on the database, turning flow errors into operator messages. */
async function run<T>(command: Command, work: (db: Database, flow: Flow) => Promise<T>): Promise<T> {
  // Imported here, not above: the configuration's, the database's and the engine's modules (zod,
  // yaml, pg) cost more than `suite check` of a 10,000-task definition, which needs none of them.
  const [{ commandConfig, withDatabase }, commands, queries] = await Promise.all([
    import("../context.ts"),
    import("../../flow/engine/commands.ts"),
    import("../../flow/engine/queries.ts"),
  ]);
  const flow: Flow = { ...commands, ...queries };
  try {
    return await withDatabase(commandConfig(command), (db) => work(db, flow));
  } catch (error) {
    if (error instanceof commands.FlowCommandError) throw new UserError(error.message, error.hint);
    throw error;
  }
}

export function registerSuiteCommands(program: Command): void {
  const suite = program
    .command("suite")
    .description("ecFlow-style suites: check, load and operate definitions");
  registerSuiteCheckCommand(suite);

  suite
    .command("load")
    .description("load the suites of an ecFlow .def file (their nodes stay unknown until `suite begin`)")
    .argument("<file>", "the definition file (.def)")
    .option("--replace", "replace a suite of the same name (its state is reset)")
    .option("--json", "print JSON")
    .action(async (file: string, options: { replace?: boolean; json?: boolean }, command: Command) => {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (error) {
        throw new UserError(
          `cannot read ${file}: ${(error as Error).message}`,
          "give the path of an ecFlow .def file",
        );
      }
      try {
        const result = await run(command, (db, flow) =>
          flow.loadSuites(db.pool, text, file, { replace: options.replace === true, actor: actor() }),
        );
        if (options.json) printJson(result);
        else
          for (const s of result.suites)
            process.stdout.write(
              `${s.replaced ? "replaced" : "loaded"} suite ${s.name} (${s.nodes} nodes)\n`,
            );
      } catch (error) {
        if (!(error instanceof FlowDefinitionError)) throw error;
        process.stderr.write(`${error.message}\n`);
        process.exitCode = 1;
      }
    });

  registerShowCommand(suite);
  registerStateCommands(suite);
  registerNodeCommands(suite);
}

/** `suite show`: the suites, a node's tree, its history or a task's output. */
function registerShowCommand(suite: Command): void {
  suite
    .command("show")
    .description("list the loaded suites, or show a node's tree with states (--history, --output for tasks)")
    .argument("[path]", "a suite or node path, e.g. /cycle_00/start")
    .option("--history", "what happened at and under the node (state changes with reasons, child events)")
    .option("--output", "a task's output log")
    .option("--try <n>", "with --output: which try (default: the latest)", (v) => Number(v))
    .option("--limit <n>", "with --history: how many entries", (v) => Number(v), 200)
    .option("--json", "print JSON")
    .action(
      async (
        path: string | undefined,
        options: { history?: boolean; output?: boolean; try?: number; limit: number; json?: boolean },
        command: Command,
      ) => {
        if ((options.history || options.output) && !path)
          throw new UsageError("--history and --output need a node path");
        await run(command, async (db, flow) => {
          if (!path) {
            const suites = await flow.listSuites(db.pool);
            if (options.json) printJson(suites);
            else
              printTable(
                ["SUITE", "STATE", "TASKS", "LOADED", "BEGUN"],
                suites.map((s) => [s.name, s.state, s.tasks, s.loadedAt, s.begunAt]),
              );
            return;
          }
          if (options.history) {
            const entries = await flow.nodeHistory(db.pool, path, options.limit);
            if (options.json) printJson(entries);
            else
              printTable(
                ["AT", "PATH", "TRY", "CHANGE", "DETAIL", "BY"],
                entries.map((e) => [
                  e.at,
                  e.path,
                  e.tryNo,
                  e.toState ? `${e.fromState ?? "?"} -> ${e.toState}` : e.kind,
                  e.detail,
                  e.actor,
                ]),
              );
            return;
          }
          if (options.output) {
            const output = await flow.taskOutput(db.pool, path, options.try);
            if (options.json) printJson(output);
            else
              for (const l of output.lines)
                process.stdout.write(`${l.stream === "stdout" ? "" : `[${l.stream}] `}${l.line}\n`);
            return;
          }
          const views = await flow.showTree(db.pool, path);
          if (options.json) printJson(views);
          else
            printTable(
              ["NODE", "STATE", "TRY", "DETAIL"],
              views.map((v) => [
                `${"  ".repeat(v.depth)}${v.path.split("/").pop()}`,
                `${v.state}${v.suspended ? " (suspended)" : ""}`,
                v.tryNo ?? "",
                [
                  v.repeat,
                  ...Object.entries(v.events)
                    .filter(([, set]) => set)
                    .map(([n]) => `event ${n}`),
                  ...Object.entries(v.meters).map(([n, value]) => `meter ${n}=${value}`),
                  ...Object.entries(v.labels)
                    .filter(([, value]) => value)
                    .map(([n, value]) => `label ${n}=${JSON.stringify(value)}`),
                  v.worker && (v.state === "active" || v.state === "submitted") ? `on ${v.worker}` : null,
                  v.abortedReason && v.state === "aborted" ? v.abortedReason : null,
                ]
                  .filter(Boolean)
                  .join("; "),
              ]),
            );
        });
      },
    );
}

/** `suite begin|requeue|rerun|suspend|resume|force`: the states an operator sets. */
function registerStateCommands(suite: Command): void {
  suite
    .command("begin")
    .description(
      "begin a loaded suite: its nodes become queued (or their defstatus) and the scheduler runs them",
    )
    .argument("<suite>", "suite name")
    .option("--force", "begin again even if tasks are running")
    .action(async (name: string, options: { force?: boolean }, command: Command) => {
      await run(command, (db, flow) =>
        flow.beginSuite(db.pool, name.replace(/^\//, ""), actor(), options.force === true),
      );
      process.stdout.write(`begun ${name}\n`);
    });

  suite
    .command("requeue")
    .description("set a node and all below it back to queued (tries, events, meters and repeats reset)")
    .argument("<path>", "node path")
    .option("--force", "requeue even if tasks below are running")
    .action(async (path: string, options: { force?: boolean }, command: Command) => {
      await run(command, (db, flow) => flow.requeueNode(db.pool, path, actor(), options.force === true));
      process.stdout.write(`requeued ${path}\n`);
    });

  suite
    .command("rerun")
    .description("run a task again now, ignoring its triggers, times and limits (ecflow_client --run)")
    .argument("<path>", "task path")
    .action(async (path: string, _options, command: Command) => {
      await run(command, (db, flow) => flow.rerunTask(db.pool, path, actor()));
      process.stdout.write(`rerun of ${path} requested\n`);
    });

  suite
    .command("suspend")
    .description("hold a node: nothing at or below it is submitted until it is resumed")
    .argument("<path>", "node path")
    .action(async (path: string, _options, command: Command) => {
      await run(command, (db, flow) => flow.setSuspended(db.pool, path, true, actor()));
      process.stdout.write(`suspended ${path}\n`);
    });

  suite
    .command("resume")
    .description("release a suspended node")
    .argument("<path>", "node path")
    .action(async (path: string, _options, command: Command) => {
      await run(command, (db, flow) => flow.setSuspended(db.pool, path, false, actor()));
      process.stdout.write(`resumed ${path}\n`);
    });

  suite
    .command("force")
    .description(
      "set a task's state (complete, queued, aborted, unknown); on a family or suite, every task below",
    )
    .argument("<state>", "complete | queued | aborted | unknown")
    .argument("<path>", "node path")
    .action(async (state: string, path: string, _options, command: Command) => {
      const { isForceState } = await import("../../flow/engine/commands.ts");
      if (!isForceState(state))
        throw new UsageError(`cannot force "${state}": use complete, queued, aborted or unknown`);
      const changed = await run(command, (db, flow) => flow.forceState(db.pool, path, state, actor()));
      process.stdout.write(`forced ${changed} task(s) to ${state}\n`);
    });
}

/** `suite free|kill|why|set|delete`: operator commands on single nodes and whole suites. */
function registerNodeCommands(suite: Command): void {
  suite
    .command("free")
    .description(
      "let a node ignore its trigger and/or time dependencies until it is requeued (ecflow_client --free-dep)",
    )
    .argument("<path>", "node path")
    .option("--trigger", "free its trigger")
    .option("--time", "free its time, today, date, day and cron dependencies")
    .option("--all", "both")
    .action(
      async (
        path: string,
        options: { trigger?: boolean; time?: boolean; all?: boolean },
        command: Command,
      ) => {
        const which = {
          trigger: options.all === true || options.trigger === true,
          time: options.all === true || options.time === true,
        };
        if (!which.trigger && !which.time)
          throw new UsageError("say what to free: --trigger, --time or --all");
        await run(command, (db, flow) => flow.freeDependencies(db.pool, path, which, actor()));
        process.stdout.write(`freed ${path}\n`);
      },
    );

  suite
    .command("kill")
    .description("stop the running tasks at or below a node; they end aborted and are not retried")
    .argument("<path>", "node path")
    .action(async (path: string, _options, command: Command) => {
      const killed = await run(command, (db, flow) => flow.killNode(db.pool, path, actor()));
      process.stdout.write(
        killed.length ? `killed ${killed.join(", ")}\n` : `nothing was running at or below ${path}\n`,
      );
    });

  suite
    .command("why")
    .description("say why a node is not running: which trigger, limit, time, parent or data holds it")
    .argument("<path>", "node path")
    .option("--json", "print JSON")
    .action(async (path: string, options: { json?: boolean }, command: Command) => {
      const reasons = await run(command, (db, flow) => flow.whyNode(db.pool, path));
      if (options.json) printJson({ path, reasons });
      else for (const r of reasons) process.stdout.write(`${r}\n`);
    });

  suite
    .command("set")
    .description("set a variable on a node at run time (overrides the definition's `edit`)")
    .argument("<path>", "node path")
    .argument("<name>", "variable name")
    .argument("<value>", "value")
    .action(async (path: string, name: string, value: string, _options, command: Command) => {
      await run(command, (db, flow) => flow.setVariable(db.pool, path, name, value, actor()));
      process.stdout.write(`${path}: ${name} = ${value}\n`);
    });

  suite
    .command("delete")
    .description("remove a loaded suite and all its state")
    .argument("<suite>", "suite name")
    .option("--force", "delete even if tasks are running")
    .action(async (name: string, options: { force?: boolean }, command: Command) => {
      await run(command, (db, flow) =>
        flow.deleteSuite(db.pool, name.replace(/^\//, ""), actor(), options.force === true),
      );
      process.stdout.write(`deleted ${name}\n`);
    });
}
