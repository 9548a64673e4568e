// GRIB2 template 5.41: the packed integers are the pixels of a PNG image (grey 1..16 bits, RGB for 24
// bits, RGBA for 32), decoded with fast-png.
import { decode } from "fast-png";
import { PackingError } from "./errors.ts";
import { constantValue, linearCoefficients, readGrib2Scaling } from "./scaling.ts";

export function unpackPng(section5: Uint8Array, section7: Uint8Array, count: number): Float64Array {
  const scaling = readGrib2Scaling(section5);
  const { ref, scale } = linearCoefficients(scaling);
  if (scaling.bitsPerValue === 0 || count === 0) return new Float64Array(count).fill(constantValue(scaling));
  let image: ReturnType<typeof decode>;
  try {
    image = decode(section7.subarray(5));
  } catch (e) {
    throw new PackingError("corrupt", `PNG image does not decode: ${String(e)}`, 7, 5);
  }
  const { width, height, channels, data } = image;
  if (width * height < count) {
    throw new PackingError("corrupt", `PNG image is ${width}x${height}, expected ${count} values`, 7, 5);
  }
  const out = new Float64Array(count);
  if (channels === 1) {
    for (let i = 0; i < count; i++) out[i] = ref + scale * data[i];
  } else if (channels === 3 && image.depth === 8) {
    for (let i = 0; i < count; i++) {
      out[i] = ref + scale * (data[3 * i] * 65536 + data[3 * i + 1] * 256 + data[3 * i + 2]);
    }
  } else if (channels === 4 && image.depth === 8) {
    for (let i = 0; i < count; i++) {
      const p = 4 * i;
      out[i] = ref + scale * (data[p] * 16777216 + data[p + 1] * 65536 + data[p + 2] * 256 + data[p + 3]);
    }
  } else {
    throw new PackingError("unsupported", `PNG with ${channels} channels of ${image.depth} bits`, 7, 5);
  }
  return out;
}
