// Timeline of a cycle (picked from the cycles with deliveries): data arrival, compute node lifetimes, job
// runs and deliveries on one time axis, with ticks in seconds from the window's start and each data
// arrival labelled with its forecast step. Zoom (wheel, buttons) and pan (drag, buttons); hovering or
// focusing a bar describes it, clicking it (or Enter) goes to its task, its node or its file.
import { api, el, redrawLater } from "../app.js";

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

export function timelineView(main, chosenCycle) {
  const panel = el("section", { class: "panel", "aria-label": "timeline" });
  main.append(panel);
  const later = redrawLater(load, 500);
  /** The fetched timeline, the cycles to pick from, the shown window [v0, v1] (ms) and the detail shown. */
  const state = { data: null, cycles: [], window: null, detail: null };

  async function load() {
    const query = chosenCycle ? `?cycle=${encodeURIComponent(chosenCycle)}` : "";
    [state.data, state.cycles] = await Promise.all([api(`/timeline${query}`), api("/timeline/cycles")]);
    draw();
  }

  function draw() {
    const data = state.data;
    const lanes = lanesOf(data);
    const now = Date.now();
    const times = lanes.flatMap((l) =>
      l.items.flatMap((i) => [Date.parse(i.start), i.end ? Date.parse(i.end) : now]),
    );
    const heading = el(
      "div",
      { class: "actions timeline-head" },
      el("h2", {}, `Cycle timeline ${data.cycle ?? ""}`),
      cyclePicker(state.cycles, data.cycle),
    );
    if (times.length === 0) {
      panel.replaceChildren(heading, el("p", { class: "muted" }, "Nothing has happened yet."));
      return;
    }
    const whole = [Math.min(...times), Math.max(...times, Math.min(...times) + 1000)];
    const [v0, v1] = state.window ?? whole;
    const info = el("p", { class: "hover-info muted", "aria-live": "polite" }, "Hover or focus a bar.");
    const chart = drawChart(lanes, v0, v1, now, {
      hover: (item) => {
        info.textContent = describe(item);
      },
      open: (item) => openTarget(item.target),
    });
    followGestures(chart, v0, v1, zoomTo);
    panel.replaceChildren(
      heading,
      zoomControls(v0, v1, whole, zoomTo),
      chart,
      info,
      el(
        "p",
        { class: "muted" },
        "Seconds from the window's start; data arrivals are labelled with their forecast step. Wheel to zoom, drag to pan; click a bar (or Enter) for its task, node or file.",
      ),
      ...(state.detail ? [state.detail] : []),
    );
  }

  function zoomTo(v0, v1) {
    state.window = [v0, v1];
    draw();
  }

  async function openTarget(target) {
    if (target.kind === "task") location.hash = `#/suites/${encodeURIComponent(target.name)}`;
    else if (target.kind === "node") location.hash = `#/fleet/${encodeURIComponent(target.name)}`;
    else {
      state.detail = await targetDetail(target);
      draw();
      state.detail.scrollIntoView({ block: "nearest" });
    }
  }

  return {
    enter: load,
    onEvent() {
      later.request();
    },
    leave() {
      later.cancel();
    },
  };
}

function lanesOf(data) {
  return [
    { name: "data arrival", items: data.arrivals, labelled: true },
    { name: "compute nodes", items: data.nodes },
    { name: "jobs", items: data.jobs },
    { name: "delivery", items: data.deliveries },
  ];
}

/** The chart of the lanes over the window [v0, v1]; bars call `on.hover` and `on.open` with their item. */
function drawChart(lanes, v0, v1, now, on) {
  const x = (t) => left + ((t - v0) / (v1 - v0)) * (width - left - right);
  const laneBars = lanes.map((lane) => barsOf(lane, x, now));
  const heights = laneBars.map((bars) => packRows(bars) * rowHeight + 2 * lanePadding);
  const axisTop = heights.reduce((a, b) => a + b, 0);
  const chart = svg("svg", {
    class: "timeline",
    viewBox: `0 0 ${width} ${axisTop + 34}`,
    role: "group",
    "aria-label": `timeline from ${new Date(v0).toISOString()} to ${new Date(v1).toISOString()}`,
  });
  // Bars outside the window are cut at the plot's edges, not drawn over the lane names.
  const clip = svg("clipPath", { id: "plot" });
  clip.append(svg("rect", { x: left, y: 0, width: width - left - right, height: axisTop }));
  const defs = svg("defs");
  defs.append(clip);
  chart.append(defs, axis(v0, v1, x, axisTop));
  let y = 0;
  lanes.forEach((lane, i) => {
    chart.append(laneGroup(lane, laneBars[i], y, heights[i], i % 2 === 1, on));
    y += heights[i];
  });
  return chart;
}

/** A select of the cycles with deliveries; choosing one opens its timeline (#/timeline/CYCLE). */
function cyclePicker(cycles, current) {
  const names = cycles.map((c) => c.cycle);
  if (current && !names.includes(current)) names.unshift(current);
  return el(
    "label",
    {},
    "Cycle ",
    el(
      "select",
      {
        name: "cycle",
        onchange: (event) => {
          location.hash = `#/timeline/${encodeURIComponent(event.target.value)}`;
        },
      },
      names.map((name) => el("option", { value: name, selected: name === current }, name)),
    ),
  );
}

