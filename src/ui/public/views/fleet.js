// Fleet: the provider's nodes with their states and tags and each node's actions (its worker log, its
// user data, destroy after a confirmation), what we record beside what the provider bills (leaks and
// orphans highlighted), the cycles' desired size (the operator's N), the learned lead time, and the
// cost of each cycle.
import { api, el, redrawLater, toast } from "../app.js";

/** `selectedNode`: a node's name (#/fleet/NAME, as the timeline links it), marked in the tables. */
export function fleetView(main, selectedNode) {
  const panel = el("section", { class: "panel", "aria-label": "fleet" });
  // Outside the panel, which each render replaces: an open confirmation survives a live update.
  const dialog = el("dialog", { class: "confirm", "aria-label": "confirm" });
  main.append(panel, dialog);
  /** The node detail shown under the nodes: {node, kind: "log" | "user-data"}, or null. */
  let detail = null;
  /** The provider's view (a promise of the leak check), asked again once the fleet changed. */
  let leaks = null;
  let providerStale = true;

  async function render() {
    let nodes;
    try {
      nodes = await api("/fleet/nodes");
    } catch (error) {
      if (error.status === 503 || error.status === 404) {
        panel.replaceChildren(el("p", { class: "muted" }, "The fleet is not running on this server."));
        return;
      }
      throw error;
    }
    // The leak check asks the provider for five lists: only when the fleet changed, not on every job.
    if (providerStale || !leaks) leaks = api("/fleet/leaks").catch((error) => ({ error: error.message }));
    providerStale = false;
    const [cycles, costs, records, billed] = await Promise.all([
      api("/fleet/cycles"),
      api("/fleet/costs"),
      api("/fleet/records"),
      // The provider may not answer now: the rest of the view still shows.
      leaks,
    ]);
    const actions = { showLog, showUserData, destroy };
    const chosen = selectedNode
      ? await api(`/fleet/records/${encodeURIComponent(selectedNode)}`).catch((error) => ({ error }))
      : null;
    // el() skips absent children; replaceChildren would print them as "null".
    const parts = [
      el("h2", {}, `Fleet (${costs.environment})`),
      chosen ? chosenNode(selectedNode, chosen, actions) : null,
      desiredSize(cycles, costs, render),
      el("h3", {}, "Nodes"),
      nodesTable(nodes, actions, selectedNode),
      detail ? await detailSection(detail, closeDetail) : null,
      comparison(records, billed, selectedNode, checkProvider),
      el("h3", {}, "Cycles"),
      cyclesTable(cycles, costs),
    ];
    panel.replaceChildren(...parts.filter(Boolean));
  }

  /** Asks the provider again: what it bills changes behind our back too (a console, a crashed run). */
  async function checkProvider() {
    providerStale = true;
    await render();
  }

  async function closeDetail() {
    detail = null;
    await render();
  }

  async function showLog(node) {
    detail = { node, kind: "log" };
    await render();
  }

  async function showUserData(node) {
    detail = { node, kind: "user-data" };
    await render();
  }

  async function destroy(node) {
    if (!(await confirmDestroy(dialog, node))) return;
    try {
      const answer = await api(`/fleet/nodes/${encodeURIComponent(node.id)}`, { method: "DELETE" });
      toast(`${answer.node}: ${answer.state}`);
      await render();
    } catch (error) {
      toast(error.message);
    }
  }

  const later = redrawLater(render, 300);
  return {
    async enter() {
      await render();
      panel.querySelector("tr.selected")?.scrollIntoView({ block: "nearest" });
    },
    onEvent(channel) {
      if (channel === "fleet_changed") providerStale = true;
      if (channel === "fleet_changed" || channel === "flow_changed") later.request();
    },
    leave() {
      later.cancel();
    },
  };
}

