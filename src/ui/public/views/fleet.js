// Fleet: the provider's nodes with their states and tags, the cycles' desired size (the operator's N),
// the learned lead time, and the costs per cycle.
import { api, el, toast } from "../app.js";

export function fleetView(main) {
  const panel = el("section", { class: "panel", "aria-label": "fleet" });
  main.append(panel);

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
    const [cycles, costs] = await Promise.all([api("/fleet/cycles"), api("/fleet/costs")]);
    const open = cycles.filter((c) => c.state === "planned" || c.state === "processing");
    const wanted = open[0]?.computeNodes ?? 0;
    const costOf = new Map(costs.cycles.map((c) => [c.cycle, c]));
    panel.replaceChildren(
      el("h2", {}, `Fleet (${costs.environment})`),
      el(
        "div",
        { class: "actions" },
        el("label", { for: "desired" }, "Compute nodes wanted for open cycles "),
        el("input", { id: "desired", type: "number", min: "0", max: "256", value: String(wanted) }),
        el(
          "button",
          {
            type: "button",
            id: "set-n",
            onclick: async () => {
              const computeNodes = Number(document.getElementById("desired").value);
              try {
                await api("/fleet/compute-nodes", { method: "PUT", body: { computeNodes } });
                toast(`N = ${computeNodes}`);
                await render();
              } catch (error) {
                toast(error.message);
              }
            },
          },
          "Set N",
        ),
        costs.balance
          ? el(
              "span",
              { class: "muted" },
              `balance ${costs.balance.amount ?? ""} ${costs.balance.currency ?? ""}`,
            )
          : null,
      ),
      el("h3", {}, "Nodes"),
      nodes.length === 0
        ? el("p", { class: "muted" }, "No node is running.")
        : el(
            "table",
            { class: "nodes" },
            el(
              "tr",
              {},
              ["Name", "State", "Provider state", "Tags", "Id"].map((h) => el("th", {}, h)),
            ),
            nodes.map((n) =>
              el(
                "tr",
                {},
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
              ),
            ),
          ),
      el("h3", {}, "Cycles"),
      el(
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
            {},
            el("td", {}, c.cycle),
            el("td", {}, c.state),
            el("td", {}, c.computeNodes),
            el("td", {}, c.dataAt),
            el("td", {}, c.leadTime?.seconds !== undefined ? `${Math.round(c.leadTime.seconds)} s` : ""),
            el("td", {}, cost ? (cost.nodeSeconds / 60).toFixed(1) : ""),
            el("td", {}, cost ? `${cost.cost.toFixed(4)} ${cost.currency}` : ""),
          );
        }),
      ),
    );
  }

  return {
    enter: render,
    onEvent(channel) {
      if (channel === "fleet_changed" || channel === "flow_changed")
        render().catch((error) => toast(error.message));
    },
  };
}
