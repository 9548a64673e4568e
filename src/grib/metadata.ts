// Metadata of one field with ecCodes' key names and values: identification (section 1), product
// (GRIB1 section 1 / GRIB2 section 4), grid (section 2/3) and packing (section 4/5).

import { readIbmFloat, readIeeeFloat32 } from "./bits.ts";
import { grib1Grid, grib1NoGrid, grib2Grid } from "./grid.ts";
import { GRID_GEOMETRY_KEYS, GRID_SHAPE_KEYS } from "./keys.ts";
import type { Grib1Layout, Grib2Field } from "./sections.ts";
import { centreName, marsType, processedDataType } from "./tables/centres.ts";
import { lookupParameter } from "./tables/parameters.ts";
import type { GribMetadata, GridDefinition } from "./types.ts";

function u(buf: Uint8Array, p: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + buf[p + i];
  return v;
}

function s(buf: Uint8Array, p: number, n: number): number {
  const raw = u(buf, p, n);
  const signBit = 2 ** (8 * n - 1);
  return raw >= signBit ? -(raw - signBit) : raw;
}

function allOnes(buf: Uint8Array, p: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (buf[p + i] !== 0xff) return false;
  return true;
}

/** Number of set bits among the first `bits` bits of a bitmap. */
export function countBits(bitmap: Uint8Array, start: number, bits: number): number {
  let n = 0;
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) {
    let b = bitmap[start + i];
    b = b - ((b >> 1) & 0x55);
    b = (b & 0x33) + ((b >> 2) & 0x33);
    n += (b + (b >> 4)) & 0x0f;
  }
  const rest = bits & 7;
  if (rest) {
    const b = bitmap[start + whole] >> (8 - rest);
    for (let k = 0; k < rest; k++) if (b & (1 << k)) n++;
  }
  return n;
}

/** Seconds in one unit of GRIB1 table 4 / GRIB2 code table 4.4 (months and longer: undefined). */
const UNIT_SECONDS: Record<number, number> = {
  0: 60,
  1: 3600,
  2: 86400,
  10: 3 * 3600,
  11: 6 * 3600,
  12: 12 * 3600,
  13: 1,
  // GRIB1 only
  254: 1,
};

/** Seconds in one unit of GRIB1 table 4 (13 and 14 are 15 and 30 minutes there, 254 seconds). */
const GRIB1_UNIT_SECONDS: Record<number, number> = { ...UNIT_SECONDS, 13: 900, 14: 1800, 254: 1 };

/** GRIB1 table 4 codes as GRIB2 code table 4.4 codes (ecCodes' stepUnits). */
function grib1UnitToGrib2(unit: number): number {
  if (unit === 254) return 13;
  if (unit === 13 || unit === 14) return 0;
  return unit;
}

/** Steps expressed in hours when they are whole hours (ecCodes' default stepUnits), else in their own unit. */
function stepsInUnits(
  start: number,
  end: number,
  unit: number,
  table: Record<number, number> = UNIT_SECONDS,
): { start: number; end: number; units: number } {
  const seconds = table[unit];
  if (seconds !== undefined && unit !== 1) {
    const sh = (start * seconds) / 3600;
    const eh = (end * seconds) / 3600;
    if (Number.isInteger(sh) && Number.isInteger(eh)) return { start: sh, end: eh, units: 1 };
  }
  return { start, end, units: unit };
}

function stepRange(start: number, end: number): string {
  return start === end ? String(end) : `${start}-${end}`;
}

const GRIB1_LAYER_TYPES = new Set([101, 104, 106, 108, 110, 112, 114, 116, 120, 121, 128, 141]);

const GRIB1_LEVEL_TYPES: Record<number, string> = {
  1: "surface",
  2: "cloudBase",
  3: "cloudTop",
  4: "isothermZero",
  5: "adiabaticCondensation",
  6: "maxWind",
  7: "tropopause",
  8: "nominalTop",
  9: "seaBottom",
  100: "isobaricInhPa",
  101: "isobaricLayer",
  102: "meanSea",
  103: "heightAboveSea",
  104: "heightAboveSeaLayer",
  105: "heightAboveGround",
  106: "heightAboveGroundLayer",
  107: "sigma",
  108: "sigmaLayer",
  109: "hybrid",
  110: "hybridLayer",
  111: "depthBelowLand",
  112: "depthBelowLandLayer",
  113: "theta",
  114: "thetaLayer",
  115: "pressureFromGround",
  116: "pressureFromGroundLayer",
  117: "potentialVorticity",
  121: "isobaricLayerHighPrecision",
  125: "heightAboveGroundHighPrecision",
  128: "sigmaLayerHighPrecision",
  141: "isobaricLayerMixedPrecision",
  160: "depthBelowSea",
  200: "entireAtmosphere",
  201: "entireOcean",
  210: "isobaricInPa",
};