/** The operator's N for the open cycles, and the account's balance where the provider tells it. */
function desiredSize(cycles, costs, render) {
  const open = cycles.filter((c) => c.state === "planned" || c.state === "processing");
  const wanted = open[0]?.computeNodes ?? 0;
  const set = async () => {
    const computeNodes = Number(document.getElementById("desired").value);
    try {
      await api("/fleet/compute-nodes", { method: "PUT", body: { computeNodes } });
      toast(`N = ${computeNodes}`);
      await render();
    } catch (error) {
      toast(error.message);
    }
  };
  return el(
    "div",
    { class: "actions" },
    el("label", { for: "desired" }, "Compute nodes wanted for open cycles "),
    el("input", { id: "desired", type: "number", min: "0", max: "256", value: String(wanted) }),
    el("button", { type: "button", id: "set-n", onclick: set }, "Set N"),
    // In cents, as the CLI prints it: the provider answers with every digit its arithmetic left.
    costs.balance
      ? el(
          "span",
          { class: "muted balance" },
          `balance ${costs.balance.amount.toFixed(2)} ${costs.balance.currency}`,
        )
      : null,
  );
}

function nodesTable(nodes, actions, selected) {
  if (nodes.length === 0) return el("p", { class: "muted" }, "No node is running.");
  const button = (label, onclick) => el("button", { type: "button", class: "small", onclick }, label);
  return el(
    "table",
    { class: "nodes" },
    el(
      "tr",
      {},
      ["Name", "State", "Provider state", "Tags", "Id", "Actions"].map((h) => el("th", {}, h)),
    ),
    nodes.map((n) =>
      el(
        "tr",
        { "data-node": n.name, class: n.name === selected ? "selected" : null },
        el("td", {}, n.name),
        el("td", {}, n.state),
        el("td", {}, n.providerState),
        el(
          "td",
          {},
          Object.entries(n.tags ?? {})
            .map(([k, v]) => `${k}=${v}`)
            .join(" "),
        ),
        el("td", { class: "muted" }, n.id),
        el(
          "td",
          { class: "actions" },
          button("Log", () => actions.showLog(n)),
          button("User data", () => actions.showUserData(n)),
          // The data server is started and stopped by the fleet, never destroyed from here.
          n.tags?.["cloudburst-role"] === "data" ? null : button("Destroy", () => actions.destroy(n)),
        ),
      ),
    ),
  );
}

/** The node the timeline led to: its record, live or gone, and its actions while it has an id. */
function chosenNode(name, row, actions) {
  if (row.error) return el("p", { class: "error" }, `${name}: ${row.error.message}`);
  const node = { id: row.providerId, name: row.name, tags: {} };
  const fields = [
    ["Cycle", row.cycle],
    ["State", row.state],
    ["Provider id", row.providerId ?? "(not named)"],
    ["Requested", row.requestedAt],
    ["Ready", row.readyAt ?? ""],
    ["Gone", row.goneAt ?? ""],
    ["Error", row.error ?? ""],
  ];
  const live = row.goneAt === null && row.providerId;
  return el(
    "section",
    { class: "chosen-node", "aria-label": `node ${name}` },
    el("h3", {}, `Node ${name}`),
    el(
      "table",
      { class: "chosen" },
      fields.map(([key, value]) => el("tr", {}, el("th", {}, key), el("td", {}, value))),
    ),
    row.providerId
      ? el(
          "div",
          { class: "actions" },
          el("button", { type: "button", class: "small", onclick: () => actions.showLog(node) }, "Log"),
          el(
            "button",
            { type: "button", class: "small", onclick: () => actions.showUserData(node) },
            "User data",
          ),
          live
            ? el(
                "button",
                { type: "button", class: "small", onclick: () => actions.destroy(node) },
                "Destroy",
              )
            : null,
        )
      : null,
  );
}

/** A node's worker log (its end) or its user data (its token redacted), as the API gives them. */
async function detailSection({ node, kind }, close) {
  const path = `/fleet/nodes/${encodeURIComponent(node.id)}/${kind}`;
  let body;
  try {
    const answer = await api(path);
    body =
      kind === "log"
        ? answer.log === null
          ? el("p", { class: "muted" }, answer.why)
          : el("pre", { class: "node-log" }, answer.log)
        : el("pre", { class: "user-data" }, answer.userData);
  } catch (error) {
    body = el("p", { class: "error" }, error.message);
  }
  return el(
    "section",
    { class: "node-detail", "aria-label": `${kind} of ${node.name}` },
    el("h3", {}, `${kind === "log" ? "Worker log" : "User data"} of ${node.name}`),
    body,
    el("button", { type: "button", class: "small", onclick: close }, "Close"),
  );
}