/** Buttons for the keyboard: zoom in and out about the middle, move by half a window, the whole cycle. */
function zoomControls(v0, v1, whole, zoomTo) {
  const span = v1 - v0;
  const middle = (v0 + v1) / 2;
  const button = (label, onclick) => el("button", { type: "button", class: "small", onclick }, label);
  return el(
    "div",
    { class: "actions", "aria-label": "zoom" },
    button("Zoom in", () => zoomTo(middle - span / 4, middle + span / 4)),
    button("Zoom out", () => zoomTo(middle - span, middle + span)),
    button("Earlier", () => zoomTo(v0 - span / 2, v1 - span / 2)),
    button("Later", () => zoomTo(v0 + span / 2, v1 + span / 2)),
    button("Whole cycle", () => zoomTo(whole[0], whole[1])),
  );
}

/** Wheel zooms about the pointer; a drag pans. Both in the chart's own units (its viewBox). */
function followGestures(chart, v0, v1, zoomTo) {
  const msPerUnit = (v1 - v0) / (width - left - right);
  const unitsOf = (event) => {
    const box = chart.getBoundingClientRect();
    return ((event.clientX - box.left) / box.width) * width;
  };
  chart.addEventListener(
    "wheel",
    (event) => {
      event.preventDefault();
      const at = v0 + (unitsOf(event) - left) * msPerUnit;
      const factor = event.deltaY < 0 ? 0.8 : 1.25;
      zoomTo(at - (at - v0) * factor, at + (v1 - at) * factor);
    },
    { passive: false },
  );
  let from = null;
  chart.addEventListener("pointerdown", (event) => {
    from = unitsOf(event);
  });
  chart.addEventListener("pointerup", (event) => {
    if (from === null) return;
    const moved = unitsOf(event) - from;
    from = null;
    // A click is not a drag: a bar's click handler follows its target.
    if (Math.abs(moved) > 3) zoomTo(v0 - moved * msPerUnit, v1 - moved * msPerUnit);
  });
}

function describe(item) {
  const step = item.step === null || item.step === undefined ? "" : ` (step ${item.step})`;
  const seconds = item.end ? ` ${((Date.parse(item.end) - Date.parse(item.start)) / 1000).toFixed(1)} s` : "";
  return `${item.target.kind} ${item.label}${step}: ${item.start} → ${item.end ?? "now"}${seconds}${item.state ? `, ${item.state}` : ""}`;
}

/** What the timeline knows of a file or a product: the ingest record of a file, the delivery of a product. */
async function targetDetail(target) {
  const section = el(
    "section",
    { class: "target-detail", "aria-label": `${target.kind} ${target.name}` },
    el("h3", {}, `${target.kind === "file" ? "File" : "Product"} ${target.name}`),
  );
  if (target.kind !== "file") {
    section.append(
      el("p", { class: "muted" }, "Delivered as the bar shows; the Catalogue tab lists it with its map."),
    );
    return section;
  }
  const [file] = await api(`/ingest/files?name=${encodeURIComponent(target.name)}&limit=1`);
  if (!file) section.append(el("p", { class: "muted" }, "The catalogue no longer lists it."));
  else
    section.append(
      el(
        "table",
        { class: "file" },
        Object.entries(file).map(([key, value]) =>
          el("tr", {}, el("th", {}, key), el("td", {}, value === null ? "" : String(value))),
        ),
      ),
    );
  return section;
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

function laneGroup(lane, bars, top, height, shaded, on) {
  const group = svg("g", { "data-lane": lane.name });
  const plot = svg("g", { "clip-path": "url(#plot)" });
  group.append(
    // Translucent, so the axis' grid lines drawn before stay visible through every other lane's shade.
    svg("rect", { x: 0, y: top, width, height, class: shaded ? "lane shaded" : "lane" }),
    svg("text", { x: 4, y: top + height / 2 + 4, "font-size": 12 }, `${lane.name} (${lane.items.length})`),
    plot,
  );
  for (const bar of bars) {
    // Out of the window: not drawn (nor reachable by Tab).
    if (bar.x + bar.width < left || bar.x > width - right) continue;
    const y = top + lanePadding + bar.row * rowHeight;
    const failed = bar.item.state === "aborted" || bar.item.state === "failed";
    const rect = svg("rect", {
      x: bar.x,
      y,
      width: bar.width,
      height: barHeight,
      fill: failed ? "#e00" : laneColours[lane.name],
      "data-lane": lane.name,
      "data-target-kind": bar.item.target.kind,
      "data-target": bar.item.target.name,
      tabindex: 0,
      role: "link",
      "aria-label": describe(bar.item),
      class: "bar",
    });
    rect.append(svg("title", {}, describe(bar.item)));
    rect.addEventListener("mouseenter", () => on.hover(bar.item));
    rect.addEventListener("focus", () => on.hover(bar.item));
    rect.addEventListener("click", () => on.open(bar.item));
    rect.addEventListener("keydown", (event) => {
      if (event.key === "Enter") on.open(bar.item);
    });
    plot.append(rect);
    if (bar.label)
      plot.append(
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
