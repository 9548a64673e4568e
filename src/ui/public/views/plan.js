// Plan: the capacity planner (GET /api/plan). A question (grid, steps, provider, deadline, probability),
// then each policy's cost per cycle against the share of simulated cycles it keeps on time, every
// setting tried as a small dot, each policy's chosen one as a large dot, the clairvoyant floor as a line,
// the recommendation and the inputs' sources. Self-contained: its own chart, the shell's api() and el().
import { api, el } from "../app.js";

const svgNs = "http://www.w3.org/2000/svg";
const colours = { thesis: "#b45309", "learned-lead": "#2563eb", autoscale: "#15803d", floor: "#6b7280" };

function svg(tag, attributes = {}, text) {
  const element = document.createElementNS(svgNs, tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

function field(id, label, input) {
  return el("label", { for: id }, `${label} `, input);
}

function questionForm(onPlan) {
  const input = (id, value, attributes = {}) => el("input", { id, value, size: "8", ...attributes });
  const provider = el(
    "select",
    { id: "plan-provider" },
    el("option", { value: "" }, "configured"),
    el("option", { value: "cloudsigma" }, "cloudsigma"),
    el("option", { value: "local" }, "local"),
  );
  const form = el(
    "form",
    {
      class: "actions",
      onsubmit: (event) => {
        event.preventDefault();
        const query = new URLSearchParams();
        for (const [name, id] of [
          ["grid", "plan-grid"],
          ["steps", "plan-steps"],
          ["deadline", "plan-deadline"],
          ["probability", "plan-probability"],
          ["cycles", "plan-cycles"],
          ["products", "plan-products"],
          ["timeFactor", "plan-time-factor"],
        ]) {
          const value = document.getElementById(id).value.trim();
          if (value) query.set(name, value);
        }
        if (provider.value) query.set("provider", provider.value);
        onPlan(query);
      },
    },
    field("plan-grid", "grid (°)", input("plan-grid", "", { placeholder: "latest" })),
    field("plan-steps", "steps", input("plan-steps", "0-360")),
    field("plan-provider", "provider", provider),
    field("plan-deadline", "deadline", input("plan-deadline", "none", { placeholder: "90min, T+7h30m" })),
    field("plan-probability", "probability", input("plan-probability", "0.99")),
    field("plan-cycles", "cycles", input("plan-cycles", "200")),
    field("plan-products", "products", input("plan-products", "", { placeholder: "all" })),
    field("plan-time-factor", "time factor", input("plan-time-factor", "1")),
    el("button", { type: "submit", id: "plan-run" }, "Plan"),
  );
  return form;
}

/** Cost per cycle (node-minutes when nothing costs money) against the on-time rate. */
export function planChart(report) {
  const priced = report.policies.some((p) => p.costPerCycle > 0);
  const y = (p) => (priced ? p.costPerCycle : p.nodeMinutes);
  const points = [
    ...report.tried.map((t) => ({ ...t, chosen: false })),
    ...report.policies.map((p) => ({ policy: p.name, ...p, chosen: true })),
  ];
  const width = 640;
  const height = 320;
  const m = { left: 70, right: 20, top: 20, bottom: 50 };
  const target = report.question.probability;
  const xMin = Math.max(0, Math.min(target - 0.05, ...points.map((p) => p.onTimeRate)) - 0.01);
  const yMax = Math.max(y(report.floor), ...points.map(y)) * 1.1 || 1;
  const sx = (v) => m.left + ((v - xMin) / (1 - xMin || 1)) * (width - m.left - m.right);
  const sy = (v) => height - m.bottom - (v / yMax) * (height - m.top - m.bottom);
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "img",
    "aria-label": "cost against on-time rate per policy",
    class: "plan-chart",
  });
  chart.append(
    svg("line", {
      x1: m.left,
      y1: height - m.bottom,
      x2: width - m.right,
      y2: height - m.bottom,
      stroke: "#9ca3af",
    }),
    svg("line", { x1: m.left, y1: m.top, x2: m.left, y2: height - m.bottom, stroke: "#9ca3af" }),
    svg("line", {
      x1: sx(target),
      y1: m.top,
      x2: sx(target),
      y2: height - m.bottom,
      stroke: "#9ca3af",
      "stroke-dasharray": "4 3",
    }),
    svg("line", {
      x1: m.left,
      y1: sy(y(report.floor)),
      x2: width - m.right,
      y2: sy(y(report.floor)),
      stroke: colours.floor,
      "stroke-dasharray": "2 3",
      "data-series": "floor",
    }),
    svg(
      "text",
      {
        x: width - m.right,
        y: sy(y(report.floor)) - 4,
        "text-anchor": "end",
        "font-size": 11,
        fill: colours.floor,
      },
      "clairvoyant floor",
    ),
    svg(
      "text",
      { x: (m.left + width - m.right) / 2, y: height - 12, "text-anchor": "middle", "font-size": 12 },
      "share of cycles on time",
    ),
    svg(
      "text",
      {
        x: 14,
        y: (m.top + height - m.bottom) / 2,
        "font-size": 12,
        transform: `rotate(-90 14 ${(m.top + height - m.bottom) / 2})`,
        "text-anchor": "middle",
      },
      priced ? `cost per cycle (${report.currency})` : "node-minutes per cycle",
    ),
  );
  for (const tick of [xMin, (xMin + 1) / 2, target, 1])
    chart.append(
      svg(
        "text",
        { x: sx(tick), y: height - m.bottom + 16, "text-anchor": "middle", "font-size": 11 },
        `${(tick * 100).toFixed(1)}%`,
      ),
    );
  for (const tick of [0, yMax / 2, yMax / 1.1])
    chart.append(
      svg(
        "text",
        { x: m.left - 6, y: sy(tick) + 4, "text-anchor": "end", "font-size": 11 },
        tick.toPrecision(3),
      ),
    );
  for (const p of points) {
    const dot = svg("circle", {
      cx: sx(p.onTimeRate),
      cy: sy(y(p)),
      r: p.chosen ? 7 : 3,
      fill: colours[p.policy] ?? "#000",
      "fill-opacity": p.chosen ? 0.9 : 0.35,
      "data-policy": p.policy,
      "data-chosen": p.chosen ? "1" : "0",
    });
    const settings = Object.entries(p.parameters)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    dot.append(
      svg(
        "title",
        {},
        `${p.policy} (${settings}): ${(p.onTimeRate * 100).toFixed(1)}% on time, ${y(p)} ${priced ? report.currency : "node-minutes"}`,
      ),
    );
    chart.append(dot);
  }
  let lx = m.left + 8;
  for (const [name, colour] of Object.entries(colours)) {
    chart.append(
      svg("circle", { cx: lx, cy: m.top + 2, r: 5, fill: colour }),
      svg("text", { x: lx + 8, y: m.top + 6, "font-size": 11 }, name),
    );
    lx += 24 + name.length * 7;
  }
  return chart;
}

