// Alerts: what reached the operators, newest first, with the provider's code, meaning and runbook;
// filtered by kind, severity and state; each problem acknowledged, or its alerts silenced for a time.
import { api, el, toast } from "../app.js";

/** One header per cell of alertRow, in the same order. */
const alertColumns = ["Time", "Severity", "What", "Provider answer", "Channel", "State", ""];
const severities = ["critical", "warning", "info"];
const states = ["open", "acknowledged", "held"];
/** Silence lengths offered, in minutes. */
const silenceLengths = [
  ["1 hour", 60],
  ["4 hours", 240],
  ["1 day", 1440],
  ["1 week", 10080],
];

function stateText(a) {
  if (a.state === "acknowledged") return `acknowledged by ${a.acknowledgedBy}`;
  // A held alert was not sent (a duplicate, over the rate limit, silenced): say why.
  return a.state === "held" ? `held: ${a.held}` : "open";
}

function choice(label, name, options, value, onChange) {
  return el(
    "label",
    {},
    `${label} `,
    el(
      "select",
      { name, onchange: (event) => onChange(event.target.value || undefined) },
      el("option", { value: "" }, "all"),
      options.map((o) => el("option", { value: o, selected: o === value }, o)),
    ),
  );
}

export function alertsView(main) {
  const panel = el("section", { class: "panel", "aria-label": "alerts" });
  const silencesPanel = el("section", { class: "panel", "aria-label": "silences" });
  main.append(panel, silencesPanel);
  const filter = { kind: undefined, severity: undefined, state: undefined };

  async function act(what, call) {
    try {
      await call();
      await render();
    } catch (error) {
      toast(`${what}: ${error.message}`);
    }
  }

  function silenceForm(a) {
    const length = el(
      "select",
      { "aria-label": `silence length for alert ${a.id}` },
      silenceLengths.map(([label, minutes]) => el("option", { value: minutes }, label)),
    );
    const matcher = el("select", { "aria-label": `what to silence for alert ${a.id}` }, [
      el("option", { value: a.key }, "this problem"),
      el("option", { value: `${a.kind}:*` }, `every ${a.kind} alert`),
    ]);
    return el(
      "form",
      {
        class: "silence",
        onsubmit: (event) => {
          event.preventDefault();
          act("silence", () =>
            api("/alerts/silences", {
              method: "POST",
              body: {
                matcher: matcher.value,
                minutes: Number(length.value),
                reason: `silenced from the UI after alert ${a.id}: ${a.title}`.slice(0, 1000),
              },
            }),
          );
        },
      },
      matcher,
      length,
      el("button", { type: "submit" }, "Silence"),
    );
  }

  function alertRow(a) {
    return el(
      "tr",
      { "data-alert": a.id, "data-state": a.state },
      el("td", {}, a.at),
      el("td", { class: `severity-${a.severity}` }, a.severity),
      el(
        "td",
        {},
        el("strong", {}, a.title),
        a.text ? el("div", { class: "muted" }, a.text) : null,
        a.runbook ? el("a", { href: a.runbook, rel: "noreferrer" }, "runbook") : null,
      ),
      el("td", {}, a.httpCode ? `${a.httpCode} ${a.meaning ?? ""}` : ""),
      el("td", {}, a.channel),
      el("td", {}, stateText(a)),
      el(
        "td",
        { class: "actions" },
        a.state === "acknowledged"
          ? null
          : el(
              "button",
              {
                type: "button",
                onclick: () =>
                  act("acknowledge", () => api(`/alerts/${a.id}/acknowledge`, { method: "POST" })),
              },
              "Acknowledge",
            ),
        silenceForm(a),
      ),
    );
  }

  function silenceRow(s) {
    return el(
      "tr",
      { "data-silence": s.id },
      el("td", {}, s.matcher),
      el("td", {}, s.reason),
      el("td", {}, s.createdBy),
      el("td", {}, s.endsAt),
      el(
        "td",
        {},
        el(
          "button",
          {
            type: "button",
            onclick: () => act("end silence", () => api(`/alerts/silences/${s.id}`, { method: "DELETE" })),
          },
          "End",
        ),
      ),
    );
  }

  async function render() {
    const query = new URLSearchParams({ limit: "100" });
    for (const [key, value] of Object.entries(filter)) if (value) query.set(key, value);
    let alerts;
    try {
      alerts = await api(`/alerts?${query}`);
    } catch (error) {
      if (error.status === 404) {
        panel.replaceChildren(el("p", { class: "muted" }, "Alerts are not enabled on this server."));
        return;
      }
      throw error;
    }
    const [kinds, silences] = await Promise.all([api("/alerts/kinds"), api("/alerts/silences")]);
    const refilter = (key) => (value) => {
      filter[key] = value;
      render().catch((error) => toast(error.message));
    };
    panel.replaceChildren(
      el("h2", {}, "Alerts"),
      el(
        "div",
        { class: "filters" },
        choice("Kind", "kind", kinds, filter.kind, refilter("kind")),
        choice("Severity", "severity", severities, filter.severity, refilter("severity")),
        choice("State", "state", states, filter.state, refilter("state")),
      ),
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
    silencesPanel.replaceChildren(
      el("h2", {}, "Silences"),
      silences.length === 0
        ? el("p", { class: "muted" }, "No silence is running.")
        : el(
            "table",
            { class: "silences" },
            el(
              "tr",
              {},
              ["Matches", "Reason", "By", "Ends", ""].map((h) => el("th", {}, h)),
            ),
            silences.map(silenceRow),
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