/** GRIB2 typeOfFirstFixedSurface -> typeOfLevel when there is no second surface. */
const GRIB2_LEVEL_TYPES: Record<number, string> = {
  1: "surface",
  2: "cloudBase",
  3: "cloudTop",
  4: "isothermZero",
  5: "adiabaticCondensation",
  6: "maxWind",
  7: "tropopause",
  8: "nominalTop",
  9: "seaBottom",
  10: "atmosphere",
  17: "mostUnstableParcel",
  18: "mixedLayerParcel",
  20: "isothermal",
  100: "isobaricInhPa",
  101: "meanSea",
  102: "heightAboveSea",
  103: "heightAboveGround",
  104: "sigma",
  105: "hybrid",
  106: "depthBelowLand",
  107: "theta",
  108: "pressureFromGround",
  109: "potentialVorticity",
  111: "eta",
  114: "snow",
  117: "mixedLayerDepthGeneric",
  118: "hybridHeight",
  119: "hybridPressure",
  151: "soil",
  152: "seaIce",
  160: "depthBelowSea",
  162: "lakeBottom",
  166: "mixingLayer",
  168: "oceanModel",
  169: "mixedLayerDepthByDensity",
  170: "mixedLayerDepthByTemperature",
  171: "mixedLayerDepthByDiffusivity",
  173: "snowTopOverIceOnWater",
  174: "iceTopOnWater",
  175: "iceTopUnderSnowOnWater",
  176: "iceBottomOnWater",
  177: "indefiniteSoilDepth",
};

/** Layers: both surfaces given, of these type pairs. */
const GRIB2_LAYER_TYPES: Record<string, string> = {
  "1/8": "entireAtmosphere",
  "1/9": "entireOcean",
  "1/162": "entireLake",
  "100/100": "isobaricLayer",
  "102/102": "heightAboveSeaLayer",
  "103/103": "heightAboveGroundLayer",
  "104/104": "sigmaLayer",
  "105/105": "hybridLayer",
  "106/106": "depthBelowLandLayer",
  "107/107": "thetaLayer",
  "108/108": "pressureFromGroundLayer",
  "114/114": "snowLayer",
  "151/151": "soilLayer",
  "152/152": "seaIceLayer",
  "160/160": "depthBelowSeaLayer",
  "160/9": "oceanSurfaceToBottom",
  "168/168": "oceanModelLayer",
  "173/175": "snowLayerOverIceOnWater",
  "174/176": "iceLayerOnWater",
  "175/176": "iceLayerUnderSnowOnWater",
};

const GRIB2_PACKING: Record<number, string> = {
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
  50001: "grid_second_order",
  50002: "grid_second_order",
};

const STATISTICS: Record<number, string> = {
  0: "avg",
  1: "accum",
  2: "max",
  3: "min",
  4: "diff",
  5: "rms",
  6: "sd",
  7: "cov",
  8: "sdiff",
  9: "ratio",
  10: "stdanom",
  11: "sum",
  100: "severity",
  101: "mode",
};

/** Grid keys of a GridDefinition, as ecCodes names them (Ni/Nj also for Nx/Ny grids). */
export function gridKeys(grid: GridDefinition): Partial<GribMetadata> {
  const { scanning } = grid;
  const keys: Partial<GribMetadata> = {
    iScansNegatively: scanning.iScansNegatively,
    jScansPositively: scanning.jScansPositively,
    jPointsAreConsecutive: scanning.jPointsAreConsecutive,
    alternativeRowScanning: scanning.alternativeRowScanning,
  };
  const copy = (names: string[]) => {
    const src = grid as unknown as Record<string, unknown>;
    const dst = keys as Record<string, unknown>;
    for (const n of names) if (n in src) dst[n] = src[n];
  };
  copy([...GRID_SHAPE_KEYS, "pl", ...GRID_GEOMETRY_KEYS]);
  if (grid.gridType === "lambert" || grid.gridType === "polar_stereographic") {
    keys.Ni = grid.Nx;
    keys.Nj = grid.Ny;
  }
  if (grid.gridType === "reduced_gg" || grid.gridType === "reduced_ll") {
    keys.Ni = null;
    keys.iDirectionIncrementInDegrees = null;
  }
  if ((grid.gridType === "regular_gg" || grid.gridType === "reduced_gg") && grid.rotation) {
    Object.assign(keys, grid.rotation);
  }
  if (grid.gridType === "other") {
    // ecCodes has no scanning keys for spectral and other non-grid representations
    for (const k of [
      "iScansNegatively",
      "jScansPositively",
      "jPointsAreConsecutive",
      "alternativeRowScanning",
    ]) {
      delete (keys as Record<string, unknown>)[k];
    }
  }
  return keys;
}

