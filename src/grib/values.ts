// The values of a message, found through its keys (where the sections are, which template packs
// them) and unpacked by the codec's packing modules: the packed values, and every grid point's value
// with the bitmap applied (NaN where missing). Callers may hand in the array to fill.

import { createRequire } from "node:module";
import type { Handle } from "./definitions/handle.ts";
import type { ValuesProvider } from "./definitions/meta/base.ts";
import type * as Packing from "./packing/index.ts";
import { GribError } from "./types.ts";

const require = createRequire(import.meta.url);
let packingModule: typeof Packing | undefined;

/** The unpackers, loaded when the first values are asked for (listing keys needs none of them). */
function packing(): typeof Packing {
  packingModule ??= require("./packing/index.ts") as typeof Packing;
  return packingModule;
}

/** A section's bytes, by its offset and length keys. */
function section(h: Handle, n: number): { offset: number; bytes: Uint8Array } {
  const offset = h.long(`offsetSection${n}`);
  const length = h.long(`section${n}Length`);
  if (offset < 0 || length < 0 || offset + length > h.bytes.length) {
    throw new GribError(
      "bad-section",
      `section ${n} of ${length} bytes at byte ${offset} runs past the message's ${h.bytes.length} bytes`,
      h.fileOffset + offset,
    );
  }
  return { offset, bytes: h.bytes.subarray(offset, offset + length) };
}

/** Re-raises packing errors with the absolute offset of the section they are in. */
function inSection<T>(h: Handle, sectionOffset: number, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof packing().PackingError) {
      throw new GribError(e.code, e.message, h.fileOffset + sectionOffset + e.sectionOffset);
    }
    if (e instanceof GribError) throw e;
    throw new GribError(
      "corrupt",
      `cannot decode values: ${(e as Error).message}`,
      h.fileOffset + sectionOffset,
    );
  }
}

/** The packed values of a message, before the bitmap. */
export function packedValues(h: Handle): Float64Array {
  if (h.long("edition") === 1) {
    const s4 = section(h, 4);
    const count = h.long("numberOfCodedValues");
    return inSection(h, s4.offset, () =>
      packing().unpackGrib1(s4.bytes, count, h.long("decimalScaleFactor")),
    );
  }
  const s5 = section(h, 5);
  const s7 = section(h, 7);
  const template = h.long("dataRepresentationTemplateNumber");
  const count = h.long("numberOfValues");
  return inSection(h, s7.offset, () => packing().unpackGrib2(template, s5.bytes, s7.bytes, count));
}

/** The bitmap's bytes and where its bits start, or undefined when the message has none. */
function bitmapOf(h: Handle): { bytes: Uint8Array; start: number; offset: number } | undefined {
  if (h.long("edition") === 1) {
    if (!h.long("bitmapPresent")) return undefined;
    const s3 = section(h, 3);
    return { bytes: s3.bytes, start: 6, offset: s3.offset };
  }
  const indicator = h.long("bitMapIndicator");
  if (indicator === 255) return undefined;
  if (indicator !== 0) {
    throw new GribError(
      "unsupported",
      `bitmap indicator ${indicator} (a predefined or earlier bitmap)`,
      h.fileOffset,
    );
  }
  const s6 = section(h, 6);
  return { bytes: s6.bytes, start: 6, offset: s6.offset };
}

/**
 * Expands packed values to every grid point in `out` (NaN where the bitmap has a 0 bit). `out` may be
 * `packed` itself when it is long enough: points are filled from the end, so no value is overwritten
 * before it is moved.
 */
export function applyBitmap(
  packed: Float64Array,
  bitmap: Uint8Array,
  bitmapStart: number,
  numberOfDataPoints: number,
  errorOffset: number,
  out: Float64Array = new Float64Array(numberOfDataPoints),
): Float64Array {
  const bytes = Math.ceil(numberOfDataPoints / 8);
  if (bitmapStart + bytes > bitmap.length) {
    throw new GribError(
      "corrupt",
      `bitmap of ${bitmap.length - bitmapStart} bytes for ${numberOfDataPoints} points`,
      errorOffset,
    );
  }
  let present = 0;
  for (let k = 0; k < numberOfDataPoints; k++)
    if ((bitmap[bitmapStart + (k >> 3)]! >> (7 - (k & 7))) & 1) present++;
  if (present !== packed.length) {
    throw new GribError(
      "corrupt",
      `bitmap marks ${present} points present but ${packed.length} values are packed`,
      errorOffset,
    );
  }
  let v = present;
  for (let k = numberOfDataPoints - 1; k >= 0; k--) {
    out[k] = (bitmap[bitmapStart + (k >> 3)]! >> (7 - (k & 7))) & 1 ? packed[--v]! : Number.NaN;
  }
  return out;
}

/** Every grid point's value (NaN where missing); `into`, when given and long enough, receives them. */
export function gridValues(h: Handle, into?: Float64Array): Float64Array {
  const packed = packedValues(h);
  const bitmap = bitmapOf(h);
  if (!bitmap) {
    if (!into) return packed;
    if (into.length < packed.length)
      throw new RangeError(`the array holds ${into.length} values, ${packed.length} needed`);
    into.set(packed);
    return into.length === packed.length ? into : into.subarray(0, packed.length);
  }
  const points = h.long("numberOfDataPoints");
  const out = into && into.length >= points ? into.subarray(0, points) : new Float64Array(points);
  return applyBitmap(packed, bitmap.bytes, bitmap.start, points, h.fileOffset + bitmap.offset, out);
}

/** The values keys of a handle (values, codedValues, statistics) computed once. */
export function valuesProvider(h: Handle): ValuesProvider {
  let coded: Float64Array | undefined;
  let all: Float64Array | undefined;
  return {
    codedValues: () => {
      coded ??= packedValues(h);
      return coded;
    },
    values: () => {
      all ??= gridValues(h);
      return all;
    },
  };
}
