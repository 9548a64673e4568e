// Packing values for writing: choose reference value, scale factors and bit width the way ecCodes does
// when bitsPerValue or decimalScaleFactor is set, then produce the packed bytes (simple or CCSDS).
import { bitWidth, ibmFloatBitsNotGreater, ibmFloatFromBits, packBits } from "../bits.ts";
import { AEC_DATA_3BYTE, AEC_DATA_MSB, AEC_DATA_PREPROCESS, ccsdsEncode } from "../ccsds/index.ts";
import type { LinearScaling } from "./scaling.ts";

/** How to quantise: a bit width (binary scaling, decimal scale factor kept) or a decimal precision. */
export interface PrecisionChoice {
  /** Bits per packed value (1..32); the binary scale factor is chosen to fit the range. */
  bitsPerValue?: number;
  /** Decimal scale factor D: values are kept to 10^-D (binary scale factor 0 unless bitsPerValue is also given). */
  decimalScaleFactor?: number;
}

export interface PackedValues extends LinearScaling {
  /** Present (non-NaN) values: how many integers are packed. */
  count: number;
  /** Packed integers, one per present value (empty when quantise was asked for the scaling only). */
  integers: Uint32Array;
}

export type ReferenceKind = "ieee32" | "ibm";

const f32 = new Float32Array(1);
/** Largest float32 not greater than x (GRIB2 reference values are IEEE single precision). */
function float32NotGreater(x: number): number {
  f32[0] = x;
  let r = f32[0];
  if (r > x) {
    // step one ulp down
    const u = new Uint32Array(f32.buffer);
    if (r > 0) u[0]--;
    else if (r < 0) u[0]++;
    else u[0] = 0x80000001;
    r = f32[0];
  }
  return r;
}

function referenceNotGreater(x: number, kind: ReferenceKind): number {
  return kind === "ibm" ? ibmFloatFromBits(ibmFloatBitsNotGreater(x)) : float32NotGreater(x);
}

/**
 * Quantise `values` (NaN = missing, skipped) as ecCodes' simple packing does. Default: 16 bits per value.
 * A constant field (or no values) gets 0 bits per value and the constant as reference.
 */
export function quantise(
  values: Float64Array,
  precision: PrecisionChoice,
  kind: ReferenceKind = "ieee32",
  withIntegers = true,
): PackedValues {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue; // missing
    if (v < min) min = v;
    if (v > max) max = v;
    n++;
  }
  if (min === Number.NEGATIVE_INFINITY || max === Number.POSITIVE_INFINITY) {
    throw new RangeError("GRIB cannot store infinite values");
  }
  const D = precision.decimalScaleFactor ?? 0;
  if (!Number.isInteger(D) || Math.abs(D) > 32767)
    throw new RangeError(`decimalScaleFactor ${D} is not an integer`);
  const bitsGiven = precision.bitsPerValue;
  if (bitsGiven !== undefined && (!Number.isInteger(bitsGiven) || bitsGiven < 0 || bitsGiven > 32)) {
    throw new RangeError(`bitsPerValue ${bitsGiven} is outside 0..32`);
  }
  const integers = new Uint32Array(withIntegers ? n : 0);
  if (n === 0)
    return {
      referenceValue: 0,
      binaryScaleFactor: 0,
      decimalScaleFactor: D,
      bitsPerValue: 0,
      count: 0,
      integers,
    };
  const dec = 10 ** D;
  const ref = referenceNotGreater(min * dec, kind);
  const range = max * dec - ref;
  if (max === min || bitsGiven === 0) {
    // Constant, as ecCodes tests it (max == min, not a zero range above the rounded-down reference, which
    // a constant IBM or float32 cannot represent exactly leaves): 0 bits, and readers (ecCodes) take the
    // reference value unscaled, so it is stored with D = 0.
    const constant = referenceNotGreater(min, kind);
    return {
      referenceValue: constant,
      binaryScaleFactor: 0,
      decimalScaleFactor: 0,
      bitsPerValue: 0,
      count: n,
      integers,
    };
  }
  let nbits: number;
  let E: number;
  if (bitsGiven === undefined && precision.decimalScaleFactor !== undefined) {
    // decimal precision: E = 0, as many bits as the scaled range needs
    E = 0;
    nbits = Math.max(1, bitWidth(Math.round(range)));
    if (nbits > 32) throw new RangeError(`decimalScaleFactor ${D} needs ${nbits} bits: choose a smaller one`);
  } else {
    nbits = bitsGiven ?? 16;
    const maxInt = 2 ** nbits - 1;
    E = Math.ceil(Math.log2(range / maxInt));
    // guard against log2 rounding: the largest value must fit
    while (Math.round(range / 2 ** E) > maxInt) E++;
    while (E > -1000 && Math.round(range / 2 ** (E - 1)) <= maxInt) E--;
  }
  const scaling = {
    referenceValue: ref,
    binaryScaleFactor: E,
    decimalScaleFactor: D,
    bitsPerValue: nbits,
    count: n,
  };
  if (!withIntegers) return { ...scaling, integers };
  const maxInt = 2 ** nbits - 1;
  const inv = 2 ** -E;
  let k = 0;
  if (nbits <= 30 && n === values.length) {
    // no missing values, integers fit int32: truncate (v + 0.5) instead of Math.round
    for (let i = 0; i < n; i++) {
      const x = ((values[i] * dec - ref) * inv + 0.5) | 0;
      integers[i] = x < 0 ? 0 : x > maxInt ? maxInt : x;
    }
    k = n;
  } else {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Number.isNaN(v)) continue;
      let x = Math.round((v * dec - ref) * inv);
      if (x < 0) x = 0;
      else if (x > maxInt) x = maxInt;
      integers[k++] = x;
    }
  }
  return { ...scaling, integers };
}