export function ecCodesGridType(grid: GridDefinition): string {
  if (grid.gridType === "other") return grid.ecCodesGridType;
  if (grid.gridType === "regular_gg" && grid.rotation) return "rotated_gg";
  if (grid.gridType === "reduced_gg" && grid.rotation) return "reduced_rotated_gg";
  return grid.gridType;
}

export interface FieldDescription {
  metadata: GribMetadata;
  grid: GridDefinition;
}

// ---------------------------------------------------------------------------------------------------
// GRIB1

/** Metadata of a GRIB1 message. `offset` is the message's offset in its file. */
export function grib1Metadata(l: Grib1Layout, totalLength: number, offset: number): FieldDescription {
  const b = l.s1.bytes;
  const table2Version = b[3];
  const centreCode = b[4];
  const centre = centreName(centreCode);
  const indicatorOfParameter = b[8];
  const indicatorOfTypeOfLevel = b[9];
  const level = GRIB1_LAYER_TYPES.has(indicatorOfTypeOfLevel) ? b[10] : u(b, 10, 2);
  const century = b[24];
  const year = (century - 1) * 100 + b[12];
  const dataDate = year * 10000 + b[13] * 100 + b[14];
  const dataTime = b[15] * 100 + b[16];
  const unit = b[17];
  const p1 = b[18];
  const p2 = b[19];
  const timeRangeIndicator = b[20];
  const subCentre = b[25];
  const decimalScaleFactor = s(b, 26, 2);

  let start = p1;
  let end = p1;
  switch (timeRangeIndicator) {
    case 1:
      start = end = 0;
      break;
    case 2:
    case 3:
    case 4:
    case 5:
      start = p1;
      end = p2;
      break;
    case 10:
      start = end = p1 * 256 + p2;
      break;
  }
  const steps = stepsInUnits(start, end, unit, GRIB1_UNIT_SECONDS);
  if (steps.units === unit && unit !== 1) {
    // Not whole hours: ecCodes gives the step in the unit's GRIB2 equivalent (minutes for 15/30 min).
    const inMinutes = unit === 13 || unit === 14;
    if (inMinutes) {
      steps.start *= unit === 13 ? 15 : 30;
      steps.end *= unit === 13 ? 15 : 30;
    }
    steps.units = grib1UnitToGrib2(unit);
  }

  let stepType: string;
  switch (timeRangeIndicator) {
    case 0:
    case 1:
    case 10:
      stepType = "instant";
      break;
    case 2:
      stepType = centreCode === 98 ? "max" : "accum";
      break;
    case 3:
      stepType = "avg";
      break;
    case 4:
      stepType = "accum";
      break;
    case 5:
      stepType = "diff";
      break;
    case 113:
      stepType = "avgfc";
      break;
    case 118:
      stepType = "max";
      break;
    case 119:
      stepType = "min";
      break;
    case 123:
      stepType = "avgua";
      break;
    case 124:
      stepType = "avgia";
      break;
    default:
      stepType = String(timeRangeIndicator);
  }

  // ECMWF local definition (octet 41 on): MARS type and ensemble member.
  let dataType: string | undefined;
  let number: number | undefined;
  if (centreCode === 98 && b.length > 42) {
    const localDefinitionNumber = b[40];
    dataType = marsType(b[42]);
    if ([1, 15, 16, 18, 19, 26, 30].includes(localDefinitionNumber) && b.length > 49) number = b[49];
  }

  const param = lookupParameter(1, centre, (key) => {
    switch (key) {
      case "table2Version":
        return table2Version;
      case "indicatorOfParameter":
        return indicatorOfParameter;
      case "indicatorOfTypeOfLevel":
        return indicatorOfTypeOfLevel;
      case "level":
        return level;
      case "timeRangeIndicator":
        return timeRangeIndicator;
      case "centre":
        return centreCode;
      case "edition":
        return 1;
      default:
        return undefined;
    }
  });

  const grid = l.s2 ? grib1Grid(l.s2) : grib1NoGrid(b[6]);

  // Section 4: binary data.
  const d = l.s4.bytes;
  const flags = d[3];
  const unusedBits = flags & 0x0f;
  const binaryScaleFactor = s(d, 4, 2);
  const referenceValue = readIbmFloat(d, 6);
  const bitsPerValue = d[10];
  let packingType: string;
  if (flags & 0x80) packingType = flags & 0x40 ? "spectral_complex" : "spectral_simple";
  else if (flags & 0x40) packingType = "grid_second_order";
  else packingType = "grid_simple";

  const numberOfDataPoints = grid.numberOfDataPoints;
  let numberOfValues = numberOfDataPoints;
  let numberOfMissing = 0;
  if (l.s3) {
    const bm = l.s3.bytes;
    if (u(bm, 4, 2) === 0) {
      numberOfValues = countBits(bm, 6, numberOfDataPoints);
      numberOfMissing = numberOfDataPoints - numberOfValues;
    }
  } else if (packingType === "grid_simple" && bitsPerValue > 0) {
    numberOfValues = Math.floor(((d.length - 11) * 8 - unusedBits) / bitsPerValue);
  }

  const metadata: GribMetadata = {
    edition: 1,
    centre,
    centreCode,
    subCentre,
    dataDate,
    dataTime,
    stepRange: stepRange(steps.start, steps.end),
    startStep: steps.start,
    endStep: steps.end,
    stepUnits: steps.units,
    stepType,
    ...param,
    typeOfLevel: GRIB1_LEVEL_TYPES[indicatorOfTypeOfLevel] ?? "unknown",
    level,
    ...(number !== undefined ? { number } : {}),
    ...(dataType !== undefined ? { dataType } : {}),
    gridType: ecCodesGridType(grid),
    ...(gridKeys(grid) as Pick<
      GribMetadata,
      "iScansNegatively" | "jScansPositively" | "jPointsAreConsecutive" | "alternativeRowScanning"
    >),
    // GRIB1 Lambert names its LoV orientationOfTheGrid too
    ...(grid.gridType === "lambert" ? { orientationOfTheGridInDegrees: grid.LoVInDegrees } : {}),
    bitmapPresent: l.s3 ? 1 : 0,
    numberOfValues,
    numberOfDataPoints,
    numberOfMissing,
    packingType,
    bitsPerValue,
    referenceValue,
    binaryScaleFactor,
    decimalScaleFactor,
    totalLength,
    offset,
    table2Version,
    indicatorOfParameter,
    indicatorOfTypeOfLevel,
    timeRangeIndicator,
    dataRepresentationType: l.s2 ? l.s2.bytes[5] : undefined,
  };
  return { metadata, grid };
}

