// GRIB2 template 5.41: the packed integers are the pixels of a PNG image (grey 1..16 bits, RGB for 24
// bits, RGBA for 32). Non-interlaced images (what ecCodes and other GRIB writers produce) are decoded here
// with Node's native zlib and a row unfilter; anything else goes through fast-png, loaded only then (a
// command that reads GRIB starts without it).
import { createRequire } from "node:module";
import { inflateSync } from "node:zlib";
import { PackingError } from "./errors.ts";
import { output } from "./output.ts";
import { type Coefficients, constantValue, ecCodesCoefficients, readGrib2Scaling } from "./scaling.ts";

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

interface RawImage {
  width: number;
  height: number;
  /** bits per sample */
  depth: number;
  /** samples per pixel */
  channels: number;
  /** unfiltered rows, `stride` bytes each */
  rows: Uint8Array;
  stride: number;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/** Decode with zlib; undefined when the image needs fast-png (interlaced, palette, odd layouts). */
function decodeNative(png: Uint8Array): RawImage | undefined {
  for (let i = 0; i < 8; i++) if (png[i] !== SIGNATURE[i]) throw new Error("not a PNG signature");
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let p = 8;
  let width = 0;
  let height = 0;
  let depth = 0;
  let colorType = -1;
  const idat: Uint8Array[] = [];
  while (p + 8 <= png.length) {
    const len = view.getUint32(p);
    const type = String.fromCharCode(png[p + 4], png[p + 5], png[p + 6], png[p + 7]);
    const data = png.subarray(p + 8, p + 8 + len);
    if (data.length !== len) throw new Error(`PNG chunk ${type} runs past the end`);
    if (type === "IHDR") {
      width = view.getUint32(p + 8);
      height = view.getUint32(p + 12);
      depth = png[p + 16];
      colorType = png[p + 17];
      if (png[p + 20] !== 0) return undefined; // interlaced
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    p += 12 + len;
  }
  const channels = CHANNELS[colorType];
  if (!channels || !width || !height || ![1, 2, 4, 8, 16].includes(depth)) return undefined;
  const stride = Math.ceil((width * channels * depth) / 8);
  const bpp = Math.max(1, (channels * depth) / 8);
  const inflated = inflateSync(idat.length === 1 ? idat[0] : Buffer.concat(idat));
  if (inflated.length < height * (stride + 1)) throw new Error("PNG image data is shorter than its size");
  const rows = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = inflated[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const dst = y * stride;
    const prev = dst - stride;
    switch (filter) {
      case 0:
        rows.set(inflated.subarray(src, src + stride), dst);
        break;
      case 1:
        for (let i = 0; i < stride; i++)
          rows[dst + i] = inflated[src + i] + (i >= bpp ? rows[dst + i - bpp] : 0);
        break;
      case 2:
        if (y === 0) rows.set(inflated.subarray(src, src + stride), dst);
        else for (let i = 0; i < stride; i++) rows[dst + i] = inflated[src + i] + rows[prev + i];
        break;
      case 3:
        for (let i = 0; i < stride; i++) {
          const left = i >= bpp ? rows[dst + i - bpp] : 0;
          const up = y > 0 ? rows[prev + i] : 0;
          rows[dst + i] = inflated[src + i] + ((left + up) >>> 1);
        }
        break;
      case 4:
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? rows[dst + i - bpp] : 0;
          const b = y > 0 ? rows[prev + i] : 0;
          const c = i >= bpp && y > 0 ? rows[prev + i - bpp] : 0;
          const pa = Math.abs(b - c);
          const pb = Math.abs(a - c);
          const pc = Math.abs(a + b - 2 * c);
          rows[dst + i] = inflated[src + i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
        }
        break;
      default:
        throw new Error(`PNG row ${y} has filter type ${filter}`);
    }
  }
  return { width, height, depth, channels, rows, stride };
}

export function unpackPng(
  section5: Uint8Array,
  section7: Uint8Array,
  count: number,
  into?: Float64Array,
): Float64Array {
  const scaling = readGrib2Scaling(section5);
  const c = ecCodesCoefficients(scaling);
  const { ref, bscale, dscale } = c;
  if (scaling.bitsPerValue === 0 || count === 0) return output(count, into).fill(constantValue(scaling));
  const png = section7.subarray(5);
  let image: RawImage | undefined;
  try {
    image = decodeNative(png);
  } catch (e) {
    throw new PackingError("corrupt", `PNG image does not decode: ${(e as Error).message}`, 7, 5);
  }
  if (!image) return unpackWithFastPng(png, count, c, into);
  const { width, height, depth, channels, rows, stride } = image;
  if (width * height < count) {
    throw new PackingError("corrupt", `PNG image is ${width}x${height}, expected ${count} values`, 7, 5);
  }
  const out = output(count, into);
  const bitsPerPixel = depth * channels;
  let i = 0;
  for (let y = 0; y < height && i < count; y++) {
    let q = y * stride;
    const end = Math.min(count, i + width);
    if (bitsPerPixel === 8) {
      for (; i < end; i++) out[i] = (rows[q++] * bscale + ref) * dscale;
    } else if (bitsPerPixel === 16) {
      for (; i < end; i++, q += 2) out[i] = (((rows[q] << 8) | rows[q + 1]) * bscale + ref) * dscale;
    } else if (bitsPerPixel === 24) {
      for (; i < end; i++, q += 3)
        out[i] = (((rows[q] << 16) | (rows[q + 1] << 8) | rows[q + 2]) * bscale + ref) * dscale;
    } else if (bitsPerPixel === 32) {
      for (; i < end; i++, q += 4) {
        out[i] =
          ((((rows[q] << 24) | (rows[q + 1] << 16) | (rows[q + 2] << 8) | rows[q + 3]) >>> 0) * bscale +
            ref) *
          dscale;
      }
    } else if (bitsPerPixel < 8) {
      const perByte = 8 / bitsPerPixel;
      const mask = (1 << bitsPerPixel) - 1;
      for (let x = 0; i < end; i++, x++) {
        const byte = rows[q + Math.floor(x / perByte)];
        out[i] = (((byte >>> (8 - bitsPerPixel * ((x % perByte) + 1))) & mask) * bscale + ref) * dscale;
      }
    } else {
      throw new PackingError("unsupported", `PNG with ${channels} channels of ${depth} bits`, 7, 5);
    }
  }
  return out;
}

const require = createRequire(import.meta.url);

function unpackWithFastPng(
  png: Uint8Array,
  count: number,
  c: Coefficients,
  into?: Float64Array,
): Float64Array {
  const { decode } = require("fast-png") as typeof import("fast-png");
  let image: ReturnType<typeof decode>;
  try {
    image = decode(png);
  } catch (e) {
    throw new PackingError("corrupt", `PNG image does not decode: ${String(e)}`, 7, 5);
  }
  const { width, height, channels, data } = image;
  if (width * height < count) {
    throw new PackingError("corrupt", `PNG image is ${width}x${height}, expected ${count} values`, 7, 5);
  }
  const out = output(count, into);
  const { ref, bscale, dscale } = c;
  if (channels === 1) {
    for (let i = 0; i < count; i++) out[i] = (data[i] * bscale + ref) * dscale;
  } else if (channels === 3 && image.depth === 8) {
    for (let i = 0; i < count; i++) {
      out[i] = ((data[3 * i] * 65536 + data[3 * i + 1] * 256 + data[3 * i + 2]) * bscale + ref) * dscale;
    }
  } else if (channels === 4 && image.depth === 8) {
    for (let i = 0; i < count; i++) {
      const p = 4 * i;
      out[i] =
        ((data[p] * 16777216 + data[p + 1] * 65536 + data[p + 2] * 256 + data[p + 3]) * bscale + ref) *
        dscale;
    }
  } else {
    throw new PackingError("unsupported", `PNG with ${channels} channels of ${image.depth} bits`, 7, 5);
  }
  return out;
}
