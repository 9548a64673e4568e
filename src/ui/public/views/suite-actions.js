// The operator's commands on nodes, as the API offers them per node: one list for the single node's
// action bar and for a multi-selection, so that both offer the same actions and a selection applies
// each to every node it applies to.
import { api, el, toast } from "../app.js";

const isTask = (node) => node.kind === "task";

export const NODE_ACTIONS = [
  { label: "Requeue", path: "/suites/requeue", applies: () => true },
  { label: "Rerun", path: "/suites/rerun", applies: isTask },
  { label: "Suspend", path: "/suites/suspend", applies: (node) => !node.suspended },
  { label: "Resume", path: "/suites/resume", applies: (node) => node.suspended },
  { label: "Force complete", path: "/suites/force", body: { state: "complete" }, applies: () => true },
  { label: "Force aborted", path: "/suites/force", body: { state: "aborted" }, applies: () => true },
  { label: "Kill", path: "/suites/kill", applies: isTask },
];

/**
 * Runs the action on each node it applies to, one after the other (the engine takes one command at a
 * time per suite anyway); says in a toast how many it was applied to and which refused, and why.
 */
export async function applyAction(action, nodes) {
  const targets = nodes.filter(action.applies);
  const refused = [];
  for (const node of targets) {
    try {
      await api(action.path, { method: "POST", body: { path: node.path, ...action.body } });
    } catch (error) {
      refused.push(`${node.path}: ${error.message}`);
    }
  }
  const done = targets.length - refused.length;
  const what = targets.length === 1 ? targets[0].path : `${done} of ${targets.length} nodes`;
  toast(refused.length ? `${action.label} refused for ${refused.join("; ")}` : `${action.label}: ${what}`);
}

/**
 * Redraws a panel of action buttons (the node's, or a selection's) keeping the keyboard on the action
 * it was on: live updates redraw the panel under the operator's focus.
 */
export function redrawKeepingFocus(panel, draw) {
  const active = document.activeElement;
  const action = active && panel.contains(active) ? active.getAttribute("data-action") : null;
  draw();
  if (action) panel.querySelector(`[data-action="${CSS.escape(action)}"]`)?.focus();
}

/**
 * A button per action that applies to at least one of the nodes; `after` runs once it is done. A click
 * applies it to `current()` (the nodes as they are then: live updates may change them before the
 * panel is redrawn), by default the nodes drawn.
 */
export function actionButtons(nodes, after, current = () => nodes) {
  return NODE_ACTIONS.filter((action) => nodes.some(action.applies)).map((action) =>
    el(
      "button",
      {
        type: "button",
        "data-action": action.label,
        onclick: async () => {
          await applyAction(action, current());
          await after();
        },
      },
      action.label,
    ),
  );
}
