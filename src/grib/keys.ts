// Reading keys by their ecCodes names, aliases included (step, date, time, ...), and printing values
// the way ecCodes prints them (%g for doubles, MISSING, not_found).

import { formatG } from "./format.ts";
import type { GribMetadata } from "./types.ts";

export type KeyValue = number | string | number[] | null | undefined;

/** ecCodes' aliases for keys we hold under another name. */
const ALIASES: Record<string, keyof GribMetadata> = {
  date: "dataDate",
  time: "dataTime",
  step: "endStep",
  param: "paramId",
  levtype: "typeOfLevel",
  levelist: "level",
  type: "dataType",
  marsType: "dataType",
  numberOfPoints: "numberOfDataPoints",
  numberOfCodedValues: "numberOfValues",
  identificationOfOriginatingGeneratingCentre: "centre",
  originatingCentre: "centre",
};

/** The value of key `name` (undefined: ecCodes would say not_found; null: MISSING). */
export function getKey(metadata: GribMetadata, name: string): KeyValue {
  if (name.endsWith(":l") || name.endsWith(":i")) {
    const base = name.slice(0, -2);
    if (base === "centre") return metadata.centreCode;
    const v = getKey(metadata, base);
    return typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
  }
  if (name.endsWith(":s")) {
    const v = getKey(metadata, name.slice(0, -2));
    return v === undefined || v === null ? v : String(v);
  }
  const key = (ALIASES[name] ?? name) as keyof GribMetadata;
  if (name === "centreCode") return undefined;
  return metadata[key] as KeyValue;
}

export { formatG } from "./format.ts";

/** A key's value as `grib_ls`/`grib_get` print it. */
export function formatKey(value: KeyValue): string {
  if (value === undefined) return "not_found";
  if (value === null) return "MISSING";
  if (Array.isArray(value)) return value.join(" ");
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : formatG(value);
  return value;
}

/** A key's value as `grib_ls -j` writes it: numbers as numbers, numeric strings as numbers too. */
export function jsonKey(value: KeyValue): number | string | number[] {
  if (value === undefined) return "not_found";
  if (value === null) return "MISSING";
  if (typeof value === "string" && /^-?\d+$/.test(value)) return Number(value);
  return value;
}

/** Hours per unit of GRIB2 code table 4.4 / GRIB1 table 4, as ecCodes' stepUnits numbers them. */
export const hoursPerStepUnit: Readonly<Record<number, number>> = {
  0: 1 / 60,
  1: 1,
  2: 24,
  10: 3,
  11: 6,
  12: 12,
  13: 1 / 3600,
  254: 1 / 3600,
};

/** The grid's size keys, in ecCodes' order. */
export const GRID_SHAPE_KEYS = ["Ni", "Nj", "Nx", "Ny", "N"] as const satisfies ReadonlyArray<
  keyof GribMetadata
>;

/** The keys placing and projecting a grid (pl apart), in ecCodes' order. */
export const GRID_GEOMETRY_KEYS = [
  "latitudeOfFirstGridPointInDegrees",
  "longitudeOfFirstGridPointInDegrees",
  "latitudeOfLastGridPointInDegrees",
  "longitudeOfLastGridPointInDegrees",
  "iDirectionIncrementInDegrees",
  "jDirectionIncrementInDegrees",
  "latitudeOfSouthernPoleInDegrees",
  "longitudeOfSouthernPoleInDegrees",
  "angleOfRotationInDegrees",
  "LaDInDegrees",
  "LoVInDegrees",
  "Latin1InDegrees",
  "Latin2InDegrees",
  "DxInMetres",
  "DyInMetres",
  "DiInMetres",
  "DjInMetres",
  "orientationOfTheGridInDegrees",
  "projectionCentreFlag",
] as const satisfies ReadonlyArray<keyof GribMetadata>;

/** The scanning-mode flags. */
export const SCANNING_KEYS = [
  "iScansNegatively",
  "jScansPositively",
  "jPointsAreConsecutive",
  "alternativeRowScanning",
] as const satisfies ReadonlyArray<keyof GribMetadata>;

/** Every key of the metadata in ecCodes' order for `grib ls --json` without -p. */
export const ALL_KEYS: string[] = [
  "edition",
  "centre",
  "subCentre",
  "dataDate",
  "dataTime",
  "dataType",
  "stepRange",
  "startStep",
  "endStep",
  "stepUnits",
  "stepType",
  "paramId",
  "shortName",
  "name",
  "units",
  "typeOfLevel",
  "level",
  "number",
  "gridType",
  ...GRID_SHAPE_KEYS,
  ...GRID_GEOMETRY_KEYS,
  ...SCANNING_KEYS,
  "bitmapPresent",
  "numberOfValues",
  "numberOfDataPoints",
  "numberOfMissing",
  "packingType",
  "bitsPerValue",
  "referenceValue",
  "binaryScaleFactor",
  "decimalScaleFactor",
  "totalLength",
  "offset",
  "pl",
];

/** grib_ls' default columns. */
export const LS_KEYS = [
  "edition",
  "centre",
  "date",
  "dataType",
  "gridType",
  "stepRange",
  "typeOfLevel",
  "level",
  "shortName",
  "packingType",
];
