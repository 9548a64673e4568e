// why(): in words, why a node is not running, like the Why tab of ecflow_ui: its own state, a
// suspended or held parent, a trigger (naming the parts that are false and the states they see),
// a time dependency (and when its next slot comes), a full limit (and who holds its tokens).
import { findNode } from "../model/tree.ts";
import type { Defs, Expr, Node, RuntimeState } from "../model/types.ts";
import { completeSatisfied, type EvalContext, evaluate, resolveCached } from "./evaluate.ts";
import { exprToString } from "./expr-parser.ts";
import { limitBlocking, limitUsage } from "./limits.ts";
import { maxTries } from "./schedule.ts";
import { nodeState } from "./state.ts";
import { timeHolds } from "./time.ts";

export interface WhyResult {
  /** True when nothing holds the node: the next scheduling round submits it. */
  free: boolean;
  reasons: string[];
}

/** The false parts of an expression that keep it false, each with the value it saw. */
function falseParts(e: Expr, node: Node, ctx: EvalContext, want: boolean): string[] {
  const value = evaluate(e, node, ctx) !== 0;
  if (value === want) return [];
  switch (e.kind) {
    case "and":
      if (want) return [...falseParts(e.left, node, ctx, true), ...falseParts(e.right, node, ctx, true)];
      return [`${exprToString(e)} is true`];
    case "or":
      if (want) return [...falseParts(e.left, node, ctx, true), ...falseParts(e.right, node, ctx, true)];
      return [...falseParts(e.left, node, ctx, false), ...falseParts(e.right, node, ctx, false)];
    case "not":
      return falseParts(e.operand, node, ctx, !want);
    default:
      return [`${exprToString(e)} is ${value}${seen(e, node, ctx)}`];
  }
}

/** What the leaves of a comparison currently are, e.g. " (/s/a is queued)". */
function seen(e: Expr, node: Node, ctx: EvalContext): string {
  const parts: string[] = [];
  const walk = (x: Expr): void => {
    if (x.kind === "node") {
      const t = resolveCached(ctx, node, x.path.text);
      parts.push(t ? `${t.path} is ${nodeState(t, ctx.runtime)}` : `${x.path.text} does not exist (unknown)`);
    } else if (x.kind === "attr") {
      const t = resolveCached(ctx, node, x.path.text);
      parts.push(t ? `${t.path}:${x.name} is ${evaluate(x, node, ctx)}` : `${x.path.text} does not exist`);
    } else if (x.kind === "compare" || x.kind === "arith" || x.kind === "and" || x.kind === "or") {
      walk(x.left);
      walk(x.right);
    } else if (x.kind === "not") walk(x.operand);
  };
  walk(e);
  return parts.length ? ` (${parts.join(", ")})` : "";
}

function holdsOf(n: Node, ctx: EvalContext, self: boolean): string[] {
  const out: string[] = [];
  const rt = ctx.runtime.nodes.get(n.path);
  const who = self ? n.path : `parent ${n.path}`;
  if (rt?.suspended || rt?.state === "suspended") out.push(`${who} is suspended: resume it`);
  for (const h of timeHolds(n, ctx.runtime, ctx.now))
    out.push(`${who} waits for ${h.text}${h.next ? ` (next at ${h.next.replace(/:00\.000Z$/, "Z")})` : ""}`);
  if (n.trigger && !rt?.triggerFree && evaluate(n.trigger.ast, n, ctx) === 0) {
    const parts = falseParts(n.trigger.ast, n, ctx, true);
    out.push(`${who} trigger is not satisfied: ${parts.join("; ")}`);
  }
  return out;
}

/** Why the node at `path` is not running at `now`. */
export function why(defs: Defs, path: string, runtime: RuntimeState, now: Date): WhyResult {
  const node = findNode(defs, path);
  if (!node) return { free: false, reasons: [`there is no node ${path}`] };
  const ctx: EvalContext = { defs, runtime, now };
  const reasons: string[] = [];
  const state =
    node.kind === "task" ? (runtime.nodes.get(node.path)?.state ?? "unknown") : nodeState(node, runtime);
  const rt = runtime.nodes.get(node.path);
  switch (state) {
    case "unknown":
      return { free: false, reasons: [`${node.path} is unknown: the suite has not been begun`] };
    case "complete":
      return {
        free: false,
        reasons: [`${node.path} is complete${node.repeat ? "" : ": requeue or rerun it to run again"}`],
      };
    case "submitted":
      if (node.kind === "task")
        return {
          free: false,
          reasons: [
            `${node.path} is submitted (try ${rt?.tryNo ?? 0}): its job waits in the queue for a worker to take it; if none does, see that the queue's workers run (\`fleet ls\`, \`worker\`)`,
          ],
        };
      break;
    case "active":
      if (node.kind === "task")
        return {
          free: false,
          reasons: [`${node.path} is active: it is already running (try ${rt?.tryNo ?? 0})`],
        };
      break;
    case "aborted":
      if (node.kind === "task")
        return {
          free: false,
          reasons: [
            `${node.path} is aborted after try ${rt?.tryNo ?? 0} of ${maxTries(defs, node, runtime, now)}${rt?.abortedReason ? ` (${rt.abortedReason})` : ""}: rerun or requeue it`,
          ],
        };
      break;
    default:
      break;
  }
  const chain: Node[] = [];
  for (let n: Node | undefined = node; n; n = n.parent) chain.unshift(n);
  for (const n of chain) {
    if (n !== node && n.complete && completeSatisfied(n, ctx))
      reasons.push(`parent ${n.path} complete expression holds: it will be set complete`);
    reasons.push(...holdsOf(n, ctx, n === node));
  }
  if (node.complete && completeSatisfied(node, ctx))
    reasons.push(`${node.path} complete expression holds: it will be set complete without running`);
  if (node.kind === "task") {
    const block = limitBlocking(defs, node, limitUsage(defs, runtime));
    if (block) {
      const users =
        block.users.slice(0, 5).join(", ") + (block.users.length > 5 ? `, ... (${block.users.length})` : "");
      reasons.push(
        `limit ${block.ref.holder.path}:${block.ref.name} is full: ${block.used} of ${block.ref.max} tokens in use${users ? ` by ${users}` : ""}, ${node.path} needs ${block.need}`,
      );
    }
  } else if (reasons.length === 0) {
    reasons.push(`${node.path} is ${state}: ask why of its tasks to see what holds them`);
    return { free: false, reasons };
  }
  if (reasons.length === 0)
    return { free: true, reasons: [`nothing holds ${node.path}: the next scheduling round submits it`] };
  return { free: false, reasons };
}