/**
 * Simple-packed bytes (no section header) of the present values of `values`, quantised with `q`'s
 * scaling (from quantise(..., false)) on the fly: no array of integers in between.
 */
export function packSimpleValues(values: Float64Array, q: PackedValues): Uint8Array {
  const n = q.bitsPerValue;
  const out = new Uint8Array(Math.ceil((q.count * n) / 8));
  if (n === 0 || q.count === 0) return out;
  const dec = 10 ** q.decimalScaleFactor;
  const ref = q.referenceValue;
  const inv = 2 ** -q.binaryScaleFactor;
  const maxInt = 2 ** n - 1;
  const dense = q.count === values.length;
  let p = 0;
  if (n === 16 && dense) {
    for (let i = 0; i < values.length; i++, p += 2) {
      let x = ((values[i] * dec - ref) * inv + 0.5) | 0;
      x = x < 0 ? 0 : x > maxInt ? maxInt : x;
      out[p] = x >>> 8;
      out[p + 1] = x;
    }
    return out;
  }
  // 32-bit accumulator, flushed a byte at a time; values over 24 bits go in two pieces
  let acc = 0;
  let accBits = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    let x = Math.round((v * dec - ref) * inv);
    x = x < 0 ? 0 : x > maxInt ? maxInt : x;
    if (n > 24) {
      acc = (acc << (n - 16)) | Math.floor(x / 65536);
      accBits += n - 16;
      while (accBits >= 8) {
        accBits -= 8;
        out[p++] = acc >>> accBits;
      }
      acc &= (1 << accBits) - 1;
      acc = (acc << 16) | (x & 0xffff);
      accBits += 16;
    } else {
      acc = (acc << n) | x;
      accBits += n;
    }
    while (accBits >= 8) {
      accBits -= 8;
      out[p++] = acc >>> accBits;
    }
    acc &= (1 << accBits) - 1;
  }
  if (accBits > 0) out[p] = acc << (8 - accBits);
  return out;
}

/** Bytes of simple-packed integers (no section header), padded to a whole byte. */
export function packSimpleData(q: PackedValues): Uint8Array {
  const out = new Uint8Array(Math.ceil((q.integers.length * q.bitsPerValue) / 8));
  packBits(q.integers, q.bitsPerValue, out, 0);
  return out;
}

export interface CcsdsParameters {
  /** ecCodes' ccsdsFlags (default 14 = PREPROCESS | MSB | 3BYTE). */
  flags?: number;
  /** ecCodes' ccsdsBlockSize (default 32). */
  blockSize?: number;
  /** ecCodes' ccsdsRsi (default 128). */
  rsi?: number;
}

export const CCSDS_DEFAULTS = {
  flags: AEC_DATA_PREPROCESS | AEC_DATA_MSB | AEC_DATA_3BYTE,
  blockSize: 32,
  rsi: 128,
} as const;

/** CCSDS-compressed integers (no section header); empty for 0 bits per value. */
export function packCcsdsData(q: PackedValues, p: CcsdsParameters = {}): Uint8Array {
  if (q.bitsPerValue === 0 || q.count === 0) return new Uint8Array(0);
  return ccsdsEncode(q.integers, {
    bitsPerSample: q.bitsPerValue,
    flags: p.flags ?? CCSDS_DEFAULTS.flags,
    blockSize: p.blockSize ?? CCSDS_DEFAULTS.blockSize,
    rsi: p.rsi ?? CCSDS_DEFAULTS.rsi,
  });
}