function policyTable(report) {
  const c = report.currency;
  return el(
    "table",
    { class: "plan-policies" },
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        ...["policy", "settings", "node-min", "× floor", `cost/cycle (${c})`, "on time", "p95 latency"].map(
          (h) => el("th", {}, h),
        ),
      ),
    ),
    el(
      "tbody",
      {},
      ...report.policies.map((p) =>
        el(
          "tr",
          { "data-policy": p.name },
          el("td", {}, p.name),
          el(
            "td",
            {},
            Object.entries(p.parameters)
              .map(([k, v]) => `${k} ${v}`)
              .join(", "),
          ),
          el("td", {}, String(p.nodeMinutes)),
          el("td", {}, String(p.floorRatio)),
          el("td", {}, String(p.costPerCycle)),
          el("td", {}, `${(p.onTimeRate * 100).toFixed(1)}%`),
          el("td", {}, `${p.p95LatencySeconds} s`),
        ),
      ),
    ),
  );
}

export function planView(main) {
  const panel = el("section", { class: "panel", "aria-label": "plan" });
  const result = el("div", { id: "plan-result" });
  main.append(panel);

  async function plan(query) {
    result.replaceChildren(el("p", { class: "muted" }, "Simulating…"));
    try {
      const report = await api(`/plan?${query}`);
      result.replaceChildren(
        el("p", { id: "plan-recommendation" }, report.recommendation.summary),
        planChart(report),
        policyTable(report),
        ...report.warnings.map((w) => el("p", { class: "muted" }, `warning: ${w}`)),
        el(
          "p",
          { class: "muted" },
          `${report.question.cycles} cycles simulated in ${report.elapsedSeconds} s`,
        ),
      );
    } catch (error) {
      result.replaceChildren(el("p", { class: "error" }, error.message));
    }
  }

  return {
    async enter() {
      panel.replaceChildren(
        el("h2", {}, "Plan"),
        el(
          "p",
          { class: "muted" },
          "The cheapest fleet that meets the deadline, from the recorded cycles: whole cycles simulated, the policies side by side.",
        ),
        questionForm(plan),
        result,
      );
    },
  };
}
