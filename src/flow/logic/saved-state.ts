// A suite read from a definition with its state (ecflow_client --migrate) becomes the runtime
// cloudburst starts it with: node states, suspension, try numbers, abort reasons, late flags, event,
// meter, label and repeat values, freed triggers and queue positions, over what `begin` gives.
// A task ecFlow was still running (submitted or active) is refused: its job runs under ecFlow, which
// alone hears its reports, and running it again here would run it twice.
import { walkNode } from "../model/tree.ts";
import type { Defs, NodeRuntime, RuntimeState, Suite } from "../model/types.ts";
import { beginRuntime, initialValues } from "./state.ts";

export interface SavedSuite {
  runtime: RuntimeState;
  /** The suite had been begun: its nodes run on from their saved state. */
  begun: boolean;
  /** What cannot be carried over, one sentence per node. */
  refused: string[];
}

function merge(base: NodeRuntime, saved: NodeRuntime | undefined, begun: boolean): NodeRuntime {
  if (!saved) return begun ? { ...base, state: "unknown" } : base;
  return {
    ...base,
    ...saved,
    events: { ...base.events, ...saved.events },
    meters: { ...base.meters, ...saved.meters },
    labels: { ...base.labels, ...saved.labels },
  };
}

/** The runtime `suite` starts with, from the state saved in `defs` (see the header). */
export function savedSuiteState(defs: Defs, suite: Suite, now: Date): SavedSuite {
  const saved = defs.state;
  const begun = saved?.begun.has(suite.path) === true;
  const base = begun ? beginRuntime(suite, now) : undefined;
  const runtime: RuntimeState = { nodes: new Map() };
  const refused: string[] = [];
  for (const node of walkNode(suite)) {
    const rt = merge(
      base?.nodes.get(node.path) ?? initialValues(node, "unknown"),
      saved?.nodes.get(node.path),
      begun,
    );
    runtime.nodes.set(node.path, rt);
    // ecFlow already decided an aborted task's retries: it stays aborted until an operator acts.
    if (node.kind === "task" && rt.state === "aborted") rt.flags = [...(rt.flags ?? []), "forced"];
    if (node.kind === "task" && (rt.state === "submitted" || rt.state === "active"))
      refused.push(
        `${node.path} is ${rt.state} in the saved state: its job reports to ecFlow, not here (let it finish or kill it in ecFlow, then migrate again)`,
      );
  }
  return { runtime, begun, refused };
}