// ---------------------------------------------------------------------------------------------------
// GRIB2

interface ProductKeys {
  parameterCategory: number;
  parameterNumber: number;
  indicatorOfUnitOfTimeRange: number;
  forecastTime: number;
  typeOfFirstFixedSurface: number;
  scaleFactorOfFirstFixedSurface: number | null;
  scaledValueOfFirstFixedSurface: number | null;
  typeOfSecondFixedSurface: number;
  scaleFactorOfSecondFixedSurface: number | null;
  scaledValueOfSecondFixedSurface: number | null;
  perturbationNumber?: number;
  typeOfStatisticalProcessing?: number;
  typeOfTimeIncrement?: number;
  indicatorOfUnitForTimeRange?: number;
  lengthOfTimeRange?: number;
  numberOfTimeRange?: number;
}

/** Octet (0-based index) where the statistical block (year of end of interval) starts, per template. */
const STATISTICAL_BLOCK: Record<number, number> = {
  8: 34,
  9: 47,
  10: 35,
  11: 37,
  12: 36,
  42: 36,
  43: 39,
  15: -1,
};

function productKeys(b: Uint8Array, template: number): ProductKeys {
  // Chemical templates (4.40-4.43) carry 2 more octets (constituent type) after the parameter number.
  const shift = template >= 40 && template <= 43 ? 2 : 0;
  const o = (i: number) => i + shift;
  const sf = (i: number) => (b[o(i)] === 0xff ? null : s(b, o(i), 1));
  const sv = (i: number) => (allOnes(b, o(i), 4) ? null : u(b, o(i), 4));
  const keys: ProductKeys = {
    parameterCategory: b[9],
    parameterNumber: b[10],
    indicatorOfUnitOfTimeRange: b[o(17)],
    forecastTime: s(b, o(18), 4),
    typeOfFirstFixedSurface: b[o(22)],
    scaleFactorOfFirstFixedSurface: sf(23),
    scaledValueOfFirstFixedSurface: sv(24),
    typeOfSecondFixedSurface: b[o(28)],
    scaleFactorOfSecondFixedSurface: sf(29),
    scaledValueOfSecondFixedSurface: sv(30),
  };
  if ((template === 1 || template === 11) && b.length > 36) keys.perturbationNumber = b[35];
  const block = STATISTICAL_BLOCK[template];
  if (block !== undefined && block > 0 && b.length >= block + 19) {
    const p = o(block);
    keys.numberOfTimeRange = b[p + 7];
    keys.typeOfStatisticalProcessing = b[p + 12];
    keys.typeOfTimeIncrement = b[p + 13];
    keys.indicatorOfUnitForTimeRange = b[p + 14];
    keys.lengthOfTimeRange = u(b, p + 15, 4);
  }
  return keys;
}

