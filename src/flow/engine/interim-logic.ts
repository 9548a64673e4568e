// INTERIM: a compact implementation of the SchedulingLogic port, used until src/flow/logic/ provides
// readiness, propagation and `why` (built in parallel by the flow model's owner). Swap it by passing
// that logic to startFlowEngine; nothing else in the engine depends on this file.
// Covers: triggers and complete expressions (ecFlow grammar, via the model's parsed ASTs), suspend,
// ancestor triggers, time/today/date/day/cron (free once the time of day is reached; no re-queue for
// later slots), repeats (advance and requeue below when complete), limits and inlimits, and ecFlow's
// most-significant-state propagation for families and suites.
import { exprToString } from "../logic/expr-parser.ts";
import { resolveNodePath } from "../logic/paths.ts";
import { findLimitNode } from "../logic/validate.ts";
import { findVariable, repeatLength, repeatNumericValue } from "../logic/variables.ts";
import type {
  Defs,
  Expr,
  Expression,
  Node,
  NodeRuntime,
  NodeState,
  RuntimeState,
  Task,
  TimeSeries,
} from "../model/index.ts";
import { walk, walkNode } from "../model/index.ts";
import type { NodeChange, SchedulingLogic } from "./logic-port.ts";

type Value = number | boolean | string;

function rtOf(runtime: RuntimeState, node: Node): NodeRuntime {
  return runtime.nodes.get(node.path) ?? { state: "unknown" };
}

/** ecFlow's significance order for a container's state (later wins). */
const significance: NodeState[] = [
  "unknown",
  "complete",
  "queued",
  "submitted",
  "active",
  "suspended",
  "aborted",
];

function displayStateOf(runtime: RuntimeState, node: Node): NodeState {
  const own = rtOf(runtime, node);
  if (node.kind === "task" || node.children.length === 0) return own.state;
  let worst: NodeState = "unknown";
  let allComplete = true;
  for (const child of node.children) {
    const s = displayStateOf(runtime, child);
    if (s !== "complete") allComplete = false;
    const effective = rtOf(runtime, child).suspended && s !== "complete" && s !== "aborted" ? "suspended" : s;
    if (significance.indexOf(effective) > significance.indexOf(worst)) worst = effective;
  }
  if (allComplete) return "complete";
  if (worst === "complete") return "queued";
  return worst;
}

function evaluate(defs: Defs, runtime: RuntimeState, from: Node, expr: Expr, now: Date): Value {
  switch (expr.kind) {
    case "and":
      return (
        truthy(evaluate(defs, runtime, from, expr.left, now)) &&
        truthy(evaluate(defs, runtime, from, expr.right, now))
      );
    case "or":
      return (
        truthy(evaluate(defs, runtime, from, expr.left, now)) ||
        truthy(evaluate(defs, runtime, from, expr.right, now))
      );
    case "not":
      return !truthy(evaluate(defs, runtime, from, expr.operand, now));
    case "int":
      return expr.value;
    case "flag":
      return expr.value;
    case "state":
      return expr.state;
    case "node": {
      const target = resolveNodePath(defs, from, expr.path.text);
      // An extern (defined elsewhere) or missing node is never complete.
      return target ? displayStateOf(runtime, target) : "unknown";
    }
    case "attr": {
      const target = resolveNodePath(defs, from, expr.path.text);
      if (!target) return 0;
      const rt = rtOf(runtime, target);
      const event = target.events.find((e) => e.name === expr.name || String(e.number) === expr.name);
      if (event) return rt.events?.[event.name ?? String(event.number)] === true;
      const meter = target.meters.find((m) => m.name === expr.name);
      if (meter) return rt.meters?.[meter.name] ?? meter.min;
      if (target.repeat && "name" in target.repeat && target.repeat.name === expr.name)
        return repeatNumericValue(target.repeat, rt.repeatIndex ?? 0);
      const variable = findVariable(target, expr.name, runtime, now, defs);
      const n = Number(variable);
      return variable !== undefined && variable !== "" && Number.isFinite(n) ? n : 0;
    }
    case "compare": {
      const l = evaluate(defs, runtime, from, expr.left, now);
      const r = evaluate(defs, runtime, from, expr.right, now);
      const [a, b] = typeof l === "boolean" || typeof r === "boolean" ? [truthy(l), truthy(r)] : [l, r];
      switch (expr.op) {
        case "==":
          return a === b;
        case "!=":
          return a !== b;
        case "<":
          return Number(a) < Number(b);
        case ">":
          return Number(a) > Number(b);
        case "<=":
          return Number(a) <= Number(b);
        case ">=":
          return Number(a) >= Number(b);
      }
      return false;
    }
    case "arith": {
      const l = Number(evaluate(defs, runtime, from, expr.left, now));
      const r = Number(evaluate(defs, runtime, from, expr.right, now));
      switch (expr.op) {
        case "+":
          return l + r;
        case "-":
          return l - r;
        case "*":
          return l * r;
        case "/":
          return r === 0 ? 0 : Math.trunc(l / r);
        case "%":
          return r === 0 ? 0 : l % r;
      }
      return 0;
    }
  }
}

