// GRIB's linear packing: Y = (R + X * 2^E) * 10^-D, with R the reference value, E the binary and D the
// decimal scale factor and X the packed unsigned integer.
import { readIeeeFloat32, readSignMagnitude } from "../bits.ts";

export interface LinearScaling {
  referenceValue: number;
  binaryScaleFactor: number;
  decimalScaleFactor: number;
  bitsPerValue: number;
}

/** Y = (X * bscale + ref) * dscale, computed in that order. */
export interface Coefficients {
  ref: number;
  bscale: number;
  dscale: number;
}

/**
 * Y as ecCodes computes it for every packing it decodes (simple, GRIB1 simple, complex, second order,
 * JPEG 2000, PNG, CCSDS): Y = (X * bscale + R) * dscale, bscale = 2^E, and dscale = 10^-D made as
 * ecCodes makes it, by D divisions of 1 by 10. Any other order rounds otherwise when D != 0: the
 * premultiplied R * 10^-D + X * (2^E * 10^-D) this codec used put a value one bit away from ecCodes'
 * at 7-96 % of the points of ../shared/data's JPEG 2000 fields, and at 24 % of iasi's first field
 * (D = 2) in simple packing and repacked by ecCodes as CCSDS, complex, second order and PNG
 * (test/grib/values-oracle.ts counts them). With D = 0 both orders give the same doubles (X * 2^E is
 * exact). Every unpacker scales through these, so no packing keeps an order of its own.
 */
export function ecCodesCoefficients(s: LinearScaling): Coefficients {
  return {
    ref: s.referenceValue,
    bscale: 2 ** s.binaryScaleFactor,
    dscale: codesPower(-s.decimalScaleFactor, 10),
  };
}

/** ecCodes' codes_power: base^exponent by repeated multiplication or division, rounding as ecCodes does. */
export function codesPower(exponent: number, base: number): number {
  let p = 1;
  for (let e = exponent; e < 0; e++) p /= base;
  for (let e = exponent; e > 0; e--) p *= base;
  return p;
}

/** Scales packed integers already unpacked into `x`, in place (complex and second-order packing). */
export function scaleInPlace(x: Float64Array, count: number, c: Coefficients): void {
  const { ref, bscale, dscale } = c;
  for (let i = 0; i < count; i++) x[i] = (x[i]! * bscale + ref) * dscale;
}

/** Octets 12-20 of GRIB2 templates 5.0, 5.2, 5.3, 5.40, 5.41 and 5.42 (R, E, D, bits per value). */
export function readGrib2Scaling(section5: Uint8Array): LinearScaling {
  return {
    referenceValue: readIeeeFloat32(section5, 11),
    binaryScaleFactor: readSignMagnitude(section5, 15, 2),
    decimalScaleFactor: readSignMagnitude(section5, 17, 2),
    bitsPerValue: section5[19],
  };
}

/**
 * The value of every point of a constant field (0 bits per value). ecCodes returns the reference value
 * as it stands, without the decimal scale factor, and so does this codec (its writer sets D = 0 there).
 */
export function constantValue(s: LinearScaling): number {
  return s.referenceValue;
}
