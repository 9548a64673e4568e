// Timeline of a cycle: data arrival, compute node lifetimes, job runs and deliveries on one time axis,
// with ticks in seconds from the first event and each data arrival labelled with its forecast step.
import { api, el, toast } from "../app.js";

const svgNs = "http://www.w3.org/2000/svg";
const laneColours = {
  "data arrival": "#1f5fbf",
  "compute nodes": "#7a4fbf",
  jobs: "#2e9a3e",
  delivery: "#c77700",
};
const width = 1000;
const left = 130;
const right = 40;
const rowHeight = 11;
const barHeight = 7;
const lanePadding = 8;
/** Widths of a step label in chart units (about 6 per character at font size 9), kept clear of the next bar. */
const labelGap = 3;
const charWidth = 5.5;

function svg(tag, attributes = {}, text) {
  const element = document.createElementNS(svgNs, tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** A tick interval (in seconds) that gives about `count` ticks over `span` seconds: 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10, 15, 30 min, 1 h... */
function tickInterval(span, count = 10) {
  const nice = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600];
  return nice.find((n) => span / n <= count) ?? nice.at(-1);
}

/** A tick's label: seconds from the start, in minutes once ticks are a minute or more apart. */
function tickLabel(seconds, interval) {
  if (interval < 1) return `${seconds.toFixed(1)} s`;
  if (interval < 60) return `${seconds} s`;
  if (interval < 3600) return `${seconds / 60} min`;
  return `${seconds / 3600} h`;
}

function stepLabel(step) {
  return `+${step}h`;
}

/**
 * Places each bar in the first row where it (and its label) does not overlap the previous bar, so
 * that bars and labels stay readable however many there are. Returns the rows used.
 */
function packRows(bars) {
  const rowEnds = [];
  for (const bar of bars) {
    let row = rowEnds.findIndex((end) => end <= bar.x);
    if (row === -1) row = rowEnds.push(0) - 1;
    bar.row = row;
    rowEnds[row] = bar.x + bar.width + (bar.label ? labelGap + bar.label.length * charWidth : 0) + 2;
  }
  return Math.max(1, rowEnds.length);
}

export function timelineView(main) {
  const panel = el("section", { class: "panel", "aria-label": "timeline" });
  main.append(panel);
  let timer = null;

  async function render() {
    const data = await api("/timeline");
    const lanes = [
      { name: "data arrival", items: data.arrivals, labelled: true },
      { name: "compute nodes", items: data.nodes },
      { name: "jobs", items: data.jobs },
      { name: "delivery", items: data.deliveries },
    ];
    const now = Date.now();
    const times = lanes.flatMap((l) =>
      l.items.flatMap((i) => [Date.parse(i.start), i.end ? Date.parse(i.end) : now]),
    );
    if (times.length === 0) {
      panel.replaceChildren(
        el("h2", {}, "Cycle timeline"),
        el("p", { class: "muted" }, "Nothing has happened yet."),
      );
      return;
    }
    const t0 = Math.min(...times);
    const t1 = Math.max(...times, t0 + 1000);
    const x = (t) => left + ((t - t0) / (t1 - t0)) * (width - left - right);
    const laneBars = lanes.map((lane) => barsOf(lane, x, now));
    const heights = laneBars.map((bars) => packRows(bars) * rowHeight + 2 * lanePadding);
    const axisTop = heights.reduce((a, b) => a + b, 0);
    const chart = svg("svg", {
      class: "timeline",
      viewBox: `0 0 ${width} ${axisTop + 34}`,
      role: "img",
      "aria-label": `timeline from ${new Date(t0).toISOString()}`,
    });
    chart.append(axis(t0, t1, x, axisTop));
    let y = 0;
    lanes.forEach((lane, i) => {
      chart.append(laneGroup(lane, laneBars[i], y, heights[i], i % 2 === 1));
      y += heights[i];
    });
    panel.replaceChildren(
      el("h2", {}, `Cycle timeline ${data.cycle ?? ""}`),
      chart,
      el(
        "p",
        { class: "muted" },
        "Seconds from the first event; data arrivals are labelled with their forecast step. Hover a bar for its name and times.",
      ),
    );
  }

  return {
    enter: render,
    onEvent() {
      clearTimeout(timer);
      timer = setTimeout(() => render().catch((error) => toast(error.message)), 500);
    },
    leave() {
      clearTimeout(timer);
    },
  };
}

/** The lane's items as bars in chart units, in time order, labelled with the step where the lane wants it. */
function barsOf(lane, x, now) {
  return lane.items
    .map((item) => {
      const start = Date.parse(item.start);
      const end = item.end ? Date.parse(item.end) : now;
      const hasStep = lane.labelled && item.step !== null && item.step !== undefined;
      return {
        item,
        x: x(start),
        width: Math.max(2, x(end) - x(start)),
        label: hasStep ? stepLabel(item.step) : null,
        row: 0,
      };
    })
    .sort((a, b) => a.x - b.x);
}

function laneGroup(lane, bars, top, height, shaded) {
  const group = svg("g", { "data-lane": lane.name });
  group.append(
    // Translucent, so the axis' grid lines drawn before stay visible through every other lane's shade.
    svg("rect", { x: 0, y: top, width, height, class: shaded ? "lane shaded" : "lane" }),
    svg("text", { x: 4, y: top + height / 2 + 4, "font-size": 12 }, `${lane.name} (${lane.items.length})`),
  );
  for (const bar of bars) {
    const y = top + lanePadding + bar.row * rowHeight;
    const failed = bar.item.state === "aborted" || bar.item.state === "failed";
    const rect = svg("rect", {
      x: bar.x,
      y,
      width: bar.width,
      height: barHeight,
      fill: failed ? "#e00" : laneColours[lane.name],
      "data-lane": lane.name,
    });
    const step = bar.item.step === null || bar.item.step === undefined ? "" : ` (step ${bar.item.step})`;
    rect.append(svg("title", {}, `${bar.item.label}${step}: ${bar.item.start} → ${bar.item.end ?? "now"}`));
    group.append(rect);
    if (bar.label)
      group.append(
        svg(
          "text",
          {
            x: bar.x + bar.width + labelGap,
            y: y + barHeight,
            "font-size": 9,
            class: "step-label",
            "data-step": bar.item.step,
          },
          bar.label,
        ),
      );
  }
  return group;
}

/** Tick marks, grid lines and labels in seconds from t0, plus the start and end as UTC times. */
function axis(t0, t1, x, top) {
  const group = svg("g", { class: "axis" });
  const span = (t1 - t0) / 1000;
  const interval = tickInterval(span);
  // Counted in whole ticks: adding 0.1 s ten times is not 1 s.
  for (let i = 0; i * interval <= span; i++) {
    const s = i * interval;
    const at = x(t0 + s * 1000);
    group.append(
      svg("line", { x1: at, x2: at, y1: 0, y2: top, class: "grid" }),
      svg("line", { x1: at, x2: at, y1: top, y2: top + 5, class: "tick" }),
      svg(
        "text",
        { x: at, y: top + 16, "font-size": 10, "text-anchor": "middle", class: "tick-label" },
        tickLabel(s, interval),
      ),
    );
  }
  group.append(
    svg("line", { x1: left, x2: width - right, y1: top, y2: top, class: "tick" }),
    svg("text", { x: left, y: top + 30, "font-size": 10, class: "muted" }, `${utc(t0)} UTC`),
    svg(
      "text",
      { x: width - right, y: top + 30, "font-size": 10, "text-anchor": "end", class: "muted" },
      `${utc(t1)} UTC (+${Math.round(span)} s)`,
    ),
  );
  return group;
}

function utc(t) {
  return new Date(t).toISOString().replace("T", " ").slice(0, 19);
}
