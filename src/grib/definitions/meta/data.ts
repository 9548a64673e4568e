// Keys of the data: the packed values (taking the rest of the data section, as ecCodes' values
// accessors do), the values with the bitmap applied, the bitmap, and what is computed from them
// (statistics, numberOfMissing, numberOfValues). Unpacking itself is the codec's (packing/).

import { codesPower } from "../../packing/scaling.ts";
import { KeyError, type NativeType } from "../accessor.ts";
import type { MetaStatement } from "../ast.ts";
import { MetaAccessor, type MetaClass, type MetaContext } from "./base.ts";

/** `data_*_packing(sectionLength, offsetBeforeData, offsetSection, ...)`: the packed values. */
class PackedValues extends MetaAccessor {
  protected override readonly readsMessage = true;
  constructor(ctx: MetaContext, s: MetaStatement, offset: number) {
    super(ctx, s, offset);
    try {
      const seclen = this.longOf(0);
      const data = this.longOf(1);
      const section = this.longOf(2);
      this.length = seclen && data >= section ? Math.max(0, seclen - (data - section)) : 0;
    } catch (e) {
      if (!(e instanceof KeyError)) throw e;
    }
  }
  override nativeType(): NativeType {
    return "double";
  }
  private array(): Float64Array {
    return this.name === "values" ? this.ctx.data.values() : this.ctx.data.codedValues();
  }
  override count(): number {
    return this.array().length;
  }
  override double(): number {
    const a = this.array();
    if (a.length !== 1) throw this.tooSmall();
    return a[0]!;
  }
  override doubles(): Float64Array {
    return this.array();
  }
}

/**
 * `data_sh_packed` and `data_sh_unpacked`: a spherical-harmonics field's packed coefficients and its
 * unpacked subset (the first (J+1)(J+2) of them, floats), views of the coded values that take no bytes of
 * their own, as in ecCodes.
 */
class SphericalHarmonicsPart extends MetaAccessor {
  override nativeType(): NativeType {
    return "double";
  }
}

/** `data_apply_bitmap(codedValues, bitmap, ...)`: every point's value, NaN where missing. */
class Values extends MetaAccessor {
  protected override readonly readsMessage = true;
  override nativeType(): NativeType {
    return "double";
  }
  override count(): number {
    return this.ctx.data.values().length;
  }
  override double(): number {
    const a = this.ctx.data.values();
    if (a.length !== 1) throw this.tooSmall();
    return a[0]!;
  }
  override doubles(): Float64Array {
    return this.ctx.data.values();
  }
}

/** `g1bitmap(..., offsetSection, sectionLength, unusedBits)` / `g2bitmap`: the bitmap's bits. */
class Bitmap extends MetaAccessor {
  protected override readonly readsMessage = true;
  constructor(ctx: MetaContext, s: MetaStatement, offset: number) {
    super(ctx, s, offset);
    try {
      const start = this.longOf(2);
      const seclen = this.longOf(3);
      this.length = seclen ? Math.max(0, seclen - (offset - start)) : 0;
    } catch (e) {
      if (!(e instanceof KeyError)) throw e;
    }
  }
  override nativeType(): NativeType {
    return "double";
  }
  private bits(): number {
    if (this.cls === "g1bitmap") return this.length * 8 - (this.hasArg(4) ? this.longOf(4) : 0);
    return this.hasArg(4) ? Math.min(this.length * 8, this.longOf(4)) : this.length * 8;
  }
  override count(): number {
    return this.bits();
  }
  override doubles(): number[] {
    const n = this.bits();
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = ((this.ctx.bytes[this.offset + (i >> 3)] ?? 0) >> (7 - (i & 7))) & 1;
    return out;
  }
  override double(): number {
    throw this.tooSmall();
  }
}

/**
 * `statistics(missingValue, values)`: max, min, average, missing, sd, skewness, kurtosis, isConstant.
 * The first four take one pass over the values; the moments a second, made only when one is asked for.
 */
class Statistics extends MetaAccessor {
  protected override readonly readsMessage = true;
  private first: FirstStatistics | undefined;
  private all: number[] | undefined;
  override nativeType(): NativeType {
    return "double";
  }
  override count(): number {
    return 8;
  }
  override double(): number {
    throw this.tooSmall();
  }
  override doubles(): number[] {
    this.first ??= firstStatistics(this.ctx.data.values());
    this.all ??= statistics(this.ctx.data.values(), this.first);
    return this.all;
  }
  override doubleAt(i: number): number | undefined {
    if (i > 3 || this.all) return this.doubles()[i];
    this.first ??= firstStatistics(this.ctx.data.values());
    return [this.first.max, this.first.min, this.first.avg, this.first.missing][i];
  }
}

