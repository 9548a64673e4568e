// Public types of the GRIB codec. Keys are named as ecCodes names them; the reader (scan, sections,
// metadata, geometry), the writer and the post-processing plugins all build on these, so keep them stable.

export type GribEdition = 1 | 2;

/** One message found by the scanner: where it is and its bytes ("GRIB" ... "7777"). */
export interface ScannedMessage {
  /** Byte offset of "GRIB" in the file or stream (ecCodes' `offset`). */
  offset: number;
  /** Length in bytes, "GRIB" to "7777" inclusive (ecCodes' `totalLength`). */
  length: number;
  edition: GribEdition;
  /** The message's bytes; a view that the caller may keep. */
  bytes: Uint8Array;
}

export type GribErrorCode =
  /** The stream ended before the message's declared length. */
  | "truncated"
  /** "7777" is not where the declared length says it ends. */
  | "bad-end"
  /** An edition other than 1 or 2, or an impossible length. */
  | "bad-header"
  /** A section is malformed (length runs past the message, unknown section number, ...). */
  | "bad-section"
  /** A template, packing or grid the codec does not support. */
  | "unsupported"
  /** Anything else the decoder found inconsistent (e.g. bitmap and value counts disagree). */
  | "corrupt";

/**
 * A typed error for one message (or one region of a stream). `offset` is the byte offset, in the
 * file or stream, where the problem was found (for a scanned message: the offset of its "GRIB").
 */
export class GribError extends Error {
  override name = "GribError";
  readonly code: GribErrorCode;
  /** Byte offset in the file or stream. */
  readonly offset: number;
  /** Bytes the scanner skipped because of this error (0 when not applicable). */
  readonly length: number;
  constructor(code: GribErrorCode, message: string, offset: number, length = 0) {
    super(`${message} (at byte offset ${offset})`);
    this.code = code;
    this.offset = offset;
    this.length = length;
  }
}

export function isGribError(value: unknown): value is GribError {
  return value instanceof GribError;
}

/** Shape of the earth, as GRIB2 code table 3.2 (or GRIB1's resolution flags) says it. */
export type EarthShape =
  | { shape: "sphere"; radius: number }
  | { shape: "oblate"; majorAxis: number; minorAxis: number };

/** Scanning mode flags (GRIB1 table 8 / GRIB2 flag table 3.4), ecCodes' key names. */
export interface ScanningMode {
  iScansNegatively: 0 | 1;
  jScansPositively: 0 | 1;
  jPointsAreConsecutive: 0 | 1;
  alternativeRowScanning: 0 | 1;
}

/** Parameters every grid definition has. */
export interface GridCommon {
  numberOfDataPoints: number;
  scanning: ScanningMode;
  /** GRIB2 code table 3.2 value (GRIB1: 0 for a sphere of 6367470 m, 2 for the IAU 1965 oblate earth). */
  shapeOfTheEarth: number;
  earth: EarthShape;
  /** Vector components relative to the grid's x/y directions (1) or easterly/northerly (0). */
  uvRelativeToGrid: 0 | 1;
}

/** Regular latitude/longitude (GRIB1 type 0, GRIB2 template 3.0). */
export interface RegularLatLonGrid extends GridCommon {
  gridType: "regular_ll";
  Ni: number;
  Nj: number;
  latitudeOfFirstGridPointInDegrees: number;
  longitudeOfFirstGridPointInDegrees: number;
  latitudeOfLastGridPointInDegrees: number;
  longitudeOfLastGridPointInDegrees: number;
  /** null when the message says "missing" (ecCodes: MISSING). */
  iDirectionIncrementInDegrees: number | null;
  jDirectionIncrementInDegrees: number | null;
}

/** Rotated latitude/longitude (GRIB1 type 10, GRIB2 template 3.1). Coordinates are in the rotated frame. */
export interface RotatedLatLonGrid extends Omit<RegularLatLonGrid, "gridType"> {
  gridType: "rotated_ll";
  latitudeOfSouthernPoleInDegrees: number;
  longitudeOfSouthernPoleInDegrees: number;
  angleOfRotationInDegrees: number;
}

