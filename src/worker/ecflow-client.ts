// `ecflow_client` for jobs run by cloudburst: the worker puts this first on a job's PATH, so that
// ecFlow task scripts (head.h/tail.h included) run unchanged. Task commands (--init, --event, --meter,
// --label, --complete, --abort, --wait, --queue) report to the worker running the job, as
// `cloudburst child` does; operator commands run the cloudburst command that does the same
// (--requeue -> `cloudburst suite requeue`, ...); the rest exit 1 saying so. ECF_HOST and ECF_PORT
// are not needed (the worker's socket is in the environment), NO_ECF makes task commands do nothing,
// as with ecFlow's client. Node built-ins only: a job may call it hundreds of times.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import type { ChildEvent, QueueAction } from "../flow/engine/job.ts";
import { reportToWorker, waitUntilHolds } from "./child-client.ts";

export interface EcflowCommand {
  /** The command without its dashes, e.g. `meter`. */
  name: string;
  /** Its value (after `=`) and the arguments that follow it. */
  args: string[];
}

/** Options that say how to reach ecflow_server: meaningless here, accepted and ignored. */
const CONNECTION = new Set(["host", "port", "rid", "user", "password", "ssl"]);

/** ecflow_client's command line: `--cmd=value arg...` or `--cmd value arg...`, connection options aside. */
export function parseCommandLine(argv: string[]): EcflowCommand | undefined {
  const commands: EcflowCommand[] = [];
  for (const word of argv) {
    const m = /^--?([A-Za-z_-]+)(?:=(.*))?$/s.exec(word);
    if (m) commands.push({ name: m[1] as string, args: m[2] !== undefined ? [m[2]] : [] });
    else commands[commands.length - 1]?.args.push(word);
  }
  return commands.find((c) => !CONNECTION.has(c.name));
}

const QUEUE_ACTIONS = ["active", "complete", "aborted", "no_of_aborted", "reset"];

/** The child event of a task command, an error message, or undefined if it is no task command. */
export function taskEvent(c: EcflowCommand): ChildEvent | string | undefined {
  const [first, second, ...rest] = c.args;
  switch (c.name) {
    case "init":
      return { type: "init", worker: `pid ${first ?? "?"}` };
    case "complete":
      return { type: "complete" };
    case "abort":
      return { type: "abort", reason: c.args.join(" ") || "aborted by the job (ecflow_client --abort)" };
    case "event":
      if (!first) return "--event needs the event's name or number";
      if (second !== undefined && second !== "set" && second !== "clear") return "--event takes set or clear";
      return { type: "event", name: first, value: second !== "clear" };
    case "meter": {
      const value = Number(second);
      if (!first || second === undefined || !Number.isInteger(value))
        return "--meter needs a name and an integer";
      return { type: "meter", name: first, value };
    }
    case "label":
      if (!first) return "--label needs a name";
      return { type: "label", name: first, value: [second ?? "", ...rest].join(" ").trim() };
    case "wait":
      if (!c.args.length) return '--wait needs an expression, e.g. --wait="/suite/task == complete"';
      return { type: "wait", expression: c.args.join(" ") };
    case "queue": {
      if (!first || !second || !QUEUE_ACTIONS.includes(second))
        return `--queue needs a queue name and an action (${QUEUE_ACTIONS.join(", ")})`;
      const needsStep = second === "complete" || second === "aborted";
      const [step, path] = needsStep ? rest : [undefined, rest[0]];
      if (needsStep && !step) return `--queue=${first} ${second} needs the step`;
      return {
        type: "queue",
        name: first,
        action: second as QueueAction,
        ...(step ? { step } : {}),
        ...(path ? { path } : {}),
      };
    }
    default:
      return undefined;
  }
}

const FORCE_STATES = ["complete", "queued", "aborted", "unknown"];

