// Alerts: what reached the operators, newest first, with the provider's code, meaning and runbook.
import { api, el, toast } from "../app.js";

/** One header per cell of alertRow, in the same order. */
const alertColumns = ["Time", "Severity", "What", "Provider answer", "Channel", "Runbook"];

function alertRow(a) {
  return el(
    "tr",
    { "data-alert": a.id },
    el("td", {}, a.at),
    el("td", { class: `severity-${a.severity}` }, a.severity),
    el("td", {}, el("strong", {}, a.title), a.text ? el("div", { class: "muted" }, a.text) : null),
    el("td", {}, a.httpCode ? `${a.httpCode} ${a.meaning ?? ""}` : ""),
    // A held alert was not sent (a duplicate, or over the rate limit): say why.
    el("td", {}, a.held ? `${a.channel} (held: ${a.held})` : a.channel),
    el("td", {}, a.runbook ? el("a", { href: a.runbook, rel: "noreferrer" }, "runbook") : ""),
  );
}

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
            { class: "alerts" },
            el(
              "tr",
              {},
              alertColumns.map((h) => el("th", {}, h)),
            ),
            alerts.map(alertRow),
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
