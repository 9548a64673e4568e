// The values of a message, found through its keys (where the sections are, which template packs
// them) and unpacked by the codec's packing modules: the packed values, and every grid point's value
// with the bitmap applied (NaN where missing). Callers may hand in the array to fill, or a ValuesBuffer
// that field after field reuses one array.

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

/** How many values the message packs (before the bitmap). */
function packedCount(h: Handle): number {
  return h.long(h.long("edition") === 1 ? "numberOfCodedValues" : "numberOfValues");
}

/** A spherical-harmonics field's coefficients (GRIB1 spectral_complex, GRIB2 template 5.51). */
function spectralValues(h: Handle, into?: Float64Array): Float64Array {
  const edition = h.long("edition");
  const n = edition === 1 ? 4 : 7;
  const s = section(h, n);
  const triple = (prefix: string) =>
    [h.long(`${prefix}J`), h.long(`${prefix}K`), h.long(`${prefix}M`)] as const;
  const p: Packing.SpectralPacking = {
    bitsPerValue: h.long("bitsPerValue"),
    referenceValue: h.double("referenceValue"),
    binaryScaleFactor: h.long("binaryScaleFactor"),
    decimalScaleFactor: h.long("decimalScaleFactor"),
    floats: h.long(edition === 1 ? "ieeeFloats" : "unpackedSubsetPrecision"),
    laplacianOperator: h.double("laplacianOperator"),
    subset: triple("subSet"),
    truncation: triple("pentagonalResolutionParameter"),
    gribexShBug: h.long("GRIBEXShBugPresent") === 1,
  };
  const from = h.long("offsetBeforeData") - s.offset;
  return inSection(h, s.offset, () => packing().unpackSpectralComplex(s.bytes, from, p, n, into));
}

/** The packed values of a message, before the bitmap (in the first elements of `into` when given). */
export function packedValues(h: Handle, into?: Float64Array): Float64Array {
  if (h.string("packingType") === "spectral_complex") return spectralValues(h, into);
  const count = packedCount(h);
  if (h.long("edition") === 1) {
    const s4 = section(h, 4);
    return inSection(h, s4.offset, () =>
      packing().unpackGrib1(s4.bytes, count, h.long("decimalScaleFactor"), into),
    );
  }
  const s5 = section(h, 5);
  const s7 = section(h, 7);
  const template = h.long("dataRepresentationTemplateNumber");
  return inSection(h, s7.offset, () => packing().unpackGrib2(template, s5.bytes, s7.bytes, count, into));
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

/** Set bits in each byte value. */
const ONES = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let v = b; v; v >>= 1) n += v & 1;
  return n;
});

/** How many of the first `bits` bits from byte `start` are set. */
export function bitsSet(bytes: Uint8Array, start: number, bits: number): number {
  const whole = bits >> 3;
  let n = 0;
  // four bytes at a time (a bitmap is read for every message ingested)
  const words = whole >> 2;
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, words * 4);
  for (let w = 0; w < words; w++) {
    let v = view.getUint32(w * 4);
    v -= (v >>> 1) & 0x55555555;
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    n += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  }
  for (let i = words * 4; i < whole; i++) n += ONES[bytes[start + i]!]!;
  const rest = bits & 7;
  if (rest) n += ONES[bytes[start + whole]! >> (8 - rest)]!;
  return n;
}

/**
 * Expands packed values to every grid point in `out` (NaN where the bitmap has a 0 bit). `out` may be
 * `packed` itself (or share its first elements) when it is long enough: points are filled from the end,
 * so no value is overwritten before it is moved.
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
  const present = bitsSet(bitmap, bitmapStart, numberOfDataPoints);
  if (present !== packed.length) {
    throw new GribError(
      "corrupt",
      `bitmap marks ${present} points present but ${packed.length} values are packed`,
      errorOffset,
    );
  }
  expand(packed, bitmap, bitmapStart, numberOfDataPoints, out);
  return out;
}

/** The backward walk of applyBitmap (a function of its own, so that V8 optimises the loop whole). */
function expand(
  packed: Float64Array,
  bitmap: Uint8Array,
  bitmapStart: number,
  points: number,
  out: Float64Array,
): void {
  let v = packed.length;
  for (let k = points - 1; k >= 0; k--) {
    out[k] = (bitmap[bitmapStart + (k >> 3)]! >> (7 - (k & 7))) & 1 ? packed[--v]! : Number.NaN;
  }
}

/**
 * Every grid point's value (NaN where missing); `into`, when given and long enough for the packed
 * values and every point, receives them (unpacked into it, then spread over the points in place).
 */
export function gridValues(h: Handle, into?: Float64Array): Float64Array {
  const bitmap = bitmapOf(h);
  if (!bitmap) return packedValues(h, into);
  const points = h.long("numberOfDataPoints");
  const room = into && into.length >= Math.max(points, packedCount(h));
  const packed = packedValues(h, room ? into : undefined);
  const out = room ? into.subarray(0, points) : new Float64Array(points);
  return applyBitmap(packed, bitmap.bytes, bitmap.start, points, h.fileOffset + bitmap.offset, out);
}

/**
 * One array for the values of field after field, as a tool walking a file decodes each field and moves
 * on: the field that claimed it last holds its values there; a field asked again after another claimed
 * it decodes again. An array handed out stays valid until the next claim.
 */
export class ValuesBuffer {
  private array = new Float64Array(0);
  private owner: object | undefined;

  /** The array, at least `length` long, now holding `owner`'s values. */
  claim(owner: object, length: number): Float64Array {
    // grown by at least a quarter, so that slightly larger fields do not each grow it again, but no
    // larger than asked when that is more: a walk meets few sizes, and the array is the largest
    // piece of a tool's memory (a 1.1 M point field: 9 MiB, not 11)
    if (this.array.length < length) {
      this.array = new Float64Array(Math.max(length, Math.ceil(this.array.length * 1.25)));
    }
    this.owner = owner;
    return this.array;
  }

  holds(owner: object): boolean {
    return this.owner === owner;
  }
}

/** Room for the values of a field: every point, the packed values, and CCSDS's last whole block. */
function room(h: Handle): number {
  return Math.max(h.long("numberOfDataPoints"), packedCount(h)) + 64;
}

/** The values keys of a handle (values, codedValues, statistics), computed once; `buffer` to reuse. */
export function valuesProvider(h: Handle, buffer?: ValuesBuffer): ValuesProvider {
  let coded: Float64Array | undefined;
  let all: Float64Array | undefined;
  return {
    codedValues: () => {
      coded ??= packedValues(h);
      return coded;
    },
    values: () => {
      if (!buffer) {
        all ??= gridValues(h);
        return all;
      }
      if (!all || !buffer.holds(h)) all = gridValues(h, buffer.claim(h, room(h)));
      return all;
    },
  };
}
