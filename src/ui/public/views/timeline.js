// Timeline of the latest cycle: data arrivals, task runs and node lifetimes on one time axis.
import { api, el, toast } from "../app.js";

const svgNs = "http://www.w3.org/2000/svg";

function svg(tag, attributes = {}, text) {
  const element = document.createElementNS(svgNs, tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** Intervals a task spent active, from its history (active → complete/aborted). */
function taskRuns(history) {
  const open = new Map();
  const runs = [];
  for (const entry of history) {
    if (entry.toState === "active") open.set(entry.path, entry.at);
    else if ((entry.toState === "complete" || entry.toState === "aborted") && open.has(entry.path)) {
      runs.push({
        label: entry.path,
        start: Date.parse(open.get(entry.path)),
        end: Date.parse(entry.at),
        state: entry.toState,
      });
      open.delete(entry.path);
    }
  }
  return runs;
}

export function timelineView(main) {
  const panel = el("section", { class: "panel", "aria-label": "timeline" });
  main.append(panel);

  async function render() {
    const [files, suites] = await Promise.all([api("/ingest/files?limit=500"), api("/suites")]);
    const arrivals = files.map((f) => ({ label: f.name, at: Date.parse(f.receivedAt) }));
    const runs = [];
    for (const suite of suites)
      runs.push(
        ...taskRuns(await api(`/suites/history?path=${encodeURIComponent(`/${suite.name}`)}&limit=5000`)),
      );
    const nodes = await api("/fleet")
      .then((fleet) =>
        (fleet.nodes ?? [])
          .filter((n) => n.createdAt)
          .map((n) => ({
            label: n.name,
            start: Date.parse(n.createdAt),
            end: n.destroyedAt ? Date.parse(n.destroyedAt) : Date.now(),
          })),
      )
      .catch(() => []);
    const times = [
      ...arrivals.map((a) => a.at),
      ...runs.flatMap((r) => [r.start, r.end]),
      ...nodes.flatMap((n) => [n.start, n.end]),
    ];
    if (times.length === 0) {
      panel.replaceChildren(el("p", { class: "muted" }, "Nothing has happened yet."));
      return;
    }
    const t0 = Math.min(...times);
    const t1 = Math.max(...times, t0 + 1000);
    const width = 1000;
    const x = (t) => 120 + ((t - t0) / (t1 - t0)) * (width - 140);
    const lanes = [
      { name: "data arrival", items: arrivals.map((a) => ({ start: a.at, end: a.at, label: a.label })) },
      { name: "nodes", items: nodes },
      { name: "jobs", items: runs },
    ];
    const chart = svg("svg", {
      class: "timeline",
      viewBox: `0 0 ${width} ${lanes.length * 60 + 30}`,
      role: "img",
    });
    lanes.forEach((lane, i) => {
      const y = 20 + i * 60;
      chart.append(svg("text", { x: 4, y: y + 24, "font-size": 12 }, lane.name));
      lane.items.forEach((item, k) => {
        const w = Math.max(2, x(item.end) - x(item.start));
        const bar = svg("rect", {
          x: x(item.start),
          y: y + 6 + (k % 4) * 10,
          width: w,
          height: 8,
          fill: item.state === "aborted" ? "#f00" : "#1f5fbf",
          "data-lane": lane.name,
        });
        bar.append(svg("title", {}, item.label));
        chart.append(bar);
      });
    });
    chart.append(
      svg("text", { x: 120, y: lanes.length * 60 + 25, "font-size": 11 }, new Date(t0).toISOString()),
    );
    chart.append(
      svg("text", { x: width - 200, y: lanes.length * 60 + 25, "font-size": 11 }, new Date(t1).toISOString()),
    );
    panel.replaceChildren(el("h2", {}, "Cycle timeline"), chart);
  }

  return {
    enter: render,
    onEvent() {
      clearTimeout(render.timer);
      render.timer = setTimeout(() => render().catch((error) => toast(error.message)), 500);
    },
  };
}
