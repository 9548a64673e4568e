// Reading keys by their ecCodes names, aliases included (step, date, time, ...), and printing values
// the way ecCodes prints them (%g for doubles, MISSING, not_found).

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

/** x to 6 significant digits as C rounds (exact ties to even; JavaScript rounds them away from zero). */
function precision6(x: number): string {
  const s = x.toPrecision(6);
  const longer = x.toPrecision(7);
  const mantissa = longer.split("e")[0];
  if (mantissa.charCodeAt(mantissa.length - 1) !== 53 /* "5" */) return s;
  const exact = x.toPrecision(60);
  const [m, e] = exact.split("e");
  const digits = m.replace("-", "").replace(".", "");
  const firstNonZero = digits.search(/[1-9]/);
  const kept = digits.slice(firstNonZero, firstNonZero + 6);
  if (!/^50*$/.test(digits.slice(firstNonZero + 6)) || Number(kept[5]) % 2 === 1) return s;
  // a tie after an even digit: C keeps the digit, so truncate the exact expansion
  const truncated = Number(
    `${x < 0 ? "-" : ""}${kept[0]}.${kept.slice(1)}e${Math.floor(Math.log10(Math.abs(x)))}`,
  );
  void e;
  return truncated.toPrecision(6);
}

/** C's printf("%g"): six significant digits, trailing zeros removed. */
export function formatG(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  let s = precision6(x);
  const e = s.includes("e") ? Number(s.split("e")[1]) : Math.floor(Math.log10(Math.abs(Number(s))));
  if (e < -4 || e >= 6) {
    const [mant, ex] = Number(s).toExponential(5).split("e");
    const m = mant.includes(".") ? mant.replace(/0+$/, "").replace(/\.$/, "") : mant;
    const n = Number(ex);
    return `${m}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
  }
  if (s.includes("e")) s = Number(s).toFixed(Math.max(0, 5 - e));
  if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
  return s;
}

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