function grib2Level(p: ProductKeys): number {
  const v = p.scaledValueOfFirstFixedSurface;
  const f = p.scaleFactorOfFirstFixedSurface;
  if (v === null) return 0;
  let value = v / 10 ** (f ?? 0);
  if (p.typeOfFirstFixedSurface === 100 || p.typeOfFirstFixedSurface === 108) value /= 100;
  // ecCodes' level is an integer key
  return Math.trunc(Math.round(value * 1e6) / 1e6);
}

function grib2TypeOfLevel(p: ProductKeys): string {
  const second = p.typeOfSecondFixedSurface;
  if (second !== 255) {
    const layer = GRIB2_LAYER_TYPES[`${p.typeOfFirstFixedSurface}/${second}`];
    if (layer) return layer;
  }
  if (
    p.typeOfFirstFixedSurface === 160 &&
    p.scaledValueOfFirstFixedSurface === 0 &&
    p.scaleFactorOfFirstFixedSurface === 0
  ) {
    return "oceanSurface";
  }
  return GRIB2_LEVEL_TYPES[p.typeOfFirstFixedSurface] ?? "unknown";
}

/** Converts `value` from unit `from` to unit `to` (code table 4.4); NaN when not convertible. */
function convertUnits(value: number, from: number, to: number): number {
  if (from === to) return value;
  const a = UNIT_SECONDS[from];
  const b = UNIT_SECONDS[to];
  if (a === undefined || b === undefined) return Number.NaN;
  return (value * a) / b;
}