function truthy(v: Value): boolean {
  if (typeof v === "string") return v === "complete";
  return typeof v === "number" ? v !== 0 : v;
}

function holds(
  defs: Defs,
  runtime: RuntimeState,
  node: Node,
  expression: Expression | undefined,
  now: Date,
): boolean {
  if (!expression) return true;
  return truthy(evaluate(defs, runtime, node, expression.ast, now));
}

function exprText(expression: Expression): string {
  return expression.parts.map((p) => p.text).join(" ") || exprToString(expression.ast);
}

const minutes = (t: { hour: number; minute: number }) => t.hour * 60 + t.minute;

function suiteNow(runtime: RuntimeState, node: Node, now: Date): Date {
  let suite: Node = node;
  while (suite.parent) suite = suite.parent;
  return new Date(now.getTime() + (runtime.clockOffsetMs?.get(suite.path) ?? 0));
}

function seriesReached(series: TimeSeries, rt: NodeRuntime, clock: Date): boolean {
  if (series.relative) {
    const since = rt.begunAt ? Date.parse(rt.begunAt) : clock.getTime();
    return clock.getTime() - since >= minutes(series.start) * 60_000;
  }
  return clock.getUTCHours() * 60 + clock.getUTCMinutes() >= minutes(series.start);
}

/** Why the node's own time attributes hold it, or null. Attributes of one kind are OR-ed, kinds AND-ed. */
function timeHold(runtime: RuntimeState, node: Node, now: Date): string | null {
  const rt = rtOf(runtime, node);
  if (rt.timeFree) return null;
  const clock = suiteNow(runtime, node, now);
  const hhmm = (t: { hour: number; minute: number }) =>
    `${String(t.hour).padStart(2, "0")}:${String(t.minute).padStart(2, "0")}`;
  const times = [...node.times, ...node.todays];
  if (times.length && !times.some((t) => seriesReached(t.series, rt, clock))) {
    return `time: waiting for ${times.map((t) => `${t.series.relative ? "+" : ""}${hhmm(t.series.start)}`).join(" or ")} (suite clock ${hhmm({ hour: clock.getUTCHours(), minute: clock.getUTCMinutes() })})`;
  }
  const day = clock.getUTCDate();
  const month = clock.getUTCMonth() + 1;
  const year = clock.getUTCFullYear();
  if (
    node.dates.length &&
    !node.dates.some(
      (d) =>
        (d.day === 0 || d.day === day) &&
        (d.month === 0 || d.month === month) &&
        (d.year === 0 || d.year === year),
    )
  ) {
    return `date: today (${day}.${month}.${year}) is not ${node.dates.map((d) => `${d.day || "*"}.${d.month || "*"}.${d.year || "*"}`).join(" or ")}`;
  }
  const weekday = clock.getUTCDay();
  const dayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
  if (node.days.length && !node.days.some((d) => d.day === dayNames[weekday])) {
    return `day: today is ${dayNames[weekday]}, not ${node.days.map((d) => d.day).join(" or ")}`;
  }
  if (node.crons.length) {
    const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
    const ok = node.crons.some(
      (c) =>
        (c.weekDays.length === 0 || c.weekDays.includes(weekday)) &&
        (c.months.length === 0 || c.months.includes(month)) &&
        (c.daysOfMonth.length === 0 && !c.lastDayOfMonth
          ? true
          : c.daysOfMonth.includes(day) || (c.lastDayOfMonth && day === lastDay)) &&
        seriesReached(c.series, rt, clock),
    );
    if (!ok) return `cron: waiting for ${node.crons.map((c) => hhmm(c.series.start)).join(" or ")}`;
  }
  return null;
}