/** The south pole of a rotated grid (ecCodes' rotated_gg, reduced_rotated_gg). */
export interface Rotation {
  latitudeOfSouthernPoleInDegrees: number;
  longitudeOfSouthernPoleInDegrees: number;
  angleOfRotationInDegrees: number;
}

/** Regular Gaussian (GRIB1 type 4, GRIB2 template 3.40; rotated: GRIB1 type 14, GRIB2 3.41). */
export interface RegularGaussianGrid extends GridCommon {
  gridType: "regular_gg";
  Ni: number;
  Nj: number;
  /** Number of latitude lines between a pole and the equator. */
  N: number;
  latitudeOfFirstGridPointInDegrees: number;
  longitudeOfFirstGridPointInDegrees: number;
  latitudeOfLastGridPointInDegrees: number;
  longitudeOfLastGridPointInDegrees: number;
  iDirectionIncrementInDegrees: number | null;
  /** Present for rotated Gaussian grids (coordinates above are in the rotated frame). */
  rotation?: Rotation;
}

/** Reduced Gaussian (GRIB1 type 4 or GRIB2 template 3.40 with a pl list; rotated: 14 / 3.41). */
export interface ReducedGaussianGrid extends GridCommon {
  gridType: "reduced_gg";
  Nj: number;
  N: number;
  /** Number of points along each latitude. */
  pl: number[];
  latitudeOfFirstGridPointInDegrees: number;
  longitudeOfFirstGridPointInDegrees: number;
  latitudeOfLastGridPointInDegrees: number;
  longitudeOfLastGridPointInDegrees: number;
  /** Present for rotated Gaussian grids (coordinates above are in the rotated frame). */
  rotation?: Rotation;
}

/** Reduced latitude/longitude (GRIB1 type 0 or GRIB2 template 3.0 with a pl list). */
export interface ReducedLatLonGrid extends GridCommon {
  gridType: "reduced_ll";
  Nj: number;
  pl: number[];
  latitudeOfFirstGridPointInDegrees: number;
  longitudeOfFirstGridPointInDegrees: number;
  latitudeOfLastGridPointInDegrees: number;
  longitudeOfLastGridPointInDegrees: number;
  jDirectionIncrementInDegrees: number | null;
}

/** Lambert conformal (GRIB1 type 3, GRIB2 template 3.30). */
export interface LambertGrid extends GridCommon {
  gridType: "lambert";
  Nx: number;
  Ny: number;
  latitudeOfFirstGridPointInDegrees: number;
  longitudeOfFirstGridPointInDegrees: number;
  /** Latitude where Dx and Dy are specified. GRIB1 has no LaD: it equals Latin1 there. */
  LaDInDegrees: number;
  /** Orientation: the meridian parallel to the y axis. */
  LoVInDegrees: number;
  Latin1InDegrees: number;
  Latin2InDegrees: number;
  DxInMetres: number;
  DyInMetres: number;
  /** Bit 1 (0x80) set: the south pole is on the projection plane. */
  projectionCentreFlag: number;
  latitudeOfSouthernPoleInDegrees: number;
  longitudeOfSouthernPoleInDegrees: number;
}

/** Polar stereographic (GRIB1 type 5, GRIB2 template 3.20). */
export interface PolarStereographicGrid extends GridCommon {
  gridType: "polar_stereographic";
  Nx: number;
  Ny: number;
  latitudeOfFirstGridPointInDegrees: number;
  longitudeOfFirstGridPointInDegrees: number;
  /** Latitude where Dx and Dy are true (GRIB1: always 60). */
  LaDInDegrees: number;
  orientationOfTheGridInDegrees: number;
  DxInMetres: number;
  DyInMetres: number;
  /** Bit 1 (0x80) set: the south pole is on the projection plane. */
  projectionCentreFlag: number;
}

