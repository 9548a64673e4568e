// A field as a latitude/longitude raster for the UI's map, which colours it, draws coastlines and a
// graticule over it and reads values under the pointer. One cell per grid point for regular lat/lon and
// Gaussian grids (every point of the field, none cut off), thinned by a whole stride when wider than
// the client asks for; other grids are binned into cells of about their own density. (Beside the PNG
// preview of src/catalogue/preview.ts, which scatters points and may leave a column empty.)
//
// Wire format (application/octet-stream), so a 0.25° field (1 M points) costs 4 MB, not 30 MB of JSON:
//   uint32 LE  n: length of the header
//   n bytes    UTF-8 JSON RasterHeader
//   0-3 bytes  padding to a multiple of 4
//   float32 LE width × height values, rows north to south, columns west to east; NaN where missing
import type { FastifyReply } from "fastify";
import { colourScaleFor } from "../../catalogue/preview.ts";
import type { DecodedMessage } from "../../grib/index.ts";

/** How large the raster is and where it lies. */
export interface RasterPlacement {
  width: number;
  height: number;
  /** Outer edges of the raster in degrees (cell edges, not point centres); east may exceed 180. */
  west: number;
  east: number;
  south: number;
  north: number;
  /** Every how many grid points one was kept (1: all). */
  stride: number;
}

export interface RasterHeader extends RasterPlacement {
  param: string;
  units: string;
  gridType: string;
  min: number | null;
  max: number | null;
  /** The parameter's colour scale, as the PNG preview uses it. */
  scale: { name: string; stops: Array<[number, number, number]>; cycle?: [number, number] };
}

export interface Raster {
  header: RasterHeader;
  values: Float32Array;
}

/** The widest raster a client may ask for (0.1° global fields are 3600 points wide). */
export const maxRasterWidth = 4000;

const regularGrids = new Set(["regular_ll", "regular_gg"]);

/** Longitudes continuous across the field: those far from the first point shifted by 360. */
function continuousLongitudes(longitudes: Float64Array): Float64Array {
  const lon0 = longitudes[0] ?? 0;
  return longitudes.map((l) => (l < lon0 - 180 ? l + 360 : l > lon0 + 180 ? l - 360 : l));
}

function extent(values: Float64Array): { low: number; high: number } {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    if (v < low) low = v;
    if (v > high) high = v;
  }
  return { low, high };
}

interface Cells extends RasterPlacement {
  values: Float32Array;
}

/** Whether the grid's points, in normalised order, are rows of a regular lat/lon raster. */
function isRegular(message: DecodedMessage, points: number): boolean {
  const { gridType, Ni, Nj } = message.metadata;
  return regularGrids.has(gridType) && !!Ni && !!Nj && Ni * Nj === points;
}

/**
 * A regular grid cell for point: normalised order is rows west to east, north to south, so point
 * (row·k, column·k) is cell (row, column), exactly, and the map's longitudes are the grid's own
 * (0–360 for a grid that starts at Greenwich).
 */
function regularCells(message: DecodedMessage, values: Float64Array, maxWidth: number): Cells {
  const ni = message.metadata.Ni!;
  const nj = message.metadata.Nj!;
  const { latitudes, longitudes } = message.geometry({ normalise: true });
  const lon0 = longitudes[0]!;
  let lonLast = longitudes[ni - 1]!;
  while (lonLast <= lon0 && ni > 1) lonLast += 360;
  const dx = ni > 1 ? (lonLast - lon0) / (ni - 1) : (message.metadata.iDirectionIncrementInDegrees ?? 1);
  const dy = nj > 1 ? (latitudes[0]! - latitudes[(nj - 1) * ni]!) / (nj - 1) : 1;
  const stride = Math.max(1, Math.ceil(ni / maxWidth));
  const width = Math.floor((ni - 1) / stride) + 1;
  const height = Math.floor((nj - 1) / stride) + 1;
  const out = new Float32Array(width * height);
  for (let row = 0; row < height; row++)
    for (let column = 0; column < width; column++)
      out[row * width + column] = values[row * stride * ni + column * stride]!;
  // Each cell is centred on its point: the raster reaches half a cell beyond the outermost points.
  const west = lon0 - (stride * dx) / 2;
  const north = latitudes[0]! + (stride * dy) / 2;
  return {
    width,
    height,
    west,
    east: west + width * stride * dx,
    north,
    south: north - height * stride * dy,
    stride,
    values: out,
  };
}

/**
 * Any other grid (projected, rotated, reduced): each point into the cell of its latitude/longitude,
 * cells a little coarser than the points so that few stay empty.
 */
