// A node's detail panel: its state, the actions on it, why it waits, its definition, limits, variables,
// values, output and history.
import { api, el, toast } from "../app.js";
import { actionButtons, redrawKeepingFocus } from "./suite-actions.js";
import { scriptSection } from "./suite-script.js";
import { shownState } from "./suite-tree.js";

/** How often a running task's output is fetched again (its lines are not announced on the event stream). */
const TAIL_MS = 1500;

/**
 * Draws the node at `path` into `panel` unless, once its answers are in, `current()` says another
 * selection came since; `refresh` redraws the whole view after a change.
 */
export function nodeDetail(panel, refresh) {
  let selected = null;
  // The script section is kept while the same task is shown: a redraw must not lose an edit under way.
  let script = { path: null, element: null };
  let tailTimer = null;

  async function render(path, current = () => true) {
    selected = path;
    const query = `path=${encodeURIComponent(selected)}`;
    const [nodes, definition, why, history] = await Promise.all([
      api(`/suites/node?${query}`),
      api(`/suites/attributes?${query}`),
      api(`/suites/why?${query}`),
      api(`/suites/history?${query}&limit=20`),
    ]);
    const node = nodes[0];
    // Only tasks have output; a task that never ran has none to show.
    const output = node.kind === "task" ? await api(`/suites/output?${query}`).catch(() => null) : null;
    if (node.kind === "task" && script.path !== path)
      script = {
        path,
        element: await scriptSection(path, refresh).catch((error) =>
          el("p", { class: "error" }, error.message),
        ),
      };
    if (!current()) return;
    const outputBox = el("div", { class: "output-section" }, outputSection(output));
    tail(node, outputBox);
    const parts = [
      el("h2", {}, node.path),
      nodeSummary(node, definition.dependencies),
      actionBar(node, definition.dependencies),
      el("h3", {}, "Why"),
      el(
        "ul",
        { class: "why" },
        (why.reasons.length ? why.reasons : ["nothing holds it"]).map((r) =>
          el("li", {}, typeof r === "string" ? r : JSON.stringify(r)),
        ),
      ),
      el("h3", {}, "Definition"),
      el(
        "pre",
        { class: "definition" },
        definition.attributes.length ? definition.attributes.join("\n") : "(no attributes)",
      ),
      ...limitsSection(definition.limits),
      ...variablesSection(node, definition.variables),
      ...valuesSection(node),
      node.kind === "task" ? outputBox : null,
      node.kind === "task" ? script.element : null,
      el("h3", {}, "History"),
      historyTable(history),
    ];
    // replaceChildren would print a null as the text "null": only real nodes go in.
    redrawKeepingFocus(panel, () => panel.replaceChildren(...parts.filter((part) => part !== null)));
  }

  function nodeSummary(node, dependencies) {
    const freed = [
      dependencies.triggerFree ? "trigger" : null,
      dependencies.timeFree ? "time dependencies" : null,
    ].filter(Boolean);
    return el(
      "p",
      {},
      stateBadge(node),
      ` ${node.kind}`,
      node.since ? ` since ${node.since}` : "",
      node.worker ? ` on ${node.worker}` : "",
      freed.length ? el("span", { class: "muted" }, ` (freed: ${freed.join(", ")})`) : null,
    );
  }

  function actionBar(node, dependencies) {
    // `free` lifts what the node has and is still waiting on; the server refuses an empty request.
    const free = {
      trigger: dependencies.trigger && !dependencies.triggerFree,
      time: dependencies.time && !dependencies.timeFree,
    };
    return el(
      "div",
      { class: "actions" },
      actionButtons([node], refresh),
      free.trigger || free.time ? freeButton(free) : null,
      el("button", { type: "button", onclick: () => promptVariable() }, "Set variable"),
    );
  }

  function freeButton(free) {
    return el(
      "button",
      {
        type: "button",
        onclick: async () => {
          try {
            await api("/suites/free", { method: "POST", body: { path: selected, ...free } });
            toast(`Free dependencies: ${selected}`);
            await refresh();
          } catch (error) {
            toast(error.message);
          }
        },
      },
      "Free dependencies",
    );
  }

  /** Asks for NAME=value (or only the value when the name is known) and sets it on the selected node. */
  async function promptVariable(name, current = "") {
    const answer = name ? prompt(`Set ${name} on ${selected}`, current) : prompt("Set variable (NAME=value)");
    if (answer === null) return;
    const match = name ? [answer, name, answer] : /^([A-Za-z_]\w*)=(.*)$/.exec(answer);
    if (!match) {
      toast("expected NAME=value");
      return;
    }
    try {
      await api("/suites/variable", {
        method: "POST",
        body: { path: selected, name: match[1], value: match[2] },
      });
      toast(`set ${match[1]} = ${match[2]}`);
      await refresh();
    } catch (error) {
      toast(error.message);
    }
  }

  function limitsSection(limits) {
    const rows = [
      ...limits.held.map((l) => limitRow(`limit ${l.limit.split(":").pop()}`, l)),
      ...limits.drawn.map((l) => limitRow(`inlimit ${l.limit}`, l)),
    ];
    if (rows.length === 0) return [];
    return [el("h3", {}, "Limits"), el("table", { class: "limits" }, rows)];
  }

  function limitRow(label, limit) {
    return el(
      "tr",
      { "data-limit": limit.limit },
      el("td", {}, label),
      el(
        "td",
        {},
        el("meter", { min: "0", max: String(limit.max), value: String(limit.used) }),
        ` ${limit.used} / ${limit.max} in use`,
      ),
      el("td", { class: "muted" }, limit.users.join(", ")),
    );
  }

  function variablesSection(node, variables) {
    // The node's own (defined or set here) first; what it inherits or is generated stays folded away.
    const own = variables.filter((v) => v.node === node.path && v.source !== "generated");
    const other = variables.filter((v) => !own.includes(v));
    return [
      el("h3", {}, "Variables"),
      own.length
        ? el(
            "table",
            { class: "variables" },
            own.map((v) => variableRow(node, v)),
          )
        : el("p", { class: "muted" }, "None defined on this node."),
      el(
        "details",
        { class: "inherited" },
        el("summary", {}, `Inherited and generated (${other.length})`),
        el(
          "table",
          { class: "variables" },
          other.map((v) => variableRow(node, v)),
        ),
      ),
    ];
  }

  function variableRow(node, variable) {
    const where = {
      set: "set by an operator",
      edit: "edit",
      generated: "generated",
      server: "server",
    }[variable.source];
    const inherited = variable.node !== null && variable.node !== node.path;
    return el(
      "tr",
      { "data-variable": variable.name },
      el("td", { class: "name" }, variable.name),
      el("td", { class: "value" }, variable.value),
      el("td", { class: "muted" }, inherited ? `${where} on ${variable.node}` : where),
      el(
        "td",
        {},
        el(
          "button",
          {
            type: "button",
            class: "small",
            title: `set ${variable.name} on ${node.path}`,
            onclick: () => promptVariable(variable.name, variable.value),
          },
          "Set",
        ),
      ),
    );
  }

  function valuesSection(node) {
    const values = {
      ...prefix("event ", node.events),
      ...prefix("meter ", node.meters),
      ...prefix("label ", node.labels),
      ...(node.repeat ? { repeat: node.repeat } : {}),
      ...(node.abortedReason ? { aborted: node.abortedReason } : {}),
    };
    const rows = Object.entries(values).map(([k, v]) =>
      el("tr", {}, el("td", {}, k), el("td", {}, String(v))),
    );
    if (rows.length === 0) return [];
    return [el("h3", {}, "Values"), el("table", { class: "values" }, rows)];
  }

  /** While the task runs, its output is fetched again and again: a live tail. */
  function tail(node, box) {
    clearTimeout(tailTimer);
    if (node.state !== "active" && node.state !== "submitted") return;
    const path = node.path;
    tailTimer = setTimeout(async () => {
      if (selected !== path || !box.isConnected) return;
      const output = await api(`/suites/output?path=${encodeURIComponent(path)}`).catch(() => null);
      box.replaceChildren(...outputSection(output));
      tail(node, box);
    }, TAIL_MS);
  }

  function outputSection(output) {
    if (!output) return [];
    return [
      el("h3", {}, `Output (try ${output.tryNo})`),
      output.lines.length === 0
        ? el("p", { class: "muted" }, "No output yet.")
        : el("pre", { class: "output" }, output.lines.map(outputLine)),
    ];
  }

  /** One line as the worker reported it: when (UTC time of day), which stream, and the text. */
  function outputLine(line) {
    return el(
      "div",
      { class: `line stream-${line.stream}` },
      el("span", { class: "at", title: line.at }, line.at.slice(11, 23)),
      " ",
      el("span", { class: "stream" }, line.stream.padEnd(6)),
      " ",
      line.line,
    );
  }

  function historyTable(history) {
    return el(
      "table",
      {},
      history.map((h) =>
        el(
          "tr",
          {},
          el("td", {}, h.at),
          el("td", {}, h.path),
          el("td", {}, `${h.fromState ?? ""} → ${h.toState ?? h.kind}`),
          el("td", {}, h.detail ?? ""),
        ),
      ),
    );
  }

  function prefix(text, object) {
    return Object.fromEntries(Object.entries(object ?? {}).map(([k, v]) => [text + k, v]));
  }

  return {
    render,
    stop() {
      clearTimeout(tailTimer);
    },
  };
}

/** A node's state in ecFlow's colour. */
export function stateBadge(node) {
  const state = shownState(node);
  return el("span", { class: `state state-${state}` }, state);
}
