// The saved state on a node's line of a definition written with its state (`ecflow_client --migrate`,
// `--get_state`): `task t # try:2 state:aborted flag:late suspended:1 abort<:why>abort ...`.
// What cloudburst keeps of it: the state, suspension, try number, abort reason, late/zombie flags and
// whether a suite was begun; durations, passwords and process ids belong to ecFlow's server.
import type { NodeRuntime, NodeState } from "../model/types.ts";

const STATES = new Set<NodeState>(["unknown", "queued", "submitted", "active", "complete", "aborted"]);
// ecFlow's flags that mean something here; the others (message, byrule, ...) are ecflow_server's own.
const KEPT_FLAGS = new Set(["late", "zombie"]);

/** The runtime a node line's comment describes (`raw` is the text after the `#`). */
export function nodeStateOf(raw: string): { runtime: NodeRuntime; begun: boolean } {
  const runtime: NodeRuntime = { state: "unknown" };
  const abort = /abort<:(.*?)>abort/.exec(raw);
  if (abort) runtime.abortedReason = (abort[1] as string).replaceAll("\\n", "\n").trim();
  const rest = abort ? raw.replace(abort[0], " ") : raw;
  let begun = false;
  for (const word of rest.split(/\s+/)) {
    const colon = word.indexOf(":");
    if (colon < 0) continue;
    const key = word.slice(0, colon);
    const value = word.slice(colon + 1);
    if (key === "state" && STATES.has(value as NodeState)) runtime.state = value as NodeState;
    else if (key === "suspended" && value === "1") runtime.suspended = true;
    else if (key === "try" && /^[0-9]+$/.test(value)) runtime.tryNo = Number(value);
    else if (key === "begun" && value === "1") begun = true;
    else if (key === "flag") {
      const flags = value.split(",").filter((f) => KEPT_FLAGS.has(f));
      if (flags.length) runtime.flags = flags;
    }
  }
  return { runtime, begun };
}