/** What one pass over the values gives: max, min, average and missing (ecCodes' 9999 when all are). */
interface FirstStatistics {
  max: number;
  min: number;
  avg: number;
  missing: number;
  /** values present */
  n: number;
}

function firstStatistics(values: Float64Array): FirstStatistics {
  const acc = new Float64Array(4);
  acc[0] = Number.NEGATIVE_INFINITY;
  acc[1] = Number.POSITIVE_INFINITY;
  inChunks(values, acc, sums);
  const n = acc[3]!;
  const missing = values.length - n;
  if (n === 0) return { max: 9999, min: 9999, avg: 9999, missing, n };
  return { max: acc[0]!, min: acc[1]!, avg: acc[2]! / n, missing, n };
}

/** ecCodes' statistics accessor, over present values (missing ones are NaN here). */
export function statistics(values: Float64Array, first = firstStatistics(values)): number[] {
  const { max, min, avg, missing, n } = first;
  if (n === 0) return [9999, 9999, 9999, missing, 0, 0, 0, 1];
  const acc = new Float64Array(4);
  acc[3] = avg;
  inChunks(values, acc, moments);
  const m2 = acc[0]! / n;
  const m3 = acc[1]! / n;
  const m4 = acc[2]! / n;
  const sd = Math.sqrt(m2);
  const skew = m2 !== 0 ? m3 / (sd * sd * sd) : 0;
  const kurt = m2 !== 0 ? m4 / (m2 * m2) - 3 : 0;
  return [max, min, avg, missing, sd, skew, kurt, sd === 0 ? 1 : 0];
}

/**
 * Runs a loop over a field in slices of 64 Ki values, the first of 256. V8 compiles a long loop of a
 * function that has run only a few times on stack replacement, and that code gives up (deoptimises)
 * at each statement after the loop that had never run when it was compiled, on every call: a field
 * walked in one call cost 20-40 ns a value, in slices under 1. The short first slice runs the whole
 * function before any of it is compiled.
 */
function inChunks(
  values: Float64Array,
  acc: Float64Array,
  loop: (values: Float64Array, from: number, to: number, acc: Float64Array) => void,
): void {
  for (let from = 0, to = 256; from < values.length; from = to, to += 65536) {
    loop(values, from, Math.min(values.length, to), acc);
  }
}

/** acc = [max, min, sum, count] of the values that are not NaN. */
function sums(values: Float64Array, from: number, to: number, acc: Float64Array): void {
  let max = acc[0]!;
  let min = acc[1]!;
  let sum = acc[2]!;
  let n = acc[3]!;
  for (let i = from; i < to; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue; // missing
    if (v > max) max = v;
    if (v < min) min = v;
    sum += v;
    n++;
  }
  acc[0] = max;
  acc[1] = min;
  acc[2] = sum;
  acc[3] = n;
}

/** acc[0..2] += second, third and fourth powers of the deviations from acc[3] (the mean), NaN skipped. */
function moments(values: Float64Array, from: number, to: number, acc: Float64Array): void {
  const avg = acc[3]!;
  let m2 = acc[0]!;
  let m3 = acc[1]!;
  let m4 = acc[2]!;
  for (let i = from; i < to; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    const d = v - avg;
    const t = d * d;
    m2 += t;
    m3 += d * t;
    m4 += t * t;
  }
  acc[0] = m2;
  acc[1] = m3;
  acc[2] = m4;
}

/** `count_missing(bitmap, unusedBits, numberOfDataPoints, missingValueManagementUsed)`. */
class CountMissing extends MetaAccessor {
  protected override readonly readsMessage = true;
  override long(): number {
    const bitmap = this.ctx.find(this.key(0));
    if (!bitmap) {
      const managed = this.hasArg(3) && this.ctx.find(this.key(3)) ? this.longOf(3) : 0;
      if (!managed) return 0;
      const values = this.ctx.data.values();
      let n = 0;
      for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i]!)) n++;
      return n;
    }
    let unused: number;
    try {
      unused = this.longOf(1);
    } catch {
      unused = bitmap.length * 8 - this.longOf(2);
    }
    const bits = bitmap.length * 8 - unused;
    let zeros = 0;
    for (let i = 0; i < bits; i++) {
      if (!(((this.ctx.bytes[bitmap.offset + (i >> 3)] ?? 0) >> (7 - (i & 7))) & 1)) zeros++;
    }
    return zeros;
  }
}