function binnedCells(message: DecodedMessage, values: Float64Array, maxWidth: number): Cells {
  const { latitudes, longitudes: raw } = message.geometry({ normalise: true });
  const longitudes = continuousLongitudes(raw);
  const lon = extent(longitudes);
  const lat = extent(latitudes);
  const spanX = Math.max(lon.high - lon.low, 1e-6);
  const spanY = Math.max(lat.high - lat.low, 1e-6);
  // As wide as the points are dense: degrees of longitude shrink towards the poles.
  const middle = ((lat.high + lat.low) / 2) * (Math.PI / 180);
  const aspect = (spanX * Math.max(Math.cos(middle), 0.2)) / spanY;
  const natural = Math.max(2, Math.round(Math.sqrt(values.length * aspect) * 0.8));
  const stride = Math.max(1, Math.ceil(natural / maxWidth));
  const width = Math.max(2, Math.round(natural / stride));
  const height = Math.max(2, Math.round(width / aspect));
  const out = new Float32Array(width * height).fill(Number.NaN);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    const column = Math.round(((longitudes[i]! - lon.low) / spanX) * (width - 1));
    const row = Math.round(((lat.high - latitudes[i]!) / spanY) * (height - 1));
    out[row * width + column] = v;
  }
  fillGaps(out, width, height);
  const halfX = spanX / (width - 1) / 2;
  const halfY = spanY / (height - 1) / 2;
  return {
    width,
    height,
    west: lon.low - halfX,
    east: lon.high + halfX,
    south: lat.low - halfY,
    north: lat.high + halfY,
    stride,
    values: out,
  };
}

/** How far (in cells) a gap between two binned points may reach and still be filled. */
const gapReach = 4;

/**
 * Fills the empty cells that lie between points along a row or a column (where a projected grid's
 * points spread apart, towards the poles), with the nearer one; cells beyond the field's edge have
 * points on one side only and stay empty.
 */
function fillGaps(cells: Float32Array, width: number, height: number): void {
  const source = cells.slice();
  const nearest = (index: number, step: number, limit: number): [number, number] | null => {
    for (let d = 1; d <= gapReach && d <= limit; d++) {
      const v = source[index + d * step]!;
      if (!Number.isNaN(v)) return [d, v];
    }
    return null;
  };
  for (let row = 0; row < height; row++)
    for (let column = 0; column < width; column++) {
      const i = row * width + column;
      if (!Number.isNaN(source[i]!)) continue;
      const pairs: Array<[[number, number] | null, [number, number] | null]> = [
        [nearest(i, -1, column), nearest(i, 1, width - 1 - column)],
        [nearest(i, -width, row), nearest(i, width, height - 1 - row)],
      ];
      for (const [a, b] of pairs) {
        if (!a || !b) continue;
        cells[i] = a[0] <= b[0] ? a[1] : b[1];
        break;
      }
    }
}

/** The message's values on a lat/lon raster at most `maxWidth` cells wide. */
export function rasterise(message: DecodedMessage, param: string, maxWidth: number): Raster {
  const values = message.values({ normalise: true });
  const cells = isRegular(message, values.length)
    ? regularCells(message, values, maxWidth)
    : binnedCells(message, values, maxWidth);
  const { low, high } = extent(values);
  const scale = colourScaleFor(param);
  const { values: cellValues, ...placement } = cells;
  return {
    header: {
      param,
      units: message.metadata.units,
      gridType: message.metadata.gridType,
      ...placement,
      min: Number.isFinite(low) ? low : null,
      max: Number.isFinite(high) ? high : null,
      scale: { name: scale.name, stops: scale.stops, ...(scale.cycle ? { cycle: scale.cycle } : {}) },
    },
    values: cellValues,
  };
}

/** The raster in the wire format above. */
export function encodeRaster(raster: Raster): Buffer {
  const header = Buffer.from(JSON.stringify(raster.header), "utf8");
  const start = 4 + header.length + ((4 - ((4 + header.length) % 4)) % 4);
  // An ArrayBuffer of our own, so the float view starts 4-byte aligned (a pooled Buffer may not).
  const bytes = new ArrayBuffer(start + raster.values.length * 4);
  new DataView(bytes).setUint32(0, header.length, true);
  new Uint8Array(bytes, 4, header.length).set(header);
  // Float32Array is little-endian on every platform Node runs on; the browser reads it the same way.
  new Float32Array(bytes, start, raster.values.length).set(raster.values);
  return Buffer.from(bytes);
}

/** Sends the raster, uncached: a field sent again keeps its id with new bytes, and a stale map misleads. */
export function sendRaster(reply: FastifyReply, raster: Raster) {
  return reply
    .header("content-type", "application/octet-stream")
    .header("cache-control", "no-cache")
    .send(encodeRaster(raster));
}

/** The `width` query parameter's schema: how many cells across the client can use. */
export const rasterQuery = {
  type: "object",
  additionalProperties: false,
  properties: { width: { type: "integer", minimum: 2, maximum: maxRasterWidth, default: 1600 } },
} as const;
