// GRIB's linear packing: Y = (R + X * 2^E) * 10^-D, with R the reference value, E the binary and D the
// decimal scale factor and X the packed unsigned integer.
import { readIeeeFloat32, readSignMagnitude } from "../bits.ts";

export interface LinearScaling {
  referenceValue: number;
  binaryScaleFactor: number;
  decimalScaleFactor: number;
  bitsPerValue: number;
}

/** ref and scale such that Y = ref + scale * X. */
export function linearCoefficients(s: LinearScaling): { ref: number; scale: number } {
  const d = 10 ** -s.decimalScaleFactor;
  return { ref: s.referenceValue * d, scale: 2 ** s.binaryScaleFactor * d };
}

/** Y = (X * bscale + ref) * dscale, computed in that order. */
export interface EcCodesCoefficients {
  ref: number;
  bscale: number;
  dscale: number;
}

/**
 * The same Y in ecCodes' order for JPEG 2000, Y = (X * bscale + R) * dscale, with dscale = 10^-D made
 * as ecCodes makes it (D divisions of 1 by 10). `linearCoefficients`' one multiply-add rounds otherwise:
 * on ../shared/data's five JPEG 2000 fields it gave a value one bit away from ecCodes' at 7-96 % of
 * the points (D = 1, 3, 5), this order at none of them.
 */
export function ecCodesJpegCoefficients(s: LinearScaling): EcCodesCoefficients {
  let dscale = 1;
  for (let d = s.decimalScaleFactor; d > 0; d--) dscale /= 10;
  for (let d = s.decimalScaleFactor; d < 0; d++) dscale *= 10;
  return { ref: s.referenceValue, bscale: 2 ** s.binaryScaleFactor, dscale };
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
