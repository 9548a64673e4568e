// Spherical-harmonics coefficients with complex packing (GRIB1 spectral_complex, GRIB2 template 5.51), as
// ecCodes unpacks them: the coefficients of a subset of wavenumbers up to J_S come first as floats (IBM or
// IEEE), the rest packed at bitsPerValue and scaled back by the Laplacian operator, (n(n+1))^-P. Values come
// in (real, imaginary) pairs, m by m, n from m to J.
import { BitReader, GribBitsError, ibmFloatFromBits } from "../bits.ts";
import { PackingError } from "./errors.ts";
import { output } from "./output.ts";
import { ecCodesCoefficients, type LinearScaling } from "./scaling.ts";

export interface SpectralPacking extends LinearScaling {
  /** The unpacked subset's floats: 0 IBM 32-bit, 1 IEEE 32-bit, 2 IEEE 64-bit. */
  floats: number;
  /** P of the Laplacian operator. */
  laplacianOperator: number;
  /** J_S, K_S, M_S of the unpacked subset, and J, K, M of the field (triangular: each three equal). */
  subset: readonly [number, number, number];
  truncation: readonly [number, number, number];
  /** ECMWF's old GRIB1 writers scaled the subset's last row too (GRIBEXShBugPresent). */
  gribexShBug: boolean;
}

/** Coefficients of a triangular truncation J: (J + 1)(J + 2) numbers, real and imaginary parts. */
export function spectralCount(truncation: number): number {
  return (truncation + 1) * (truncation + 2);
}

/** Unpacks the coefficients of `section` (GRIB1's 4 or GRIB2's 7), whose coded values start at byte `from`. */
export function unpackSpectralComplex(
  section: Uint8Array,
  from: number,
  p: SpectralPacking,
  sectionNumber: number,
  into?: Float64Array,
): Float64Array {
  const [subJ, subK, subM] = p.subset;
  const [penJ, penK, penM] = p.truncation;
  if (subJ !== subK || subJ !== subM || penJ !== penK || penJ !== penM) {
    throw new PackingError(
      "unsupported",
      `spectral truncation J, K, M = ${p.truncation.join(", ")} (subset ${p.subset.join(", ")}): only triangular truncations are decoded`,
      sectionNumber,
      0,
    );
  }
  const bytes = p.floats === 2 ? 8 : 4;
  if (p.floats < 0 || p.floats > 2) {
    throw new PackingError("unsupported", `unpacked subset precision ${p.floats}`, sectionNumber, 0);
  }
  const count = spectralCount(penJ);
  const val = output(count, into);
  const view = new DataView(section.buffer, section.byteOffset, section.byteLength);
  let h = from; // byte position in the unpacked subset
  const float = (): number => {
    if (h + bytes > section.length)
      throw new PackingError("corrupt", "the unpacked subset runs past the section", sectionNumber, h);
    const v =
      p.floats === 0
        ? ibmFloatFromBits(view.getUint32(h))
        : bytes === 4
          ? view.getFloat32(h)
          : view.getFloat64(h);
    h += bytes;
    return v;
  };
  const { ref: r, bscale: s, dscale: d } = ecCodesCoefficients(p);
  if (penJ === subJ) {
    for (let i = 0; i < count; i++) val[i] = float() * d;
    return val;
  }
  const scals = new Float64Array(penJ + 1);
  for (let n = 1; n <= penJ; n++) {
    const operator = (n * (n + 1)) ** p.laplacianOperator;
    scals[n] = operator !== 0 ? 1 / operator : 0;
  }
  const packed = new BitReader(section, 8 * (from + bytes * spectralCount(subJ)));
  try {
    let i = 0;
    let sub = subK;
    for (let m = 0, left = penJ + 1; left > 0; m++, left--) {
      let lup = m;
      let first = 0;
      if (sub >= 0) {
        for (first = 0; first < sub + 1; first++) {
          val[i++] = float();
          val[i++] = float();
          if (p.gribexShBug && first === sub) {
            val[i - 2] *= scals[lup]!;
            val[i - 1] *= scals[lup]!;
          }
          lup++;
        }
        sub--;
      }
      for (let n = first; n < left; n++) {
        val[i++] = d * (packed.read(p.bitsPerValue) * s + r) * scals[lup]!;
        val[i++] = d * (packed.read(p.bitsPerValue) * s + r) * scals[lup]!;
        // packed, so not exactly the zero they are: the m = 0 row's imaginary parts
        if (m === 0) val[i - 1] = 0;
        lup++;
      }
    }
  } catch (e) {
    if (e instanceof GribBitsError) throw new PackingError("corrupt", e.message, sectionNumber, e.offset);
    throw e;
  }
  return val;
}