/** GRIB1's `number_of_values(values, bitsPerValue, numberOfDataPoints, bitmapPresent, bitmap, ...)`: points the bitmap marks, else every point. */
class NumberOfValues extends MetaAccessor {
  override long(): number {
    const points = this.longOf(2);
    if (this.longOf(3)) {
      const bitmap = this.ctx.find(this.key(4));
      if (!bitmap) return 0;
      const bits = bitmap.doubles();
      let n = 0;
      for (let i = 0; i < Math.min(points, bits.length); i++) if (bits[i]) n++;
      return n;
    }
    return points;
  }
}

/** GRIB1's `number_of_coded_values(bitsPerValue, offsetBeforeData, offsetAfterData, unusedBits, numberOfValues)`. */
class NumberOfCodedValues extends MetaAccessor {
  override long(): number {
    const bpv = this.longOf(0);
    if (bpv === 0) return this.longOf(4);
    const before = this.longOf(1);
    const after = this.longOf(2);
    const unused = this.longOf(3);
    return Math.trunc(((after - before) * 8 - unused) / bpv);
  }
}

/**
 * GRIB1's `g1number_of_coded_values_sh_complex(bitsPerValue, offsetBeforeData, offsetAfterData, unusedBits,
 * numberOfValues, JS, KS, MS)`: the section's bits less the unpacked subset's 32-bit floats, over
 * bitsPerValue, plus the subset's count.
 */
class NumberOfCodedValuesShComplex extends MetaAccessor {
  override long(): number {
    const [js, ks, ms] = [this.longOf(5), this.longOf(6), this.longOf(7)];
    if (js !== ks || ks !== ms)
      throw new KeyError("not_implemented", this.name, `${this.name}: subset J, K, M = ${js}, ${ks}, ${ms}`);
    const bpv = this.longOf(0);
    if (bpv === 0) return this.longOf(4);
    const subset = (ms + 1) * (ms + 2);
    const bits = (this.longOf(2) - this.longOf(1)) * 8 - this.longOf(3);
    return Math.trunc((bits + subset * (bpv - 32)) / bpv);
  }
}

/**
 * `statistics_spectral(values, J, K, M, JS)`: of a triangular truncation's coefficients, the average (the
 * first), the energy norm, the standard deviation and whether it is constant, as ecCodes sums them.
 */
class StatisticsSpectral extends MetaAccessor {
  private computed: number[] | undefined;
  override nativeType(): NativeType {
    return "double";
  }
  override count(): number {
    return 4;
  }
  override double(): number {
    throw this.tooSmall();
  }
  override doubles(): number[] {
    this.computed ??= this.compute();
    return this.computed;
  }
  private compute(): number[] {
    const values = this.ctx.find(this.key(0))?.doubles();
    if (!values) throw new KeyError("not_found", this.key(0), `${this.key(0)} not found`);
    const [j, k, m] = [this.longOf(1), this.longOf(2), this.longOf(3)];
    if (j !== m || m !== k)
      throw new KeyError("not_implemented", this.name, `${this.name}: J, K, M = ${j}, ${k}, ${m}`);
    if ((m + 1) * (m + 2) !== values.length)
      throw new KeyError("decoding", this.name, `${values.length} coefficients for truncation ${m}`);
    const avg = values[0]!;
    let sd = 0;
    for (let i = 2; i < 2 * j; i += 2) sd += values[i]! * values[i]!;
    for (let i = 2 * j; i < values.length; i += 2)
      sd += 2 * values[i]! * values[i]! + 2 * values[i + 1]! * values[i + 1]!;
    const enorm = Math.sqrt(sd + avg * avg);
    sd = Math.sqrt(sd);
    return [avg, enorm, sd, sd === 0 ? 1 : 0];
  }
}

/** `unsigned_bits(width, count)`: count values of width bits, byte-aligned at the start (group widths, lengths, ...). */
class BitValues extends MetaAccessor {
  protected override readonly readsMessage = true;
  constructor(ctx: MetaContext, s: MetaStatement, offset: number) {
    super(ctx, s, offset);
    try {
      this.length = Math.ceil((this.width() * this.values()) / 8);
    } catch (e) {
      if (!(e instanceof KeyError)) throw e;
    }
  }
  protected width(): number {
    return this.longOf(0);
  }
  protected values(): number {
    return this.cls === "spd" ? this.longOf(1) + 1 : this.longOf(1);
  }
  override count(): number {
    return this.values();
  }
  override long(): number {
    if (this.values() !== 1) throw this.tooSmall();
    return this.longs()[0]!;
  }
  override longs(): number[] {
    const width = this.width();
    const n = this.values();
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let b = 0; b < width; b++) {
        const p = this.offset * 8 + i * width + b;
        v = v * 2 + (((this.ctx.bytes[p >> 3] ?? 0) >> (7 - (p & 7))) & 1);
      }
      // spd: the last value (the bias) is signed
      const signed = this.cls === "signed_bits" || (this.cls === "spd" && i === n - 1);
      const sign = 2 ** (width - 1);
      out[i] = signed && width > 0 && v >= sign ? -(v - sign) : v;
    }
    return out;
  }
  override doubles(): number[] {
    return this.longs();
  }
}

