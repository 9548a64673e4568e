// Simple packing: GRIB2 template 5.0 and GRIB1's simple grid-point packing, plus the 5.4 IEEE floats.
import { GribBitsError, readIbmFloat, readSignMagnitude, unpackBits } from "../bits.ts";
import { PackingError, requireLength } from "./errors.ts";
import { output } from "./output.ts";
import { type Coefficients, constantValue, ecCodesCoefficients, readGrib2Scaling } from "./scaling.ts";

/** GRIB2 template 5.0 (also the layout of 5.42's first octets). */
export function unpackSimple(
  section5: Uint8Array,
  section7: Uint8Array,
  count: number,
  out?: Float64Array,
): Float64Array {
  requireLength(section5, 21, 5, "template 5.0");
  const scaling = readGrib2Scaling(section5);
  if (scaling.bitsPerValue === 0) return output(count, out).fill(constantValue(scaling));
  if (scaling.bitsPerValue > 53) {
    throw new PackingError("unsupported", `${scaling.bitsPerValue} bits per value`, 5, 19);
  }
  requireBits(section7, 5, scaling.bitsPerValue, count, 7);
  return unpackOrThrow(
    section7,
    5,
    scaling.bitsPerValue,
    count,
    output(count, out),
    ecCodesCoefficients(scaling),
    7,
  );
}

/** Check, before allocating anything, that the section holds `count` values of `nbits` bits. */
function requireBits(
  section: Uint8Array,
  dataStart: number,
  nbits: number,
  count: number,
  sectionNumber: number,
): void {
  const need = dataStart + Math.ceil((nbits * count) / 8);
  if (section.length < need) {
    throw new PackingError(
      "corrupt",
      `${count} values of ${nbits} bits need ${need} bytes, the section has ${section.length}`,
      sectionNumber,
      section.length,
    );
  }
}

function unpackOrThrow(
  section: Uint8Array,
  dataStart: number,
  nbits: number,
  count: number,
  out: Float64Array,
  c: Coefficients,
  sectionNumber: number,
): Float64Array {
  try {
    return unpackBits(section, dataStart * 8, nbits, count, out, 0, c.ref, c.bscale, c.dscale);
  } catch (e) {
    if (e instanceof GribBitsError)
      throw new PackingError("corrupt", e.message, sectionNumber, section.length);
    throw e;
  }
}

/** GRIB2 template 5.4: IEEE floats, 32 or 64 bits, big-endian. */
export function unpackIeee(
  section5: Uint8Array,
  section7: Uint8Array,
  count: number,
  into?: Float64Array,
): Float64Array {
  requireLength(section5, 12, 5, "template 5.4");
  const precision = section5[11];
  const size = precision === 1 ? 4 : precision === 2 ? 8 : 0;
  if (!size) throw new PackingError("unsupported", `IEEE precision ${precision} (5.7)`, 5, 11);
  const need = 5 + size * count;
  if (section7.length < need) {
    throw new PackingError(
      "corrupt",
      `${count} IEEE values need ${need} bytes, have ${section7.length}`,
      7,
      section7.length,
    );
  }
  const out = output(count, into);
  const view = new DataView(section7.buffer, section7.byteOffset + 5, size * count);
  if (size === 4) for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, false);
  else for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, false);
  return out;
}

/** GRIB1 binary data section (section 4), simple grid-point packing with an IBM reference value. */
export function unpackGrib1Simple(
  section4: Uint8Array,
  count: number,
  decimalScaleFactor: number,
  out?: Float64Array,
): Float64Array {
  requireLength(section4, 11, 4, "the binary data section header");
  const flags = section4[3];
  if (flags & 0x80) throw new PackingError("unsupported", "GRIB1 spherical harmonic packing", 4, 3);
  if (flags & 0x40) throw new PackingError("unsupported", "GRIB1 second-order (complex) packing", 4, 3);
  const scaling = {
    binaryScaleFactor: readSignMagnitude(section4, 4, 2),
    referenceValue: readIbmFloat(section4, 6),
    bitsPerValue: section4[10],
    decimalScaleFactor,
  };
  if (scaling.bitsPerValue === 0) return output(count, out).fill(constantValue(scaling));
  if (scaling.bitsPerValue > 53)
    throw new PackingError("unsupported", `${scaling.bitsPerValue} bits per value`, 4, 10);
  requireBits(section4, 11, scaling.bitsPerValue, count, 4);
  return unpackOrThrow(
    section4,
    11,
    scaling.bitsPerValue,
    count,
    output(count, out),
    ecCodesCoefficients(scaling),
    4,
  );
}
