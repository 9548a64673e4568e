// Hybrid (model) level coordinates: the `pv` array a hybrid-level message carries (GRIB1 section 2, GRIB2
// section 4 after the product template), and the pressure of a full level from it. ECMWF and HARMONIE
// give the half-level coefficients a[0..N], b[0..N] (2(N+1) values); HIRLAM gives the full level's own
// A and B (2 values).
import { decodeMessage } from "../grib/index.ts";

/** The pv array of a message's `field`-th field (GRIB2 multi-field messages), or null when it has none. */
export function verticalCoordinates(message: Uint8Array, field = 0): Float64Array | null {
  const keys = decodeMessage(message, { field }).keys;
  const pv = keys.find("PVPresent") && keys.long("PVPresent") ? keys.find("pv") : undefined;
  return pv && pv.count() > 0 ? Float64Array.from(pv.doubles()) : null;
}

/**
 * The pv array that defines hybrid level `level` among `fields`: a whole model's (more than 2 values) from
 * any of them, or HIRLAM's 2-value one from a field on that very level.
 */
export function levelPv(
  fields: ReadonlyArray<{ key: { level: number }; pv?: Float64Array }>,
  level: number,
): Float64Array | undefined {
  return fields.find((f) => f.pv && (f.pv.length > 2 || f.key.level === level))?.pv;
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
