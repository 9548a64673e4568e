// Fleet: the provider's nodes with their states and tags, the desired size and the costs.
import { api, el, toast } from "../app.js";

export function fleetView(main) {
  const panel = el("section", { class: "panel", "aria-label": "fleet" });
  main.append(panel);

  async function render() {
    let fleet;
    try {
      fleet = await api("/fleet");
    } catch (error) {
      if (error.status === 404) {
        panel.replaceChildren(el("p", { class: "muted" }, "No fleet is configured on this server."));
        return;
      }
      throw error;
    }
    const nodes = fleet.nodes ?? [];
    panel.replaceChildren(
      el("h2", {}, `Fleet (${fleet.provider ?? "provider"})`),
      el(
        "div",
        { class: "actions" },
        el("label", { for: "desired" }, "Compute nodes wanted "),
        el("input", {
          id: "desired",
          type: "number",
          min: "0",
          value: String(fleet.desired ?? nodes.length),
        }),
        el(
          "button",
          {
            type: "button",
            onclick: async () => {
              const count = Number(document.getElementById("desired").value);
              try {
                await api("/fleet/desired", { method: "POST", body: { count } });
                toast(`asked for ${count} nodes`);
                await render();
              } catch (error) {
                toast(error.message);
              }
            },
          },
          "Set N",
        ),
      ),
      el(
        "table",
        {},
        el(
          "tr",
          {},
          ["Name", "State", "Tags", "Id", "Since"].map((h) => el("th", {}, h)),
        ),
        nodes.map((n) =>
          el(
            "tr",
            {},
            el("td", {}, n.name),
            el("td", {}, n.state),
            el("td", {}, (n.tags ?? []).join(", ")),
            el("td", { class: "muted" }, n.id),
            el("td", {}, n.createdAt ?? ""),
          ),
        ),
      ),
      fleet.costs
        ? el(
            "p",
            {},
            `This cycle: ${fleet.costs.nodeSeconds ?? 0} node-seconds, ${fleet.costs.amount ?? 0} ${fleet.costs.currency ?? ""}`,
          )
        : null,
    );
  }

  return {
    enter: render,
    onEvent(channel) {
      if (channel === "fleet_changed") render().catch((error) => toast(error.message));
    },
  };
}
