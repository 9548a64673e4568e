// Catalogue: cycles with their progress, the fields of a cycle, and a map preview of a field.
import { api, el, toast } from "../app.js";

export function catalogueView(main) {
  const cycles = el("section", { class: "panel", "aria-label": "cycles" });
  const fields = el("section", { class: "panel", "aria-label": "fields" });
  const preview = el("section", { class: "panel", "aria-label": "preview" });
  main.append(cycles, el("div", { class: "split" }, fields, preview));
  let cycleId = null;

  async function renderCycles() {
    const rows = await api("/cycles?limit=20");
    cycles.replaceChildren(
      el("h2", {}, "Cycles"),
      rows.length === 0
        ? el("p", { class: "muted" }, "Nothing received yet.")
        : el(
            "table",
            {},
            el(
              "tr",
              {},
              ["Producer", "Base time", "State", "Fields", "Files", "Last received"].map((h) =>
                el("th", {}, h),
              ),
            ),
            rows.map((c) =>
              el(
                "tr",
                {
                  "data-cycle": c.id,
                  onclick: () => showFields(c.id).catch((error) => toast(error.message)),
                },
                el("td", {}, c.producer),
                el("td", {}, c.baseTime),
                el("td", {}, c.state),
                el("td", {}, c.expectedFields ? `${c.receivedFields}/${c.expectedFields}` : c.receivedFields),
                el("td", {}, c.files),
                el("td", {}, c.lastReceivedAt ?? ""),
              ),
            ),
          ),
    );
    if (cycleId === null && rows[0]) await showFields(rows[0].id);
  }

  async function showFields(id) {
    cycleId = id;
    const page = await api(`/fields?cycle=${id}&limit=500`);
    fields.replaceChildren(
      el("h2", {}, `Fields of cycle ${id}`),
      el(
        "table",
        {},
        el(
          "tr",
          {},
          ["Param", "Level", "Step", "Packing", ""].map((h) => el("th", {}, h)),
        ),
        page.fields.map((f) =>
          el(
            "tr",
            {},
            el("td", {}, f.param),
            el("td", {}, `${f.levelType} ${f.level}`),
            el("td", {}, f.stepRange),
            el("td", {}, f.packingType),
            el(
              "td",
              {},
              el(
                "button",
                { type: "button", onclick: () => showPreview(f).catch((error) => toast(error.message)) },
                "Map",
              ),
            ),
          ),
        ),
      ),
    );
  }

  async function showPreview(field) {
    const data = await api(`/fields/${field.id}/values?limit=200000`);
    const lats = [...new Set(data.points.map((p) => p[0]))].sort((a, b) => b - a);
    const lons = [...new Set(data.points.map((p) => p[1]))].sort((a, b) => a - b);
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const [, , value] of data.points) {
      if (value === null) continue;
      if (value < min) min = value;
      if (value > max) max = value;
    }
    const canvas = el("canvas", {
      class: "map",
      width: lons.length,
      height: lats.length,
      "data-field": field.id,
    });
    const context = canvas.getContext("2d");
    const image = context.createImageData(lons.length, lats.length);
    const row = new Map(lats.map((lat, i) => [lat, i]));
    const column = new Map(lons.map((lon, i) => [lon, i]));
    for (const [lat, lon, value] of data.points) {
      const k = (row.get(lat) * lons.length + column.get(lon)) * 4;
      const [r, g, b] = value === null ? [255, 255, 255] : colour((value - min) / (max - min || 1));
      image.data.set([r, g, b, 255], k);
    }
    context.putImageData(image, 0, 0);
    preview.replaceChildren(
      el("h2", {}, `${field.param} ${field.levelType} ${field.level}, step ${field.stepRange}`),
      canvas,
      el(
        "p",
        { class: "muted" },
        `${min.toPrecision(5)} … ${max.toPrecision(5)} ${data.units ?? ""}; ${data.points.length} points`,
      ),
    );
  }

  /** A blue-to-red ramp. */
  function colour(t) {
    const x = Math.max(0, Math.min(1, t));
    return [
      Math.round(255 * x),
      Math.round(80 + 100 * (1 - Math.abs(x - 0.5) * 2)),
      Math.round(255 * (1 - x)),
    ];
  }

  return {
    enter: renderCycles,
    onEvent(channel) {
      if (channel === "fields_registered") renderCycles().catch((error) => toast(error.message));
    },
  };
}
