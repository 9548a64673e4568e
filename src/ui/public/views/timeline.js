// Timeline of a cycle: data arrival, compute node lifetimes, job runs and deliveries on one time axis.
import { api, el, toast } from "../app.js";

const svgNs = "http://www.w3.org/2000/svg";
const laneColours = {
  "data arrival": "#1f5fbf",
  "compute nodes": "#7a4fbf",
  jobs: "#2e9a3e",
  delivery: "#c77700",
};

function svg(tag, attributes = {}, text) {
  const element = document.createElementNS(svgNs, tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

export function timelineView(main) {
  const panel = el("section", { class: "panel", "aria-label": "timeline" });
  main.append(panel);
  let timer = null;

  async function render() {
    const data = await api("/timeline");
    const lanes = [
      { name: "data arrival", items: data.arrivals },
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
    const width = 1000;
    const laneHeight = 70;
    const x = (t) => 130 + ((t - t0) / (t1 - t0)) * (width - 150);
    const chart = svg("svg", {
      class: "timeline",
      viewBox: `0 0 ${width} ${lanes.length * laneHeight + 30}`,
      role: "img",
    });
    lanes.forEach((lane, i) => {
      const y = 10 + i * laneHeight;
      chart.append(svg("text", { x: 4, y: y + 30, "font-size": 12 }, `${lane.name} (${lane.items.length})`));
      lane.items.forEach((item, k) => {
        const start = Date.parse(item.start);
        const end = item.end ? Date.parse(item.end) : now;
        const bar = svg("rect", {
          x: x(start),
          y: y + 4 + (k % 6) * 9,
          width: Math.max(2, x(end) - x(start)),
          height: 7,
          fill: item.state === "aborted" || item.state === "failed" ? "#e00" : laneColours[lane.name],
          "data-lane": lane.name,
        });
        bar.append(svg("title", {}, `${item.label}: ${item.start} → ${item.end ?? "now"}`));
        chart.append(bar);
      });
    });
    const axisY = lanes.length * laneHeight + 25;
    chart.append(svg("text", { x: 130, y: axisY, "font-size": 11 }, new Date(t0).toISOString()));
    chart.append(
      svg(
        "text",
        { x: width - 10, y: axisY, "font-size": 11, "text-anchor": "end" },
        `+${Math.round((t1 - t0) / 1000)} s`,
      ),
    );
    panel.replaceChildren(el("h2", {}, `Cycle timeline ${data.cycle ?? ""}`), chart);
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
