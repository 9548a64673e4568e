// A field on a map: the server's lat/lon raster (see src/server/routes/raster.ts) coloured with the
// parameter's scale, one canvas pixel per cell, under an SVG of Natural Earth coastlines and a
// graticule with latitude/longitude labels; a colour legend with the range and units; the value under
// the pointer.
import { api, apiBytes, el } from "../app.js";

const svgNs = "http://www.w3.org/2000/svg";

/** Sets inline styles through the CSSOM: the UI's Content-Security-Policy refuses style attributes. */
function styled(element, styles) {
  Object.assign(element.style, styles);
  return element;
}

/** Parses the raster wire format: uint32 header length, JSON header, padding, float32 values. */
export function parseRaster(buffer) {
  const length = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, length)));
  const start = 4 + length + ((4 - ((4 + length) % 4)) % 4);
  const values = new Float32Array(buffer, start, header.width * header.height);
  return { header, values };
}

/** The colour at t (0..1) along the scale's stops, as the server's PNG preview computes it. */
function colourAt(stops, t) {
  const position = Math.min(Math.max(t, 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(position), stops.length - 2);
  const f = position - i;
  const a = stops[i];
  const b = stops[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f));
}

/** Where v falls along the scale, 0..1: on its cycle for a cyclic scale (direction), else min..max. */
function scalePosition(scale, v, min, max) {
  if (scale.cycle) {
    const [start, end] = scale.cycle;
    const turn = end - start;
    return ((((v - start) % turn) + turn) % turn) / turn;
  }
  return (v - min) / (max > min ? max - min : 1);
}

function paintRaster({ header, values }) {
  const canvas = el("canvas", { class: "map", width: header.width, height: header.height });
  const context = canvas.getContext("2d");
  const image = context.createImageData(header.width, header.height);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue; // transparent: no data there
    const [r, g, b] = colourAt(header.scale.stops, scalePosition(header.scale, v, header.min, header.max));
    image.data.set([r, g, b, 255], i * 4);
  }
  context.putImageData(image, 0, 0);
  return canvas;
}

let coastlines = null;
/** Natural Earth's coastlines, fetched once per page (the server reads them from its world-atlas package). */
function loadCoastlines() {
  coastlines ??= api("/maps/coastlines").catch((error) => {
    coastlines = null;
    throw error;
  });
  return coastlines;
}

/** Graticule spacing in degrees for a span: about 4 to 8 lines. */
function graticuleStep(span) {
  return [1, 2, 5, 10, 15, 30, 45, 60].find((step) => span / step <= 8) ?? 90;
}

function lonLabel(lon) {
  const l = ((((lon + 180) % 360) + 360) % 360) - 180;
  if (l === 0 || Math.abs(l) === 180) return `${Math.abs(l)}°`;
  return `${Math.abs(l)}°${l > 0 ? "E" : "W"}`;
}

function latLabel(lat) {
  return lat === 0 ? "0°" : `${Math.abs(lat)}°${lat > 0 ? "N" : "S"}`;
}

/** Multiples of `step` inside [low, high]. */
function multiples(low, high, step) {
  const out = [];
  for (let v = Math.ceil(low / step) * step; v <= high; v += step) out.push(Math.round(v * 1e6) / 1e6);
  return out;
}

/**
 * The coastlines and graticule in the raster's own coordinates (x = longitude, y = -latitude), so the
 * SVG stretches exactly as the canvas does. Each coastline is drawn shifted by -360, 0 and +360 so that
 * a 0–360° field gets its western hemisphere too; what falls outside the view is clipped.
 */
function overlay(header, lines) {
  const { west, east, south, north } = header;
  const chart = document.createElementNS(svgNs, "svg");
  chart.setAttribute("class", "overlay");
  chart.setAttribute("viewBox", `${west} ${-north} ${east - west} ${north - south}`);
  chart.setAttribute("preserveAspectRatio", "none");
  const path = (d, className) => {
    const element = document.createElementNS(svgNs, "path");
    element.setAttribute("d", d);
    element.setAttribute("class", className);
    element.setAttribute("vector-effect", "non-scaling-stroke");
    return element;
  };
  const grid = [];
  for (const lon of multiples(west, east, graticuleStep(east - west)))
    grid.push(`M${lon},${-north}V${-south}`);
  for (const lat of multiples(south, north, graticuleStep(north - south)))
    grid.push(`M${west},${-lat}H${east}`);
  chart.append(path(grid.join(""), "graticule"));
  const coast = [];
  for (const line of lines) {
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < line.length; i += 2) {
      low = Math.min(low, line[i]);
      high = Math.max(high, line[i]);
    }
    for (const shift of [-360, 0, 360]) {
      if (high + shift < west || low + shift > east) continue;
      let d = "";
      for (let i = 0; i < line.length; i += 2) d += `${i ? "L" : "M"}${line[i] + shift},${-line[i + 1]}`;
      coast.push(d);
    }
  }
  chart.append(path(coast.join(""), "coastline"));
  return chart;
}

