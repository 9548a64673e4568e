// Suites: the node tree in ecFlow's state colours, live; a node's attributes, why, output, history;
// and the operator's actions (requeue, rerun, suspend, resume, force complete, kill, set variable).
import { api, el, toast } from "../app.js";

export function suitesView(main, selectedPath) {
  const treePanel = el("section", { class: "panel", "aria-label": "suite tree" });
  const detail = el(
    "section",
    { class: "panel", "aria-label": "node" },
    el("p", { class: "muted" }, "Select a node."),
  );
  main.append(el("div", { class: "split" }, treePanel, detail));
  let selected = selectedPath || null;
  let refreshTimer = null;

  async function renderTree() {
    const suites = await api("/suites");
    if (suites.length === 0) {
      treePanel.replaceChildren(
        el("p", { class: "muted" }, "No suite is loaded. Load one with `cloudburst suite load FILE.def`."),
      );
      return;
    }
    const lists = [];
    for (const suite of suites) {
      const nodes = await api(`/suites/node?path=${encodeURIComponent(`/${suite.name}`)}`);
      lists.push(
        el(
          "ul",
          { class: "tree" },
          nodes.map((node) =>
            el(
              "li",
              {
                "data-path": node.path,
                class: node.path === selected ? "selected" : "",
                onclick: () => select(node.path),
              },
              "\u00a0\u00a0".repeat(node.depth),
              el(
                "span",
                { class: `state state-${node.suspended ? "suspended" : node.state}` },
                node.suspended ? "suspended" : node.state,
              ),
              el("span", { class: "name" }, node.path.split("/").pop() || node.path),
              node.kind === "task" && node.tryNo
                ? el("span", { class: "muted" }, ` try ${node.tryNo}`)
                : null,
            ),
          ),
        ),
      );
    }
    treePanel.replaceChildren(...lists);
  }

  async function renderDetail() {
    if (!selected) return;
    const [nodes, definition, why, history] = await Promise.all([
      api(`/suites/node?path=${encodeURIComponent(selected)}`),
      api(`/suites/attributes?path=${encodeURIComponent(selected)}`),
      api(`/suites/why?path=${encodeURIComponent(selected)}`),
      api(`/suites/history?path=${encodeURIComponent(selected)}&limit=20`),
    ]);
    const node = nodes[0];
    const output =
      node.kind === "task"
        ? await api(`/suites/output?path=${encodeURIComponent(selected)}`).catch(() => null)
        : null;
    const action = (label, path, body = {}) =>
      el(
        "button",
        {
          type: "button",
          onclick: async () => {
            try {
              await api(path, { method: "POST", body: { path: selected, ...body } });
              toast(`${label}: ${selected}`);
              await refresh();
            } catch (error) {
              toast(error.message);
            }
          },
        },
        label,
      );
    const rows = (object) =>
      Object.entries(object).map(([k, v]) => el("tr", {}, el("td", {}, k), el("td", {}, String(v))));
    detail.replaceChildren(
      el("h2", {}, node.path),
      el(
        "p",
        {},
        el("span", { class: `state state-${node.state}` }, node.state),
        ` ${node.kind}`,
        node.since ? ` since ${node.since}` : "",
        node.worker ? ` on ${node.worker}` : "",
      ),
      el(
        "div",
        { class: "actions" },
        action("Requeue", "/suites/requeue"),
        node.kind === "task" ? action("Rerun", "/suites/rerun") : null,
        node.suspended ? action("Resume", "/suites/resume") : action("Suspend", "/suites/suspend"),
        action("Force complete", "/suites/force", { state: "complete" }),
        node.kind === "task" ? action("Kill", "/suites/kill") : null,
        el(
          "button",
          {
            type: "button",
            onclick: async () => {
              const assignment = prompt("Set variable (NAME=value)");
              const match = assignment && /^([A-Za-z_][\w]*)=(.*)$/.exec(assignment);
              if (!match) return;
              try {
                await api("/suites/variable", {
                  method: "POST",
                  body: { path: selected, name: match[1], value: match[2] },
                });
                toast(`set ${match[1]}`);
              } catch (error) {
                toast(error.message);
              }
            },
          },
          "Set variable",
        ),
      ),
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
      el("h3", {}, "Values"),
      el(
        "table",
        {},
        rows({
          ...prefix("event ", node.events),
          ...prefix("meter ", node.meters),
          ...prefix("label ", node.labels),
          ...(node.repeat ? { repeat: node.repeat } : {}),
          ...(node.abortedReason ? { aborted: node.abortedReason } : {}),
        }),
      ),
      output ? el("h3", {}, "Output") : null,
      output
        ? el(
            "pre",
            { class: "output" },
            (output.lines ?? output).map?.((l) => l.text ?? l).join("\n") ?? JSON.stringify(output),
          )
        : null,
      el("h3", {}, "History"),
      el(
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
      ),
    );
  }

  function prefix(text, object) {
    return Object.fromEntries(Object.entries(object ?? {}).map(([k, v]) => [text + k, v]));
  }

  async function select(path) {
    selected = path;
    history.replaceState(null, "", `#/suites/${encodeURIComponent(path)}`);
    await refresh();
  }

  async function refresh() {
    await renderTree();
    await renderDetail();
  }

  return {
    enter: refresh,
    onEvent(channel) {
      if (channel !== "flow_changed") return;
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => refresh().catch((error) => toast(error.message)), 150);
    },
    leave() {
      clearTimeout(refreshTimer);
    },
  };
}