/**
 * `second_order_bits_per_value(codedValues, binaryScaleFactor, decimalScaleFactor)`: GRIB1 second order
 * codes no bits per value, so ecCodes derives one from the decoded values' range: the bits of
 * ceil(|max - min| * 2^-E * 10^D), with its powers made by repeated multiplication or division.
 */
class SecondOrderBitsPerValue extends MetaAccessor {
  override long(): number {
    const values = this.ctx.find(this.key(0))?.doubles();
    if (!values?.length) return 0;
    const { max, min } = firstStatistics(values instanceof Float64Array ? values : Float64Array.from(values));
    const range = Math.ceil(
      Math.abs(max - min) * codesPower(-this.longOf(1), 2) * codesPower(this.longOf(2), 10),
    );
    let bits = 0;
    while (bits < 64 && range >= 2 ** bits) bits++;
    return bits;
  }
}

/** The precision of a reference value in its float (ecCodes' grib_ieeefloat_error / grib_ibmfloat_error). */
export function floatError(x: number, kind: string): number {
  const a = Math.abs(x);
  if (kind === "ibm") {
    if (a === 0) return 16 ** -70;
    // IBM: 24-bit mantissa, base-16 exponent; a in [16^(E-65), 16^(E-64)) has a step of 16^(E-70)
    const e = Math.floor(Math.log(a) / Math.log(16)) + 65;
    return 16 ** (e - 70);
  }
  if (a < 2 ** -126) return 2 ** -149;
  // IEEE single: a in [2^k, 2^(k+1)) has a step of 2^(k-23)
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

/** `reference_value_error(referenceValue, ieee|ibm)`. */
class ReferenceValueError extends MetaAccessor {
  override nativeType(): NativeType {
    return "double";
  }
  override double(): number {
    return floatError(this.doubleOf(0), this.key(1));
  }
}

/** `simple_packing_error(bitsPerValue, binaryScaleFactor, decimalScaleFactor, referenceValue, ieee|ibm)`. */
class SimplePackingError extends MetaAccessor {
  override nativeType(): NativeType {
    return "double";
  }
  override double(): number {
    const error = floatError(this.doubleOf(3), this.key(4));
    if (this.longOf(0) === 0) return error;
    return (error + 2 ** this.longOf(1)) * 10 ** -this.longOf(2) * 0.5;
  }
}

const packings = [
  "data_g1simple_packing",
  "data_g2simple_packing",
  "data_g2simple_packing_with_preprocessing",
  "data_g2complex_packing",
  "data_g22order_packing",
  "data_g2second_order_packing",
  "data_g1second_order_general_extended_packing",
  "data_g1second_order_general_packing",
  "data_g1second_order_row_by_row_packing",
  "data_g1second_order_constant_width_packing",
  "data_g1complex_packing",
  "data_ccsds_packing",
  "data_jpeg2000_packing",
  "data_png_packing",
  "data_raw_packing",
  "data_g1shsimple_packing",
  "data_g2shsimple_packing",
  "data_complex_packing",
  "data_simple_packing",
  "data_dummy_field",
];

export const dataClasses: Record<string, MetaClass> = {
  ...Object.fromEntries(packings.map((p) => [p, PackedValues])),
  data_sh_packed: SphericalHarmonicsPart,
  data_sh_unpacked: SphericalHarmonicsPart,
  unsigned_bits: BitValues,
  signed_bits: BitValues,
  spd: BitValues,
  reference_value_error: ReferenceValueError,
  simple_packing_error: SimplePackingError,
  data_apply_bitmap: Values,
  data_apply_boustrophedonic: Values,
  data_apply_boustrophedonic_bitmap: Values,
  g1bitmap: Bitmap,
  g2bitmap: Bitmap,
  statistics: Statistics,
  count_missing: CountMissing,
  number_of_values: NumberOfValues,
  number_of_coded_values: NumberOfCodedValues,
  g1number_of_coded_values_sh_complex: NumberOfCodedValuesShComplex,
  statistics_spectral: StatisticsSpectral,
  second_order_bits_per_value: SecondOrderBitsPerValue,
};
