// Hybrid (model) level coordinates: the `pv` array a hybrid-level message carries (GRIB1 section 2, GRIB2
// section 4 after the product template), and the pressure of a full level from it. ECMWF and HARMONIE
// give the half-level coefficients a[0..N], b[0..N] (2(N+1) values); HIRLAM gives the full level's own
// A and B (2 values). Read from the section bytes: the codec's metadata has no pv key.
import { layout } from "../grib/index.ts";

/** IBM System/360 single precision, as GRIB1 writes reals. */
function ibmFloat(b: Uint8Array, p: number): number {
  const sign = b[p] & 0x80 ? -1 : 1;
  const exponent = (b[p] & 0x7f) - 64;
  const mantissa = ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) / 0x1000000;
  return sign * mantissa * 16 ** exponent;
}

/** The pv array of a message's `field`-th field (GRIB2 multi-field messages), or null when it has none. */
export function verticalCoordinates(message: Uint8Array, field = 0): Float64Array | null {
  const l = layout(message);
  if (l.edition === 1) {
    const s2 = l.s2?.bytes;
    if (!s2) return null;
    const nv = s2[3];
    const pvl = s2[4];
    if (nv === 0 || pvl === 0 || pvl === 255 || pvl - 1 + 4 * nv > s2.length) return null;
    return Float64Array.from({ length: nv }, (_, i) => ibmFloat(s2, pvl - 1 + 4 * i));
  }
  const s4 = l.fields[field]?.s4.bytes;
  if (!s4) return null;
  const nv = (s4[5] << 8) | s4[6];
  if (nv === 0 || 4 * nv > s4.length - 9) return null;
  const view = new DataView(s4.buffer, s4.byteOffset, s4.byteLength);
  const start = s4.length - 4 * nv;
  return Float64Array.from({ length: nv }, (_, i) => view.getFloat32(start + 4 * i, false));
}

/** A and B of full level `level` (1 = top): pressure there is A + B · surface pressure (Pa). */
export function fullLevelCoefficients(pv: Float64Array, level: number): { a: number; b: number } {
  if (pv.length === 2) return { a: pv[0], b: pv[1] };
  const half = pv.length / 2;
  if (!Number.isInteger(half) || level < 1 || level >= half) {
    throw new Error(
      `hybrid level ${level} is outside the ${half - 1} levels its pv array (${pv.length} values) defines`,
    );
  }
  return {
    a: (pv[level - 1] + pv[level]) / 2,
    b: (pv[half + level - 1] + pv[half + level]) / 2,
  };
}

/** How many full levels a pv array defines (its lowest level's number); null for HIRLAM's 2-value form. */
export function levelCount(pv: Float64Array): number | null {
  return pv.length > 2 ? pv.length / 2 - 1 : null;
}

/** Pressure (Pa) of full hybrid level `level` from the surface pressure (Pa), point by point. */
export function levelPressure(pv: Float64Array, level: number, surface: Float64Array): Float64Array {
  const { a, b } = fullLevelCoefficients(pv, level);
  const out = new Float64Array(surface.length);
  for (let i = 0; i < out.length; i++) out[i] = a + b * surface[i];
  return out;
}