/** Asks before a node is destroyed; resolves true when the operator confirms (Escape cancels). */
function confirmDestroy(dialog, node) {
  dialog.replaceChildren(
    el(
      "form",
      { method: "dialog" },
      el("p", {}, `Destroy ${node.name} (${node.id})?`),
      el(
        "p",
        { class: "muted" },
        "The task it runs is aborted now and retried on another node; the fleet replaces the node while its cycle wants it.",
      ),
      el(
        "div",
        { class: "actions" },
        el("button", { value: "destroy", class: "danger" }, "Destroy"),
        el("button", { value: "cancel", autofocus: "" }, "Cancel"),
      ),
    ),
  );
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) =>
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "destroy"), { once: true }),
  );
}

/** What we record beside what the provider lists and bills, with the leak check's verdicts. */
function comparison(records, leaks, selected, checkProvider) {
  const billed = leaks.items ?? [];
  const billedIds = new Set(billed.map((i) => i.resource.id));
  const ours = el(
    "table",
    { class: "records" },
    el(
      "tr",
      {},
      ["Name", "Cycle", "State", "Provider id", "Requested"].map((h) => el("th", {}, h)),
    ),
    records.map((r) =>
      el(
        "tr",
        {
          "data-record": r.name,
          // A live record the provider does not list: made and not yet named, or gone behind our back.
          class:
            [
              r.providerId && !leaks.error && !billedIds.has(r.providerId) ? "missing" : "",
              r.name === selected ? "selected" : "",
            ].join(" ") || null,
        },
        el("td", {}, r.name),
        el("td", {}, r.cycle),
        el("td", {}, r.state),
        el("td", { class: "muted" }, r.providerId ?? "(not named yet)"),
        el("td", {}, r.requestedAt.slice(0, 19).replace("T", " ")),
      ),
    ),
  );
  const theirs = leaks.error
    ? el("p", { class: "error" }, `The provider did not answer: ${leaks.error}`)
    : el(
        "table",
        { class: "billed" },
        el(
          "tr",
          {},
          ["Kind", "Name", "Id", "Billing", "Verdict", "Why"].map((h) => el("th", {}, h)),
        ),
        billed.map((i) =>
          el(
            "tr",
            {
              class: `verdict-${i.verdict}`,
              "data-verdict": i.verdict,
              "data-kind": i.resource.kind,
              "data-resource": i.resource.id,
            },
            el("td", {}, i.resource.kind),
            el("td", {}, i.resource.name),
            el("td", { class: "muted" }, i.resource.id),
            el("td", {}, i.resource.billing ? "yes" : "no"),
            el("td", { class: "verdict" }, i.verdict),
            el("td", {}, [i.why, i.resource.detail].filter(Boolean).join("; ")),
          ),
        ),
      );
  return el(
    "div",
    { class: "split fleet-compare" },
    el(
      "section",
      { "aria-label": "our records" },
      el("h3", {}, `Our records (${records.length} live)`),
      ours,
    ),
    el(
      "section",
      { "aria-label": "provider's view" },
      el(
        "h3",
        {},
        leaks.error
          ? "What the provider bills"
          : `What the provider bills: ${leaks.orphans} orphan(s), ${leaks.leaks} leak(s)`,
      ),
      el(
        "div",
        { class: "actions" },
        el("button", { type: "button", class: "small", onclick: checkProvider }, "Check the provider again"),
      ),
      theirs,
    ),
  );
}

function cyclesTable(cycles, costs) {
  const costOf = new Map(costs.cycles.map((c) => [c.cycle, c]));
  return el(
    "table",
    { class: "cycles" },
    el(
      "tr",
      {},
      ["Cycle", "State", "N", "Data at", "Lead time", "Node-minutes", "Cost"].map((h) => el("th", {}, h)),
    ),
    cycles.map((c) => {
      const cost = costOf.get(c.cycle);
      return el(
        "tr",
        { "data-fleet-cycle": c.cycle },
        el("td", {}, c.cycle),
        el("td", {}, c.state),
        el("td", {}, c.computeNodes),
        el("td", {}, c.dataAt),
        el("td", {}, c.leadTime?.seconds !== undefined ? `${Math.round(c.leadTime.seconds)} s` : ""),
        el("td", {}, cost ? (cost.nodeSeconds / 60).toFixed(1) : ""),
        el("td", { class: "cost" }, cost ? `${cost.cost.toFixed(4)} ${cost.currency}` : ""),
      );
    }),
  );
}