/** The `cloudburst` command line an operator command maps to, or why there is none. */
export function operatorCommand(c: EcflowCommand): string[] | string {
  const [first, ...rest] = c.args;
  const paths = (xs: string[]): string[] => xs.filter((x) => x.startsWith("/"));
  switch (c.name) {
    case "load":
      if (!first) return "--load needs a definition file";
      if (rest.includes("check_only")) return ["suite", "check", first];
      if (rest.includes("print")) return ["suite", "check", "--print", first];
      return ["suite", "load", first, ...(rest.includes("force") ? ["--replace"] : [])];
    case "replace": {
      const [path, file] = [first, rest.find((x) => !x.startsWith("/") && x !== "parent" && x !== "force")];
      if (!path || !file || path.split("/").filter(Boolean).length !== 1)
        return "--replace is supported for whole suites only: --replace=/suite file.def";
      return ["suite", "load", file, "--replace"];
    }
    case "begin":
      return ["suite", "begin", ...(first ? [first.replace(/^\//, "")] : [])];
    case "requeue": {
      if (first === "abort")
        return "--requeue=abort (only the aborted tasks) is not supported: requeue the nodes";
      const targets = paths(c.args);
      if (targets.length !== 1) return "--requeue needs one node path";
      return ["suite", "requeue", targets[0] as string, ...(first === "force" ? ["--force"] : [])];
    }
    case "suspend":
    case "resume":
    case "kill":
    case "why": {
      const targets = paths(c.args);
      if (targets.length !== 1) return `--${c.name} needs one node path`;
      return ["suite", c.name, targets[0] as string];
    }
    case "run": {
      const targets = paths(c.args);
      if (targets.length !== 1) return "--run needs one task path";
      return ["suite", "rerun", targets[0] as string];
    }
    case "force": {
      const targets = paths(rest);
      if (!first || !FORCE_STATES.includes(first) || targets.length !== 1)
        return `--force is supported for ${FORCE_STATES.join(", ")} on one path (e.g. --force=complete /s/f/t)`;
      return ["suite", "force", first, targets[0] as string];
    }
    case "free-dep": {
      // ecFlow: --free-dep[=trigger|all|date|time] PATH, triggers by default.
      const targets = paths(c.args);
      const which = first === "all" ? "--all" : first === "date" || first === "time" ? "--time" : "--trigger";
      if (targets.length !== 1) return "--free-dep needs one node path";
      return ["suite", "free", targets[0] as string, which];
    }
    case "delete": {
      const targets = paths(c.args);
      if (targets.length !== 1 || targets[0]?.split("/").filter(Boolean).length !== 1)
        return "--delete is supported for whole suites only: --delete=force yes /suite";
      return ["suite", "delete", (targets[0] as string).slice(1), ...(first === "force" ? ["--force"] : [])];
    }
    case "alter": {
      const [what, kind, name, value, path] = c.args;
      if ((what === "change" || what === "add") && kind === "variable" && name && value !== undefined && path)
        return ["suite", "set", path, name, value];
      return "--alter is supported for variables only: --alter change variable NAME VALUE /path";
    }
    case "get":
    case "get_state":
      return ["suite", "show", ...(first ? [first] : [])];
    default:
      return `ecflow_client --${c.name} is not supported by cloudburst (task commands: --init --event --meter --label --complete --abort --wait --queue; operator commands: --load --replace --begin --requeue --suspend --resume --force --run --kill --free-dep --delete --alter --why --get)`;
  }
}

const cliPath = resolve(import.meta.dirname, "../../bin/cloudburst.js");

async function runTaskCommand(event: ChildEvent, env: NodeJS.ProcessEnv): Promise<number> {
  const ask = (e: ChildEvent) => reportToWorker(e, env);
  if (event.type === "wait") await waitUntilHolds(event.expression, ask);
  else {
    const result = await ask(event);
    if (event.type === "queue" && result.value !== undefined) process.stdout.write(`${result.value}\n`);
  }
  return 0;
}

/** Runs one ecflow_client command line; returns its exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const command = parseCommandLine(argv);
  if (!command || command.name === "help" || command.name === "h") {
    process.stdout.write(
      "usage: ecflow_client --init=PID | --event=NAME [set|clear] | --meter=NAME VALUE | ...\n",
    );
    return command ? 0 : 1;
  }
  if (command.name === "version") {
    process.stdout.write("ecflow_client for cloudburst (ecFlow 5 task and operator commands)\n");
    return 0;
  }
  const event = taskEvent(command);
  try {
    if (typeof event === "string") throw new Error(event);
    if (event) return env["NO_ECF"] ? 0 : await runTaskCommand(event, env);
    const mapped = operatorCommand(command);
    if (typeof mapped === "string") throw new Error(mapped);
    return spawnSync(process.execPath, [cliPath, ...mapped], { stdio: "inherit", env }).status ?? 1;
  } catch (error) {
    process.stderr.write(`ecflow_client: ${(error as Error).message}\n`);
    return 1;
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
