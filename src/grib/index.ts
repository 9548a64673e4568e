// The GRIB codec's public surface: scanning, decoding (metadata, geometry, values) and the types.
export {
  gaussianLatitudes,
  gridGeometry,
  normalisationOrder,
  pointOrder,
  reorder,
  unrotate,
} from "./geometry.ts";
export { applyBitmap, type DecodeOptions, decodeFields, decodeMessage, fieldMessages } from "./message.ts";
export { findGrib, parseIndicator, type ScanFileOptions, scanBuffer, scanFile, scanStream } from "./scan.ts";
export { layout } from "./sections.ts";
export * from "./types.ts";