/** Metadata of one field of a GRIB2 message. */
export function grib2Metadata(
  f: Grib2Field,
  discipline: number,
  totalLength: number,
  offset: number,
): FieldDescription {
  const b1 = f.s1.bytes;
  const centreCode = u(b1, 5, 2);
  const centre = centreName(centreCode);
  const subCentre = u(b1, 7, 2);
  const localTablesVersion = b1[10];
  const dataDate = u(b1, 12, 2) * 10000 + b1[14] * 100 + b1[15];
  const dataTime = b1[16] * 100 + b1[17];
  const typeOfProcessedData = b1[20];

  const b4 = f.s4.bytes;
  const template4 = u(b4, 7, 2);
  const p = productKeys(b4, template4);

  const unit = p.indicatorOfUnitOfTimeRange;
  const start = p.forecastTime;
  let end = start;
  let stepType = "instant";
  if (p.typeOfStatisticalProcessing !== undefined) {
    const len = convertUnits(p.lengthOfTimeRange ?? 0, p.indicatorOfUnitForTimeRange ?? unit, unit);
    end = start + (Number.isNaN(len) ? 0 : len);
    const tsp = p.typeOfStatisticalProcessing;
    stepType = tsp === 0 && p.typeOfTimeIncrement === 1 ? "avgd" : (STATISTICS[tsp] ?? String(tsp));
    if (tsp === 255) stepType = "instant";
    if (p.numberOfTimeRange !== undefined && p.numberOfTimeRange > 2) stepType = "multiple steps";
  }
  const steps = stepsInUnits(start, end, unit);

  let dataType = processedDataType(typeOfProcessedData);
  if (centreCode === 98 && f.s2 && f.s2.bytes.length >= 11) dataType = marsType(u(f.s2.bytes, 9, 2));

  const param = lookupParameter(2, centre, (key) => {
    switch (key) {
      case "discipline":
        return discipline;
      case "parameterCategory":
        return p.parameterCategory;
      case "parameterNumber":
        return p.parameterNumber;
      case "typeOfFirstFixedSurface":
        return p.typeOfFirstFixedSurface;
      case "typeOfSecondFixedSurface":
        return p.typeOfSecondFixedSurface;
      case "scaleFactorOfFirstFixedSurface":
        return p.scaleFactorOfFirstFixedSurface;
      case "scaledValueOfFirstFixedSurface":
        return p.scaledValueOfFirstFixedSurface;
      case "scaleFactorOfSecondFixedSurface":
        return p.scaleFactorOfSecondFixedSurface;
      case "scaledValueOfSecondFixedSurface":
        return p.scaledValueOfSecondFixedSurface;
      case "typeOfStatisticalProcessing":
        return p.typeOfStatisticalProcessing;
      case "lengthOfTimeRange":
        return p.lengthOfTimeRange;
      case "indicatorOfUnitForTimeRange":
        return p.indicatorOfUnitForTimeRange;
      case "productDefinitionTemplateNumber":
        return template4;
      case "localTablesVersion":
        return localTablesVersion;
      case "centre":
        return centreCode;
      case "edition":
        return 2;
      default:
        return undefined;
    }
  });

  const grid = grib2Grid(f.s3, offset);

  const b5 = f.s5.bytes;
  const numberOfValues = u(b5, 5, 4);
  const template5 = u(b5, 9, 2);
  const packingType = GRIB2_PACKING[template5] ?? "unknown";
  let referenceValue = 0;
  let binaryScaleFactor = 0;
  let decimalScaleFactor = 0;
  let bitsPerValue = 0;
  // IEEE packing (5.4): ecCodes reports bitsPerValue 0 and no scaling.
  if (template5 !== 4 && b5.length >= 20) {
    referenceValue = readIeeeFloat32(b5, 11);
    binaryScaleFactor = s(b5, 15, 2);
    decimalScaleFactor = s(b5, 17, 2);
    bitsPerValue = b5[19];
  }

  const b6 = f.s6.bytes;
  const indicator = b6[5];
  const bitmapPresent = indicator === 255 ? 0 : 1;
  const numberOfDataPoints = u(f.s3.bytes, 6, 4);

  const metadata: GribMetadata = {
    edition: 2,
    centre,
    centreCode,
    subCentre,
    dataDate,
    dataTime,
    stepRange: stepRange(steps.start, steps.end),
    startStep: steps.start,
    endStep: steps.end,
    stepUnits: steps.units,
    stepType,
    ...param,
    typeOfLevel: grib2TypeOfLevel(p),
    level: grib2Level(p),
    ...(p.perturbationNumber !== undefined ? { number: p.perturbationNumber } : {}),
    ...(dataType !== undefined ? { dataType } : {}),
    gridType: ecCodesGridType(grid),
    ...(gridKeys(grid) as Pick<
      GribMetadata,
      "iScansNegatively" | "jScansPositively" | "jPointsAreConsecutive" | "alternativeRowScanning"
    >),
    bitmapPresent,
    numberOfValues,
    numberOfDataPoints,
    numberOfMissing: bitmapPresent ? numberOfDataPoints - numberOfValues : 0,
    packingType,
    bitsPerValue,
    referenceValue,
    binaryScaleFactor,
    decimalScaleFactor,
    totalLength,
    offset,
    discipline,
    parameterCategory: p.parameterCategory,
    parameterNumber: p.parameterNumber,
    typeOfFirstFixedSurface: p.typeOfFirstFixedSurface,
    typeOfSecondFixedSurface: p.typeOfSecondFixedSurface,
    productDefinitionTemplateNumber: template4,
    gridDefinitionTemplateNumber: u(f.s3.bytes, 12, 2),
    dataRepresentationTemplateNumber: template5,
    ...(p.typeOfStatisticalProcessing !== undefined
      ? { typeOfStatisticalProcessing: p.typeOfStatisticalProcessing }
      : {}),
  };
  return { metadata, grid };
}
