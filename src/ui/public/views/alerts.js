// Alerts: what reached the operators, newest first, with the provider's code, meaning and runbook.
import { api, el, toast } from "../app.js";

export function alertsView(main) {
  const panel = el("section", { class: "panel", "aria-label": "alerts" });
  main.append(panel);

  async function render() {
    let alerts;
    try {
      alerts = await api("/alerts?limit=100");
    } catch (error) {
      if (error.status === 404) {
        panel.replaceChildren(el("p", { class: "muted" }, "Alerts are not enabled on this server."));
        return;
      }
      throw error;
    }
    panel.replaceChildren(
      el("h2", {}, "Alerts"),
      alerts.length === 0
        ? el("p", { class: "muted" }, "No alerts.")
        : el(
            "table",
            {},
            el(
              "tr",
              {},
              ["Time", "Severity", "What", "Runbook"].map((h) => el("th", {}, h)),
            ),
            alerts.map((a) =>
              el(
                "tr",
                {},
                el("td", {}, a.at ?? a.createdAt ?? ""),
                el("td", {}, a.severity ?? ""),
                el("td", {}, a.title ?? a.message ?? ""),
                el("td", {}, a.runbook ? el("a", { href: a.runbook, rel: "noreferrer" }, "runbook") : ""),
              ),
            ),
          ),
    );
  }

  return {
    enter: render,
    onEvent(channel) {
      if (channel === "alert_raised") render().catch((error) => toast(error.message));
    },
  };
}
