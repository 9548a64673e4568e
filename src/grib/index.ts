// The GRIB codec's public surface: scanning, decoding (metadata, geometry, values) and the types.
export {
  gaussianLatitudes,
  gridGeometry,
  normalisationOrder,
  pointOrder,
  reorder,
  unrotate,
} from "./geometry.ts";
export { type DecodeOptions, decodeFields, decodeMessage, fieldMessages } from "./message.ts";
export {
  type KeyLookup,
  lookupParameter,
  type Parameter,
  parameterConditions,
  UNKNOWN_PARAMETER,
} from "./parameters.ts";
export {
  findGrib,
  parseIndicator,
  ScanBuffers,
  type ScanFileOptions,
  scanBuffer,
  scanFile,
  scanStream,
} from "./scan.ts";
export { type Grib2Field, grib2Fields } from "./sections.ts";
export * from "./types.ts";
export { applyBitmap, ValuesBuffer } from "./values.ts";