/** Mercator (GRIB1 type 1, GRIB2 template 3.10). */
export interface MercatorGrid extends GridCommon {
  gridType: "mercator";
  Ni: number;
  Nj: number;
  latitudeOfFirstGridPointInDegrees: number;
  longitudeOfFirstGridPointInDegrees: number;
  latitudeOfLastGridPointInDegrees: number;
  longitudeOfLastGridPointInDegrees: number;
  /** Latitude where Di and Dj are true. */
  LaDInDegrees: number;
  orientationOfTheGridInDegrees: number;
  DiInMetres: number;
  DjInMetres: number;
}

/** Any other grid (spherical harmonics, space view, ...): metadata only, no geometry. */
export interface OtherGrid extends GridCommon {
  gridType: "other";
  /** ecCodes' gridType string, e.g. "sh", "space_view", or "unknown". */
  ecCodesGridType: string;
  /** GRIB1 data representation type or GRIB2 grid definition template number. */
  template: number;
}

export type GridDefinition =
  | RegularLatLonGrid
  | RotatedLatLonGrid
  | RegularGaussianGrid
  | ReducedGaussianGrid
  | ReducedLatLonGrid
  | LambertGrid
  | PolarStereographicGrid
  | MercatorGrid
  | OtherGrid;

export type GridType = GridDefinition["gridType"];

/**
 * A message's metadata, with ecCodes' key names and values (as `grib_ls -j` / `grib_get` give them).
 * A key ecCodes reports as "not_found" is undefined here; one it reports as "MISSING" is null.
 * Doubles are kept at full precision (ecCodes prints them with %g).
 */
export interface GribMetadata {
  edition: GribEdition;
  /** ecCodes' centre abbreviation ("ecmf", "efkl", "kwbc", "cwao"), or the number as text ("251"). */
  centre: string;
  /** The centre's number (ecCodes `centre:l`). */
  centreCode: number;
  subCentre: number;
  /** YYYYMMDD */
  dataDate: number;
  /** HHMM */
  dataTime: number;
  /** "6", "0-3", ... in stepUnits */
  stepRange: string;
  startStep: number;
  endStep: number;
  /** GRIB2 code table 4.4 (1 = hour), as ecCodes' stepUnits:l. */
  stepUnits: number;
  /** "instant", "accum", "avg", "max", "min", "diff", "rms", "sd", "cov", "ratio", ... */
  stepType: string;
  paramId: number;
  shortName: string;
  name: string;
  units: string;
  typeOfLevel: string;
  level: number;
  /** Ensemble member; undefined when the product has none. */
  number?: number;
  /** MARS type: "an", "fc", "cf", "pf", ...; undefined when ecCodes has none (GRIB1 without local section). */
  dataType?: string;
  /** ecCodes' gridType string ("regular_ll", "rotated_ll", "lambert", ...). */
  gridType: string;
  Ni?: number | null;
  Nj?: number | null;
  Nx?: number;
  Ny?: number;
  N?: number;
  pl?: number[];
  latitudeOfFirstGridPointInDegrees?: number;
  longitudeOfFirstGridPointInDegrees?: number;
  latitudeOfLastGridPointInDegrees?: number;
  longitudeOfLastGridPointInDegrees?: number;
  iDirectionIncrementInDegrees?: number | null;
  jDirectionIncrementInDegrees?: number | null;
  latitudeOfSouthernPoleInDegrees?: number;
  longitudeOfSouthernPoleInDegrees?: number;
  angleOfRotationInDegrees?: number;
  LaDInDegrees?: number;
  LoVInDegrees?: number;
  Latin1InDegrees?: number;
  Latin2InDegrees?: number;
  DxInMetres?: number;
  DyInMetres?: number;
  DiInMetres?: number;
  DjInMetres?: number;
  orientationOfTheGridInDegrees?: number;
  projectionCentreFlag?: number;
  iScansNegatively: 0 | 1;
  jScansPositively: 0 | 1;
  jPointsAreConsecutive: 0 | 1;
  alternativeRowScanning: 0 | 1;
  bitmapPresent: 0 | 1;
  /** Values stored (packed): numberOfDataPoints minus the bitmap's missing points. */
  numberOfValues: number;
  numberOfDataPoints: number;
  /**
   * Missing points: counted from the bitmap; packings with their own missing-value management
   * (5.2/5.3) add theirs once values() has run (ecCodes decodes to count them).
   */
  numberOfMissing: number;
  /** "grid_simple", "grid_ieee", "grid_complex", "grid_complex_spatial_differencing", "grid_ccsds", "grid_jpeg", "grid_png", "grid_second_order", ... */
  packingType: string;
  bitsPerValue: number;
  referenceValue: number;
  binaryScaleFactor: number;
  decimalScaleFactor: number;
  totalLength: number;
  offset: number;

