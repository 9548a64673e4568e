// Evaluating trigger and complete expressions against the runtime, as ecflow_server does: a node is
// its state's number (unknown 0, complete 1, queued 2, aborted 3, submitted 4, active 5,
// suspended 6) and `node == state` compares them; `node:name` reads an event (1/0), meter, user
// variable (a number, else 0), repeat, generated variable, limit (tokens in use) or queue; `:NAME`
// reads the same on the node or its nearest ancestor that has it; `x + n` and `x - n` on a date
// repeat move by days; and/or/not on non-zero values. Unknown or extern nodes count as unknown.
import type { Defs, Expr, Node, NodeState, Repeat, RuntimeState } from "../model/types.ts";
import { limitInUse } from "./limits.ts";
import { resolveNodePath } from "./paths.ts";
import { nodeState } from "./state.ts";
import { addDays, generatedVariables, julianDay, julianToDate, repeatNumericValue } from "./variables.ts";

export interface EvalContext {
  defs: Defs;
  runtime: RuntimeState;
  now: Date;
  /** Cache of resolved references, keyed by `from-path|written-path`. */
  resolved?: Map<string, Node | null>;
}

/** ecFlow's DState numbers, which comparisons of node states use. */
export const STATE_NUMBER: Record<NodeState, number> = {
  unknown: 0,
  complete: 1,
  queued: 2,
  aborted: 3,
  submitted: 4,
  active: 5,
  suspended: 6,
};

export function resolveCached(ctx: EvalContext, from: Node, path: string): Node | undefined {
  if (!ctx.resolved) ctx.resolved = new Map();
  const key = `${from.path}|${path}`;
  let hit = ctx.resolved.get(key);
  if (hit === undefined) {
    hit = resolveNodePath(ctx.defs, from, path) ?? null;
    ctx.resolved.set(key, hit);
  }
  return hit ?? undefined;
}

/** A variable's value as ecFlow reads it in expressions: the whole text as an integer, else 0. */
function toInt(text: string | undefined): number {
  return text !== undefined && /^[+-]?[0-9]+$/.test(text) ? Number(text) : 0;
}

function eventOf(node: Node, name: string) {
  return (
    node.events.find((e) => e.name === name) ??
    node.events.find((e) => e.number !== undefined && String(e.number) === name)
  );
}

/** The state a node shows: suspended when it is, else its own or computed state (ecFlow's dstate). */
function dstate(node: Node, runtime: RuntimeState): NodeState {
  const rt = runtime.nodes.get(node.path);
  if (rt?.suspended || rt?.state === "suspended") return "suspended";
  return nodeState(node, runtime);
}

function namedRepeat(node: Node, name: string): Repeat | undefined {
  return node.repeat && node.repeat.kind !== "day" && node.repeat.name === name ? node.repeat : undefined;
}

/** Whether `node:name` names something an expression can read (ecFlow's findExprVariable). */
export function hasExprVariable(node: Node, name: string, defs: Defs, now = new Date(0)): boolean {
  return (
    eventOf(node, name) !== undefined ||
    node.meters.some((m) => m.name === name) ||
    node.variables.some((v) => v.name === name) ||
    namedRepeat(node, name) !== undefined ||
    name in generatedVariables(node, undefined, now, defs) ||
    node.limits.some((l) => l.name === name) ||
    node.queues.some((q) => q.name === name)
  );
}

/** The integer value of `node:name` (ecFlow's findExprVariableValue), `delta` days on for a date repeat. */
export function attributeValue(node: Node, name: string, ctx: EvalContext, delta = 0): number {
  const rt = ctx.runtime.nodes.get(node.path);
  const event = eventOf(node, name);
  if (event) {
    const key = event.name ?? String(event.number);
    const v =
      rt?.events?.[key] ?? (event.number !== undefined ? rt?.events?.[String(event.number)] : undefined);
    return ((v ?? event.initiallySet === true) ? 1 : 0) + delta;
  }
  const meter = node.meters.find((m) => m.name === name);
  if (meter) return (rt?.meters?.[name] ?? meter.min) + delta;
  const variable = node.variables.find((v) => v.name === name);
  if (variable) return toInt(rt?.variables?.[name] ?? variable.value) + delta;
  const repeat = namedRepeat(node, name);
  if (repeat) {
    const value = repeatNumericValue(repeat, rt?.repeatIndex ?? 0);
    return (repeat.kind === "date" || repeat.kind === "datelist") && delta !== 0
      ? addDays(value, delta)
      : value + delta;
  }
  const gen = generatedVariables(node, rt, ctx.now, ctx.defs)[name];
  if (gen !== undefined) return toInt(gen) + delta;
  if (node.limits.some((l) => l.name === name)) return limitInUse(ctx.defs, ctx.runtime, node, name) + delta;
  const queue = node.queues.find((q) => q.name === name);
  if (queue) return queueValue(queue.steps, rt?.queues?.[name]?.index ?? 0) + delta;
  return delta;
}

