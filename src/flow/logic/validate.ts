// Checks what the parser cannot see line by line: that every node a trigger, complete or inlimit
// names exists (or is declared `extern`), that `node:name` names an event, meter, repeat, limit
// or variable of that node, and that inlimits find their limit.
import { walk } from "../model/tree.ts";
import type { Defs, Expr, Node, SourcePos } from "../model/types.ts";
import type { Diagnostic } from "./diagnostics.ts";
import { isExtern, resolveNodePath } from "./paths.ts";
import { generatedVariables } from "./variables.ts";

const EPOCH = new Date(0);

/** Whether `name` is something `node:name` can read in an expression (ecFlow's findExprVariable). */
export function hasExprVariable(defs: Defs, node: Node, name: string): boolean {
  if (node.events.some((e) => e.name === name || (e.number !== undefined && String(e.number) === name)))
    return true;
  if (node.meters.some((m) => m.name === name)) return true;
  if (node.variables.some((v) => v.name === name)) return true;
  if (node.repeat && node.repeat.kind !== "day" && node.repeat.name === name) return true;
  if (node.limits.some((l) => l.name === name)) return true;
  return name in generatedVariables(node, undefined, EPOCH, defs);
}

function fallbackPos(node: Node): SourcePos {
  return node.pos ?? { file: "<input>", line: 0, col: 0 };
}

function checkExpr(defs: Defs, node: Node, e: Expr, what: string, out: Diagnostic[]): void {
  switch (e.kind) {
    case "and":
    case "or":
    case "compare":
    case "arith":
      checkExpr(defs, node, e.left, what, out);
      checkExpr(defs, node, e.right, what, out);
      return;
    case "not":
      checkExpr(defs, node, e.operand, what, out);
      return;
    case "node":
    case "attr": {
      const path = e.path.text;
      const name = e.kind === "attr" ? e.name : undefined;
      const target = resolveNodePath(defs, node, path);
      const pos = e.path.pos ?? fallbackPos(node);
      if (!target) {
        if (isExtern(defs, path, name)) return;
        out.push({
          pos,
          message: `${what} of ${node.path}: no node '${path}'${path.startsWith("/") ? "" : ` (relative to ${node.parent?.path ?? node.path})`}`,
        });
        return;
      }
      if (target === node && e.kind === "node")
        out.push({ pos, message: `${what} of ${node.path} refers to the node itself` });
      if (name !== undefined && !hasExprVariable(defs, target, name) && !isExtern(defs, target.path, name))
        out.push({
          pos,
          message: `${what} of ${node.path}: ${target.path} has no event, meter, repeat, limit or variable '${name}'`,
        });
      return;
    }
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

/** Every reference problem in the definition, in definition order. */
export function validateDefs(defs: Defs): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const node of walk(defs)) {
    if (node.trigger) checkExpr(defs, node, node.trigger.ast, "trigger", out);
    if (node.complete) checkExpr(defs, node, node.complete.ast, "complete", out);
    for (const il of node.inlimits) {
      if (findLimitNode(defs, node, il.path, il.name)) continue;
      if (il.path !== undefined && isExtern(defs, il.path, il.name)) continue;
      const pos = il.pos ?? fallbackPos(node);
      out.push({
        pos,
        message: `inlimit of ${node.path}: no limit '${il.name}'${il.path !== undefined ? ` on '${il.path}'` : " on this node or above"}`,
      });
    }
  }
  return out;
}
