// A field as a latitude/longitude raster for the UI's map, which colours it, draws coastlines and a
// graticule over it and reads values under the pointer. One cell per grid point for regular lat/lon and
// Gaussian grids (every point of the field, none cut off), thinned by a whole stride when wider than
// the client asks for; other grids are binned into cells of about their own density.
//
// Wire format (application/octet-stream), so a 0.25° field (1 M points) costs 4 MB, not 30 MB of JSON:
//   uint32 LE  n: length of the header
//   n bytes    UTF-8 JSON RasterHeader
//   0-3 bytes  padding to a multiple of 4
//   float32 LE width × height values, rows north to south, columns west to east; NaN where missing
import type { FastifyReply } from "fastify";
import { colourScaleFor } from "../../catalogue/preview.ts";
import type { DecodedMessage } from "../../grib/index.ts";

export interface RasterHeader {
  param: string;
  units: string;
  gridType: string;
  width: number;
  height: number;
  /** Outer edges of the raster in degrees (cell edges, not point centres); east may exceed 180. */
  west: number;
  east: number;
  south: number;
  north: number;
  /** Every how many grid points one was kept (1: all). */
  stride: number;
  min: number | null;
  max: number | null;
  /** The parameter's colour scale, as the PNG preview uses it. */
  scale: { name: string; stops: Array<[number, number, number]> };
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

/** Cells across and down before thinning: the grid's own Ni × Nj when it is regular in lat/lon. */
function naturalSize(message: DecodedMessage, spanX: number, spanY: number, points: number) {
  const { gridType, Ni, Nj } = message.metadata;
  if (regularGrids.has(gridType) && Ni && Nj && Ni * Nj === points) return { width: Ni, height: Nj };
  // Scattered in lat/lon (projected, rotated, reduced grids): a little coarser than the points, so that
  // few cells stay empty.
  const aspect = Math.max(spanX, 1e-6) / Math.max(spanY, 1e-6);
  const width = Math.max(2, Math.round(Math.sqrt(points * aspect) * 0.8));
  return { width, height: Math.max(2, Math.round(width / aspect)) };
}

/** The message's values on a lat/lon raster at most `maxWidth` cells wide. */
export function rasterise(message: DecodedMessage, param: string, maxWidth: number): Raster {
  const { latitudes, longitudes: rawLongitudes } = message.geometry();
  const values = message.values();
  const longitudes = continuousLongitudes(rawLongitudes);
  const lon = extent(longitudes);
  const lat = extent(latitudes);
  const spanX = lon.high - lon.low;
  const spanY = lat.high - lat.low;
  const natural = naturalSize(message, spanX, spanY, values.length);
  const stride = Math.max(1, Math.ceil(natural.width / maxWidth));
  const width = Math.floor((natural.width - 1) / stride) + 1;
  const height = Math.floor((natural.height - 1) / stride) + 1;
  const out = new Float32Array(width * height).fill(Number.NaN);
  const columnOf = (x: number) =>
    width > 1 && spanX > 0 ? Math.round(((x - lon.low) / spanX) * (width - 1)) : 0;
  const rowOf = (y: number) =>
    height > 1 && spanY > 0 ? Math.round(((lat.high - y) / spanY) * (height - 1)) : 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    out[rowOf(latitudes[i]!) * width + columnOf(longitudes[i]!)] = v;
  }
  const { low, high } = extent(values);
  // Each cell is centred on its point: the raster reaches half a cell beyond the outermost points.
  const halfX = width > 1 ? spanX / (width - 1) / 2 : 0.5;
  const halfY = height > 1 ? spanY / (height - 1) / 2 : 0.5;
  const scale = colourScaleFor(param);
  return {
    header: {
      param,
      units: message.metadata.units,
      gridType: message.metadata.gridType,
      width,
      height,
      west: lon.low - halfX,
      east: lon.high + halfX,
      south: lat.low - halfY,
      north: lat.high + halfY,
      stride,
      min: Number.isFinite(low) ? low : null,
      max: Number.isFinite(high) ? high : null,
      scale: { name: scale.name, stops: scale.stops },
    },
    values: out,
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

export function sendRaster(reply: FastifyReply, raster: Raster) {
  return reply
    .header("content-type", "application/octet-stream")
    .header("cache-control", "private, max-age=300")
    .send(encodeRaster(raster));
}

/** The `width` query parameter's schema: how many cells across the client can use. */
export const rasterQuery = {
  type: "object",
  additionalProperties: false,
  properties: { width: { type: "integer", minimum: 2, maximum: maxRasterWidth, default: 1600 } },
} as const;
