// Values of a GRIB message: unpack (every supported data representation) and pack. Inputs are whole
// sections (header included); outputs are the packed values only — applying the bitmap is the reader's job.
import { unpackCcsds } from "./ccsds.ts";
import { unpackComplex } from "./complex.ts";
import { PackingError } from "./errors.ts";
import { unpackJpeg2000 } from "./jpeg.ts";
import { unpackPng } from "./png.ts";
import { unpackGrib1SecondOrder, unpackGrib2SecondOrder } from "./secondorder.ts";
import { unpackGrib1Simple, unpackIeee, unpackSimple } from "./simple.ts";

export { PackingError } from "./errors.ts";

const GRIB2_TEMPLATE_NAMES: Record<number, string> = {
  0: "grid_simple",
  1: "grid_simple_matrix",
  2: "grid_complex",
  3: "grid_complex_spatial_differencing",
  4: "grid_ieee",
  40: "grid_jpeg",
  41: "grid_png",
  42: "grid_ccsds",
  50: "spectral_simple",
  51: "spectral_complex",
  61: "grid_simple_log_preprocessing",
  200: "grid_run_length",
  50002: "grid_second_order",
};

/** ecCodes' packingType for a GRIB2 data representation template ("unknown" if it has none). */
export function grib2PackingType(template: number): string {
  return GRIB2_TEMPLATE_NAMES[template] ?? "unknown";
}

/**
 * Unpack the values of a GRIB2 message. `template` is the data representation template number (section 5
 * octets 10-11); `numberOfPackedValues` is section 5's numberOfValues. Missing values coded inside the data
 * (templates 5.2/5.3 with missing value management) are NaN. With `out`, the values are written into its
 * first numberOfPackedValues elements (and a view of them returned).
 */
export function unpackGrib2(
  template: number,
  section5: Uint8Array,
  section7: Uint8Array,
  numberOfPackedValues: number,
  out?: Float64Array,
): Float64Array {
  if (section7.length < 5) throw new PackingError("corrupt", "section 7 shorter than its header", 7, 0);
  switch (template) {
    case 0:
      return unpackSimple(section5, section7, numberOfPackedValues, out);
    case 2:
    case 3:
      return unpackComplex(template, section5, section7, numberOfPackedValues, out);
    case 4:
      return unpackIeee(section5, section7, numberOfPackedValues, out);
    case 40:
      return unpackJpeg2000(section5, section7, numberOfPackedValues, out);
    case 41:
      return unpackPng(section5, section7, numberOfPackedValues, out);
    case 42:
      return unpackCcsds(section5, section7, numberOfPackedValues, out);
    case 50002:
      return unpackGrib2SecondOrder(section5, section7, numberOfPackedValues, out);
    default:
      throw new PackingError(
        "unsupported",
        `data representation template 5.${template} (${grib2PackingType(template)}) is not supported`,
        5,
        9,
      );
  }
}

/** Unpack the values of a GRIB1 message from its binary data section (section 4), into `out` if given. */
export function unpackGrib1(
  section4: Uint8Array,
  numberOfPackedValues: number,
  decimalScaleFactor: number,
  out?: Float64Array,
): Float64Array {
  if (section4.length > 3 && section4[3] & 0x80) {
    throw new PackingError(
      "unsupported",
      "spherical harmonics (spectral) coefficients: only complex packing is decoded (unpackSpectralComplex)",
      4,
      3,
    );
  }
  if (section4.length > 3 && (section4[3] & 0xc0) === 0x40) {
    return unpackGrib1SecondOrder(section4, numberOfPackedValues, decimalScaleFactor, out);
  }
  return unpackGrib1Simple(section4, numberOfPackedValues, decimalScaleFactor, out);
}

export {
  CCSDS_DEFAULTS,
  type CcsdsParameters,
  type PackedValues,
  type PrecisionChoice,
  packCcsdsData,
  packSimpleData,
  packSimpleValues,
  quantise,
} from "./pack.ts";
export { type Coefficients, ecCodesCoefficients, type LinearScaling } from "./scaling.ts";
export { type SpectralPacking, spectralCount, unpackSpectralComplex } from "./spectral.ts";