/** Latitude labels down the left edge and longitude labels along the bottom, placed in percent of the frame. */
function axisLabels(header) {
  const { west, east, south, north } = header;
  const labels = [];
  for (const lat of multiples(south, north, graticuleStep(north - south)))
    labels.push(
      styled(el("span", { class: "lat-label" }, latLabel(lat)), {
        top: `${((north - lat) / (north - south)) * 100}%`,
      }),
    );
  for (const lon of multiples(west, east, graticuleStep(east - west)))
    labels.push(
      styled(el("span", { class: "lon-label" }, lonLabel(lon)), {
        left: `${((lon - west) / (east - west)) * 100}%`,
      }),
    );
  return labels;
}

function formatValue(v) {
  if (v === null || Number.isNaN(v)) return "—";
  const magnitude = Math.abs(v);
  return magnitude !== 0 && (magnitude >= 1e5 || magnitude < 1e-3)
    ? v.toExponential(3)
    : String(Number(v.toPrecision(5)));
}

function legend(header) {
  const bar = el("canvas", { class: "legend-bar", width: 256, height: 1 });
  const context = bar.getContext("2d");
  const image = context.createImageData(256, 1);
  for (let i = 0; i < 256; i++) image.data.set([...colourAt(header.scale.stops, i / 255), 255], i * 4);
  context.putImageData(image, 0, 0);
  const units = header.units ? ` ${header.units}` : "";
  // A cyclic scale spans its whole turn whatever the field's own range.
  const [low, high] = header.scale.cycle ?? [header.min, header.max];
  return el(
    "div",
    { class: "legend", title: `colour scale: ${header.scale.name}` },
    el("span", { class: "legend-min" }, `${formatValue(low)}${units}`),
    bar,
    el("span", { class: "legend-max" }, `${formatValue(high)}${units}`),
  );
}

/** Shows latitude, longitude and value of the cell under the pointer. */
function followPointer(frame, readout, { header, values }) {
  frame.addEventListener("mousemove", (event) => {
    const box = frame.getBoundingClientRect();
    const fx = (event.clientX - box.left) / box.width;
    const fy = (event.clientY - box.top) / box.height;
    const column = Math.min(header.width - 1, Math.max(0, Math.floor(fx * header.width)));
    const row = Math.min(header.height - 1, Math.max(0, Math.floor(fy * header.height)));
    const lon = header.west + fx * (header.east - header.west);
    const lat = header.north - fy * (header.north - header.south);
    const value = values[row * header.width + column];
    readout.textContent = `${lat.toFixed(2)}°, ${lonLabel(Math.round(lon * 100) / 100)}: ${formatValue(value)} ${header.units ?? ""}`;
  });
  frame.addEventListener("mouseleave", () => {
    readout.textContent = "";
  });
}

/**
 * Fetches the raster at `path` (e.g. /fields/12/raster) no wider than `width` cells and returns the map
 * figure. Coastlines that cannot be loaded leave the map without them, not without the field.
 */
export async function fieldMap(path, width) {
  const [raster, coast] = await Promise.all([
    apiBytes(`${path}?width=${width}`).then(parseRaster),
    loadCoastlines().catch(() => ({ lines: [], source: "no coastlines" })),
  ]);
  const { header } = raster;
  // Plate carrée, true to scale at the field's middle latitude (a global field is 2:1).
  const middle = ((header.north + header.south) / 2) * (Math.PI / 180);
  const aspect =
    ((header.east - header.west) * Math.max(Math.cos(middle), 0.2)) / (header.north - header.south);
  const canvas = paintRaster(raster);
  const frame = styled(el("div", { class: "map-frame" }, canvas), { aspectRatio: aspect.toFixed(4) });
  frame.append(overlay(header, coast.lines), ...axisLabels(header));
  const readout = el("span", { class: "readout muted" });
  followPointer(frame, readout, raster);
  const thinned = header.stride > 1 ? `, every ${header.stride}th point` : "";
  return el(
    "figure",
    { class: "field-map" },
    frame,
    el("div", { class: "map-footer" }, legend(header), readout),
    el(
      "figcaption",
      { class: "muted" },
      `${header.width} × ${header.height} cells (${header.gridType}${thinned}); coastlines: ${coast.source}`,
    ),
  );
}
