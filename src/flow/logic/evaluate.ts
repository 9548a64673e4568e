// Evaluating trigger and complete expressions against the runtime, as ecFlow does: `node ==
// state` compares the node's (computed) state; `node:name` reads an event (1/0), meter, user
// variable, repeat (its value), generated variable or limit (tokens in use); and/or/not on
// non-zero values. Unknown or extern nodes count as `unknown` with value 0.
import type { Defs, Expr, Node, RuntimeState } from "../model/types.ts";
import { limitInUse } from "./limits.ts";
import { resolveNodePath } from "./paths.ts";
import { nodeState } from "./state.ts";
import { generatedVariables, repeatNumericValue } from "./variables.ts";

export interface EvalContext {
  defs: Defs;
  runtime: RuntimeState;
  now: Date;
  /** Cache of resolved references, keyed by `from-path|written-path`. */
  resolved?: Map<string, Node | null>;
}

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

function toInt(text: string | undefined): number {
  if (text === undefined) return 0;
  const m = /^\s*(-?[0-9]+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

/** The integer value of `node:name` (ecFlow's findExprVariableValue). */
export function attributeValue(node: Node, name: string, ctx: EvalContext): number {
  const rt = ctx.runtime.nodes.get(node.path);
  const event =
    node.events.find((e) => e.name === name) ??
    node.events.find((e) => e.number !== undefined && String(e.number) === name);
  if (event) {
    const key = event.name ?? String(event.number);
    const v =
      rt?.events?.[key] ?? (event.number !== undefined ? rt?.events?.[String(event.number)] : undefined);
    return (v ?? event.initiallySet === true) ? 1 : 0;
  }
  const meter = node.meters.find((m) => m.name === name);
  if (meter) return rt?.meters?.[name] ?? meter.min;
  const variable = node.variables.find((v) => v.name === name);
  if (variable) return toInt(rt?.variables?.[name] ?? variable.value);
  if (node.repeat && node.repeat.kind !== "day" && node.repeat.name === name)
    return repeatNumericValue(node.repeat, rt?.repeatIndex ?? 0);
  const gen = generatedVariables(node, rt, ctx.now, ctx.defs)[name];
  if (gen !== undefined) return toInt(gen);
  const limit = node.limits.find((l) => l.name === name);
  if (limit) return limitInUse(ctx.defs, ctx.runtime, node, name);
  return 0;
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
    case "compare": {
      if (e.left.kind === "node" && e.right.kind === "state") {
        const target = resolveCached(ctx, node, e.left.path.text);
        const state = target ? nodeState(target, ctx.runtime) : "unknown";
        const eq = state === e.right.state;
        return (e.op === "==" ? eq : !eq) ? 1 : 0;
      }
      const l = evaluate(e.left, node, ctx);
      const r = evaluate(e.right, node, ctx);
      switch (e.op) {
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
        case ">=":
          return l >= r ? 1 : 0;
      }
      return 0;
    }
    case "arith": {
      const l = evaluate(e.left, node, ctx);
      const r = evaluate(e.right, node, ctx);
      switch (e.op) {
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
    case "node": {
      // A bare path (only reachable inside arithmetic): ecFlow gives a node's state as a number.
      const target = resolveCached(ctx, node, e.path.text);
      return target && nodeState(target, ctx.runtime) === "complete" ? 1 : 0;
    }
    case "attr": {
      const target = resolveCached(ctx, node, e.path.text);
      return target ? attributeValue(target, e.name, ctx) : 0;
    }
    case "state":
      return 0;
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