  // Codes behind the names above (ecCodes key names), for writers and products.
  /** GRIB2 discipline (GRIB1: undefined). */
  discipline?: number;
  parameterCategory?: number;
  parameterNumber?: number;
  /** GRIB1 parameter table version and number (GRIB2: undefined). */
  table2Version?: number;
  indicatorOfParameter?: number;
  indicatorOfTypeOfLevel?: number;
  typeOfFirstFixedSurface?: number;
  typeOfSecondFixedSurface?: number;
  productDefinitionTemplateNumber?: number;
  gridDefinitionTemplateNumber?: number;
  dataRepresentationTemplateNumber?: number;
  /** GRIB1 table 5 / GRIB2 code table 4.10 */
  timeRangeIndicator?: number;
  typeOfStatisticalProcessing?: number;
  /** GRIB1 data representation type (table 6). */
  dataRepresentationType?: number;
}

/** Latitude and longitude of every grid point, in the message's own point order (or normalised). */
export interface GridGeometry {
  latitudes: Float64Array;
  longitudes: Float64Array;
}

/** One key of a message, as ecCodes' accessors give it. */
export interface GribKey {
  readonly name: string;
  /** Byte offset in the message (0 for computed keys). */
  readonly offset: number;
  /** Bytes it takes in the message (0 for computed keys). */
  readonly length: number;
  nativeType(): "long" | "double" | "string" | "bytes" | "label" | "section";
  count(): number;
  long(): number;
  double(): number;
  string(): string;
  longs(): number[];
  doubles(): ArrayLike<number>;
}

/** Every key ecCodes' definitions give a message, by name (aliases and namespaced names too). */
export interface GribKeys {
  /** The message's bytes (a multi-field message's field as a message of its own). */
  readonly bytes: Uint8Array;
  find(name: string): GribKey | undefined;
  long(name: string): number;
  double(name: string): number;
  string(name: string): string;
  /** ecCodes' grib_is_missing: a key that can be missing and is. */
  isMissing(name: string): boolean;
  /** Sets a key held in memory (a transient such as stepUnits), as `-s` does when reading. */
  setLong(name: string, value: number): void;
  /** Every key in the order the definitions made them. */
  keys(): Array<[string, GribKey]>;
  /** The keys coded in the message's bytes (not hidden), in order, each name once (grib_compare's keys). */
  codedKeys(): Array<[string, GribKey]>;
  /** The keys of a namespace ("ls", "parameter", "time", "geography", "vertical", "mars", "statistics"). */
  namespace(ns: string): Array<[string, GribKey]>;
}

export interface ValuesOptions {
  /** Reorder to +i, -j rows (west to east, north to south). */
  normalise?: boolean;
  /** An array to decode into (at least numberOfDataPoints long): no new array per field. */
  into?: Float64Array;
}

/** A decoded message: metadata at once, every key, geometry and values on demand. */
export interface DecodedMessage {
  metadata: GribMetadata;
  grid: GridDefinition;
  keys: GribKeys;
  /** Latitudes/longitudes of every point; `normalise` reorders to +i, -j (west-east, north-south) rows. */
  geometry(options?: { normalise?: boolean }): GridGeometry;
  /** Every grid point's value, NaN where the bitmap says missing. */
  values(options?: ValuesOptions): Float64Array;
}