/** Tokens in use per limit (keyed `limitNodePath:name`), and by whom. */
function limitUsage(defs: Defs, runtime: RuntimeState): Map<string, string[]> {
  const usage = new Map<string, string[]>();
  for (const node of walk(defs)) {
    if (node.kind !== "task") continue;
    const state = rtOf(runtime, node).state;
    if (state !== "submitted" && state !== "active") continue;
    for (const holder of [node, ...ancestorsOf(node)]) {
      for (const inlimit of holder.inlimits) {
        if (inlimit.limitSubmission && state !== "submitted") continue;
        const limitNode = findLimitNode(defs, holder, inlimit.path, inlimit.name);
        if (!limitNode) continue;
        const key = `${limitNode.path}:${inlimit.name}`;
        const users = usage.get(key) ?? [];
        const who = inlimit.limitThisNodeOnly ? holder.path : node.path;
        for (let i = 0; i < Math.max(1, inlimit.tokens); i++)
          if (!inlimit.limitThisNodeOnly || !users.includes(who)) users.push(who);
        usage.set(key, users);
      }
    }
  }
  return usage;
}

function ancestorsOf(node: Node): Node[] {
  const out: Node[] = [];
  for (let p = node.parent; p; p = p.parent) out.push(p);
  return out;
}

/** Every reason `task` may not be submitted now (empty: ready). */
function holdsOn(
  defs: Defs,
  runtime: RuntimeState,
  task: Node,
  now: Date,
  usage: Map<string, string[]>,
): string[] {
  const reasons: string[] = [];
  const rt = rtOf(runtime, task);
  if (rt.state !== "queued") reasons.push(`${task.path} is ${rt.state}, not queued`);
  for (const node of [task, ...ancestorsOf(task)]) {
    const nrt = rtOf(runtime, node);
    const who = node === task ? "it" : `its ${node.kind} ${node.path}`;
    if (nrt.suspended) reasons.push(`${who} is suspended (resume it)`);
    if (node !== task && node.kind !== "suite" && nrt.state === "complete")
      reasons.push(`${who} is complete`);
    if (node.trigger && !nrt.triggerFree && !holds(defs, runtime, node, node.trigger, now)) {
      reasons.push(
        `${who === "it" ? "its" : `${who}'s`} trigger is not satisfied: ${exprText(node.trigger)}`,
      );
    }
    const time = timeHold(runtime, node, now);
    if (time) reasons.push(`${who === "it" ? "its" : `${who}'s`} ${time}`);
    for (const inlimit of node.inlimits) {
      const limitNode = findLimitNode(defs, node, inlimit.path, inlimit.name);
      const limit = limitNode?.limits.find((l) => l.name === inlimit.name);
      if (!limitNode || !limit) continue;
      const used = usage.get(`${limitNode.path}:${inlimit.name}`) ?? [];
      if (inlimit.limitThisNodeOnly && used.includes(node.path)) continue;
      if (used.length + Math.max(1, inlimit.tokens) > limit.value) {
        reasons.push(
          `limit ${limitNode.path}:${limit.name} is full (${used.length} of ${limit.value} tokens in use by ${[...new Set(used)].slice(0, 5).join(", ")})`,
        );
      }
    }
  }
  return reasons;
}

function resetBelow(node: Node, runtime: RuntimeState, now: Date, detail: string): NodeChange[] {
  const changes: NodeChange[] = [];
  for (const n of walkNode(node)) {
    if (n === node) continue;
    const old = rtOf(runtime, n);
    const events: Record<string, boolean> = {};
    for (const e of n.events) events[e.name ?? String(e.number)] = e.initiallySet === true;
    const meters: Record<string, number> = {};
    for (const m of n.meters) meters[m.name] = m.min;
    const next: NodeRuntime = {
      state: "queued",
      suspended: old.suspended ?? false,
      events,
      meters,
      labels: old.labels ?? {},
      variables: old.variables ?? {},
      tryNo: 0,
      begunAt: now.toISOString(),
    };
    if (n.repeat) next.repeatIndex = 0;
    changes.push({ path: n.path, runtime: next, detail });
  }
  return changes;
}

export const interimLogic: SchedulingLogic = {
  displayState: (defs, runtime, path) => {
    const node = [...walk(defs)].find((n) => n.path === path);
    return node ? displayStateOf(runtime, node) : "unknown";
  },

  advance(defs, runtime, now) {
    const changes: NodeChange[] = [];
    for (const node of walk(defs)) {
      const rt = rtOf(runtime, node);
      if (rt.state === "unknown") continue;
      const shown = displayStateOf(runtime, node);
      // A complete expression that holds completes the node (and, for a container, what is queued below).
      if (node.complete && shown !== "complete" && shown !== "active" && shown !== "submitted") {
        if (holds(defs, runtime, node, node.complete, now)) {
          for (const n of walkNode(node)) {
            const nrt = rtOf(runtime, n);
            if (n.kind === "task" && (nrt.state === "queued" || nrt.state === "aborted" || n === node)) {
              changes.push({
                path: n.path,
                runtime: { ...nrt, state: "complete" },
                detail: `complete expression holds: ${exprText(node.complete)}`,
              });
            }
          }
          if (node.kind !== "task")
            changes.push({
              path: node.path,
              runtime: { ...rt, state: "complete" },
              detail: `complete expression holds: ${exprText(node.complete)}`,
            });
          if (changes.length) return changes;
        }
      }
      // A repeat moves on when its node completes: the next value, and everything below queued again.
      if (node.repeat && shown === "complete") {
        const index = rt.repeatIndex ?? 0;
        if (index + 1 < repeatLength(node.repeat)) {
          const detail = `repeat ${"name" in node.repeat ? node.repeat.name : "day"} advances to position ${index + 1}`;
          changes.push({
            path: node.path,
            runtime: { ...rt, state: "queued", repeatIndex: index + 1 },
            detail,
          });
          changes.push(...resetBelow(node, runtime, now, detail));
          return changes;
        }
      }
      // A container's own stored state follows its children (what `show` reports).
      if (node.kind !== "task" && rt.state !== shown && !(shown === "suspended")) {
        changes.push({ path: node.path, runtime: { ...rt, state: shown }, detail: "follows its children" });
      }
    }
    return changes;
  },

  readyTasks(defs, runtime, now) {
    const usage = limitUsage(defs, runtime);
    const ready: Task[] = [];
    for (const node of walk(defs)) {
      if (node.kind !== "task" || rtOf(runtime, node).state !== "queued") continue;
      if (holdsOn(defs, runtime, node, now, usage).length === 0) {
        ready.push(node);
        // Count the tokens it will take, so that one pass does not overfill a limit.
        for (const holder of [node, ...ancestorsOf(node)]) {
          for (const inlimit of holder.inlimits) {
            const limitNode = findLimitNode(defs, holder, inlimit.path, inlimit.name);
            if (!limitNode) continue;
            const key = `${limitNode.path}:${inlimit.name}`;
            const users = usage.get(key) ?? [];
            if (!inlimit.limitThisNodeOnly || !users.includes(holder.path))
              users.push(inlimit.limitThisNodeOnly ? holder.path : node.path);
            usage.set(key, users);
          }
        }
      }
    }
    return ready;
  },

  why(defs, runtime, path, now) {
    const node = [...walk(defs)].find((n) => n.path === path);
    if (!node) return [`there is no node ${path}`];
    const state = displayStateOf(runtime, node);
    if (state === "unknown") return [`${path} is unknown: the suite has not begun (cloudburst suite begin)`];
    if (state === "complete") return [`${path} is complete`];
    if (state === "active" || state === "submitted") return [`${path} is ${state}: it is running`];
    if (state === "aborted" && node.kind === "task") {
      const rt = rtOf(runtime, node);
      return [
        `${path} aborted${rt.abortedReason ? `: ${rt.abortedReason}` : ""} (try ${rt.tryNo ?? 0}); requeue or rerun it`,
      ];
    }
    const usage = limitUsage(defs, runtime);
    if (node.kind === "task") return holdsOn(defs, runtime, node, now, usage);
    const reasons: string[] = [];
    for (const n of walkNode(node)) {
      if (n.kind !== "task" || rtOf(runtime, n).state !== "queued") continue;
      for (const r of holdsOn(defs, runtime, n, now, usage)) reasons.push(`${n.path}: ${r}`);
      if (reasons.length > 20) break;
    }
    return reasons;
  },
};