/** A queue's value: its current step if that is a number, else the step's index. */
function queueValue(steps: string[], index: number): number {
  const step = steps[Math.min(index, steps.length - 1)];
  return step !== undefined && /^[+-]?[0-9]+$/.test(step) ? Number(step) : index;
}

/** The node `:NAME` reads: the node itself or its nearest ancestor with something of that name. */
export function parentVariableHolder(node: Node, name: string, defs: Defs): Node | undefined {
  for (let n: Node | undefined = node; n; n = n.parent) if (hasExprVariable(n, name, defs)) return n;
  return undefined;
}

function dateToJulian(v: number): number {
  const digits = String(Math.abs(v)).length;
  const ymd = digits === 10 ? Math.trunc(v / 100) : digits === 8 ? v : 0;
  if (!ymd) return 0;
  return julianDay(Math.trunc(ymd / 10000), Math.trunc(ymd / 100) % 100, ymd % 100);
}

/** `left + right` / `left - right`, where a variable on the left moves a date repeat by days. */
function sum(e: Expr & { kind: "arith" }, node: Node, ctx: EvalContext): number {
  const r = evaluate(e.right, node, ctx);
  const delta = e.op === "+" ? r : -r;
  if (e.left.kind === "attr") {
    const target = resolveCached(ctx, node, e.left.path.text);
    if (target && hasExprVariable(target, e.left.name, ctx.defs, ctx.now))
      return attributeValue(target, e.left.name, ctx, delta);
    return delta;
  }
  if (e.left.kind === "parentvar") {
    const holder = parentVariableHolder(node, e.left.name, ctx.defs);
    // (ecFlow gives the right operand's value when nothing has the name, also for '-')
    return holder ? attributeValue(holder, e.left.name, ctx, delta) : r;
  }
  return evaluate(e.left, node, ctx) + delta;
}

function arithmetic(e: Expr & { kind: "arith" }, node: Node, ctx: EvalContext): number {
  if (e.op === "+" || e.op === "-") return sum(e, node, ctx);
  const l = evaluate(e.left, node, ctx);
  const r = evaluate(e.right, node, ctx);
  if (r === 0) return 0;
  return e.op === "*" ? l * r : e.op === "/" ? Math.trunc(l / r) : l % r;
}

function compare(op: string, l: number, r: number): number {
  switch (op) {
    case "==":
      return l === r ? 1 : 0;
    case "!=":
      return l !== r ? 1 : 0;
    case "<":
      return l < r ? 1 : 0;
    case ">":
      return l > r ? 1 : 0;
    case "<=":
      return l <= r ? 1 : 0;
    default:
      return l >= r ? 1 : 0;
  }
}

/** Evaluates an expression written on `node`; booleans are 1/0. */
export function evaluate(e: Expr, node: Node, ctx: EvalContext): number {
  switch (e.kind) {
    case "and":
      return evaluate(e.left, node, ctx) !== 0 && evaluate(e.right, node, ctx) !== 0 ? 1 : 0;
    case "or":
      return evaluate(e.left, node, ctx) !== 0 || evaluate(e.right, node, ctx) !== 0 ? 1 : 0;
    case "not":
      return evaluate(e.operand, node, ctx) === 0 ? 1 : 0;
    case "compare":
      return compare(e.op, evaluate(e.left, node, ctx), evaluate(e.right, node, ctx));
    case "arith":
      return arithmetic(e, node, ctx);
    case "node": {
      const target = resolveCached(ctx, node, e.path.text);
      return STATE_NUMBER[target ? dstate(target, ctx.runtime) : "unknown"];
    }
    case "attr": {
      const target = resolveCached(ctx, node, e.path.text);
      return target ? attributeValue(target, e.name, ctx) : 0;
    }
    case "parentvar": {
      const holder = parentVariableHolder(node, e.name, ctx.defs);
      return holder ? attributeValue(holder, e.name, ctx) : 0;
    }
    case "nodeflag": {
      const target = e.path.text === "/" ? undefined : resolveCached(ctx, node, e.path.text);
      return target && (ctx.runtime.nodes.get(target.path)?.flags ?? []).includes(e.flag) ? 1 : 0;
    }
    case "call": {
      const v = evaluate(e.arg, node, ctx);
      return e.fn === "date_to_julian" ? dateToJulian(v) : julianToDate(v);
    }
    case "state":
      return STATE_NUMBER[e.state];
    case "flag":
      return e.value ? 1 : 0;
    case "int":
      return e.value;
  }
}

/** Whether the node's trigger lets it run (true when it has none or it was set free). */
export function triggerSatisfied(node: Node, ctx: EvalContext): boolean {
  if (!node.trigger) return true;
  if (ctx.runtime.nodes.get(node.path)?.triggerFree) return true;
  return evaluate(node.trigger.ast, node, ctx) !== 0;
}

/** Whether the node's complete expression holds (false when it has none). */
export function completeSatisfied(node: Node, ctx: EvalContext): boolean {
  if (!node.complete) return false;
  return evaluate(node.complete.ast, node, ctx) !== 0;
}
