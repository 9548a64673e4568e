// Checks what the parser cannot see line by line, as ecflow_server's load does: that every node a
// trigger, complete or inlimit names exists (or is declared `extern`), that `node:name` and `:NAME`
// name an event, meter, variable, repeat, limit or queue, and that no `/` or `%` divides by a value
// that is 0 when the suite is loaded.
import { walk } from "../model/tree.ts";
import type { Defs, Expr, Node, SourcePos } from "../model/types.ts";
import type { Diagnostic } from "./diagnostics.ts";
import { type EvalContext, evaluate, hasExprVariable, parentVariableHolder } from "./evaluate.ts";
import { isExtern, resolveNodePath } from "./paths.ts";

function fallbackPos(node: Node): SourcePos {
  return node.pos ?? { file: "<input>", line: 0, col: 0 };
}

interface ExprCheck {
  defs: Defs;
  node: Node;
  what: string;
  out: Diagnostic[];
  /** The runtime as loaded (nothing run yet), for the divide-by-zero check. */
  ctx: EvalContext;
  /** Where the expression is written, for problems that have no path to point at. */
  at: SourcePos;
}

function checkPath(c: ExprCheck, e: Expr & { kind: "node" | "attr" | "nodeflag" }): void {
  const path = e.path.text;
  const name = e.kind === "attr" ? e.name : undefined;
  const pos = e.path.pos ?? { ...c.at, col: c.at.col + (e.path.offset ?? 0) };
  if (e.kind === "nodeflag" && path === "/") return;
  const target = resolveNodePath(c.defs, c.node, path);
  if (!target) {
    if (isExtern(c.defs, path, name)) return;
    const relative = path.startsWith("/") ? "" : ` (relative to ${c.node.parent?.path ?? c.node.path})`;
    c.out.push({ pos, message: `${c.what} of ${c.node.path}: no node '${path}'${relative}` });
    return;
  }
  if (name !== undefined && !hasExprVariable(target, name, c.defs) && !isExtern(c.defs, target.path, name))
    c.out.push({
      pos,
      message: `${c.what} of ${c.node.path}: ${target.path} has no event, meter, variable, repeat, limit or queue '${name}'`,
    });
}

function checkExpr(c: ExprCheck, e: Expr): void {
  switch (e.kind) {
    case "arith":
      if ((e.op === "/" || e.op === "%") && evaluate(e.right, c.node, c.ctx) === 0)
        c.out.push({
          pos: c.at,
          message: `${c.what} of ${c.node.path}: ${e.op === "/" ? "divides" : "takes a modulo"} by a value that is 0 as loaded (ecFlow refuses it)`,
        });
      checkExpr(c, e.left);
      checkExpr(c, e.right);
      return;
    case "and":
    case "or":
    case "compare":
      checkExpr(c, e.left);
      checkExpr(c, e.right);
      return;
    case "not":
      checkExpr(c, e.operand);
      return;
    case "call":
      return; // ecFlow does not resolve what a cal:: function reads until it runs
    case "parentvar":
      if (!parentVariableHolder(c.node, e.name, c.defs))
        c.out.push({
          pos: c.at,
          message: `${c.what} of ${c.node.path}: neither the node nor an ancestor has an event, meter, variable, repeat, limit or queue '${e.name}'`,
        });
      return;
    case "node":
    case "attr":
    case "nodeflag":
      checkPath(c, e);
      return;
    default:
      return;
  }
}

/** Finds the limit an inlimit refers to, as ecFlow does: at the path, else up the tree. */
export function findLimitNode(
  defs: Defs,
  node: Node,
  path: string | undefined,
  name: string,
): Node | undefined {
  if (path !== undefined) {
    const target = path === "/" ? undefined : resolveNodePath(defs, node, path);
    return target?.limits.some((l) => l.name === name) ? target : undefined;
  }
  for (let n: Node | undefined = node; n; n = n.parent) if (n.limits.some((l) => l.name === name)) return n;
  return undefined;
}

/**
 * Every reference problem in the definition, in definition order. An inlimit whose limit is
 * nowhere is no error to ecFlow (the node is then not limited): it goes to `warnings`.
 */
export function validateDefs(defs: Defs, warnings: Diagnostic[] = []): Diagnostic[] {
  const out: Diagnostic[] = [];
  const ctx: EvalContext = { defs, runtime: { nodes: new Map() }, now: new Date(0) };
  const checkParts = (node: Node, what: "trigger" | "complete"): void => {
    for (const part of node[what]?.parts ?? [])
      if (part.ast) checkExpr({ defs, node, what, out, ctx, at: part.pos ?? fallbackPos(node) }, part.ast);
  };
  for (const node of walk(defs)) {
    checkParts(node, "trigger");
    checkParts(node, "complete");
    for (const path of node.autorestore?.paths ?? [])
      if (!resolveNodePath(defs, node, path))
        out.push({
          pos: node.autorestore?.pos ?? fallbackPos(node),
          message: `autorestore of ${node.path}: no node '${path}'`,
        });
    for (const il of node.inlimits) {
      if (findLimitNode(defs, node, il.path, il.name)) continue;
      if (il.path !== undefined && isExtern(defs, il.path, il.name)) continue;
      const pos = il.pos ?? fallbackPos(node);
      warnings.push({
        pos,
        message: `inlimit of ${node.path}: no limit '${il.name}'${il.path !== undefined ? ` on '${il.path}'` : " on this node or above"}: it limits nothing`,
      });
    }
  }
  return out;
}

/** The reference problems of one expression written on `node` (ecflow_client --wait's). */
export function validateExpression(defs: Defs, node: Node, ast: Expr): string[] {
  const out: Diagnostic[] = [];
  const ctx: EvalContext = { defs, runtime: { nodes: new Map() }, now: new Date(0) };
  checkExpr({ defs, node, what: "expression", out, ctx, at: fallbackPos(node) }, ast);
  return out.map((d) => d.message);
}
