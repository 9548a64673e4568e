// One step of the simulated stream as ECMWF disseminates it: surface and pressure-level fields in
// GRIB1 (table 128, simple packing) and model-level fields in GRIB2 with CCSDS packing.
import type { RegularLatLonGrid } from "../../grib/types.ts";
import { concatBytes } from "../../grib/write/bytes.ts";
import { encodeField, type FieldToWrite } from "../../grib/write/index.ts";
import {
  type AccumulationState,
  fieldsOfStep,
  fieldValues,
  type LatLonGrid,
  type SimulatedField,
  type StreamContent,
} from "./fields.ts";
import { l137a, l137b } from "./l137.ts";
import { withVerticalCoordinates } from "./pv.ts";

const ecmwfCentre = 98;

const l137Pv = Float32Array.from([...l137a, ...l137b]);

/** ECMWF local table 128 numbers (GRIB1 indicatorOfParameter; also the paramId). */
const table128: Record<SimulatedField["shortName"], number> = {
  "2t": 167,
  "2d": 168,
  "10u": 165,
  "10v": 166,
  msl: 151,
  tp: 228,
  t: 130,
  u: 131,
  v: 132,
  q: 133,
  r: 157,
  lnsp: 152,
};

/** WMO GRIB2 discipline 0 category/number of the model-level fields. */
const grib2Parameters: Partial<Record<SimulatedField["shortName"], [number, number]>> = {
  t: [0, 0],
  q: [1, 0],
  u: [2, 2],
  v: [2, 3],
  lnsp: [3, 25],
};

/**
 * 16 bits, as ECMWF disseminates most fields. Precipitation has a fixed decimal precision instead
 * (0.0001 mm, about 21 bits over ten days): with bits fixed, each step's own scaling rounds a point
 * that got no rain down below its value of the step before, and the accumulation would decrease.
 */
function simplePacking(field: SimulatedField): {
  type: "simple";
  bitsPerValue?: number;
  decimalScaleFactor?: number;
} {
  return field.shortName === "tp"
    ? { type: "simple", decimalScaleFactor: 7 }
    : { type: "simple", bitsPerValue: 16 };
}

/** The grid description ECMWF writes for a global lat/lon grid (earth radius and shape of its edition). */
export function writableGrid(grid: LatLonGrid, edition: 1 | 2): RegularLatLonGrid {
  const radius = edition === 1 ? 6_367_470 : 6_371_229;
  return {
    gridType: "regular_ll",
    Ni: grid.ni,
    Nj: grid.nj,
    latitudeOfFirstGridPointInDegrees: 90,
    longitudeOfFirstGridPointInDegrees: 0,
    latitudeOfLastGridPointInDegrees: -90,
    longitudeOfLastGridPointInDegrees: 360 - grid.increment,
    iDirectionIncrementInDegrees: grid.increment,
    jDirectionIncrementInDegrees: grid.increment,
    numberOfDataPoints: grid.ni * grid.nj,
    scanning: {
      iScansNegatively: 0,
      jScansPositively: 0,
      jPointsAreConsecutive: 0,
      alternativeRowScanning: 0,
    },
    shapeOfTheEarth: edition === 1 ? 0 : 6,
    earth: { shape: "sphere", radius },
    uvRelativeToGrid: 0,
  };
}

export function describeField(
  field: SimulatedField,
  grid: LatLonGrid,
  baseTime: Date,
  step: number,
  values: Float64Array,
): FieldToWrite {
  const common = {
    centre: ecmwfCentre,
    referenceTime: baseTime,
    step:
      field.shortName === "tp"
        ? { start: 0, end: step, units: "h" as const, type: "accum" as const }
        : { start: step, end: step, units: "h" as const, type: "instant" as const },
    values,
  };
  if (field.levelKind === "hybrid") {
    const [category, number] = grib2Parameters[field.shortName] ?? [];
    if (category === undefined || number === undefined)
      throw new Error(`no GRIB2 entry for ${field.shortName}`);
    return {
      ...common,
      edition: 2,
      parameter: { discipline: 0, parameterCategory: category, parameterNumber: number },
      level: { type: 105, value: field.level },
      grid: writableGrid(grid, 2),
      packing: { type: "ccsds", bitsPerValue: 16 },
    };
  }
  return {
    ...common,
    edition: 1,
    parameter: { table2Version: 128, indicatorOfParameter: table128[field.shortName] },
    level: field.levelKind === "isobaricInhPa" ? { type: 100, value: field.level } : { type: 1, value: 0 },
    grid: writableGrid(grid, 1),
    packing: simplePacking(field),
  };
}

/** Every field of one step, encoded and concatenated as one dissemination file. */
export function encodeStep(
  content: StreamContent,
  grid: LatLonGrid,
  baseTime: Date,
  step: number,
  accumulation: AccumulationState,
): Uint8Array {
  return concatBytes(
    fieldsOfStep(content).map((field) => encodeSimulatedField(field, grid, baseTime, step, accumulation)),
  );
}

/** One field of a step as the stream's file carries it. */
export function encodeSimulatedField(
  field: SimulatedField,
  grid: LatLonGrid,
  baseTime: Date,
  step: number,
  accumulation: AccumulationState,
): Uint8Array {
  return encodeFieldValues(
    field,
    grid,
    baseTime,
    step,
    fieldValues(field, grid, baseTime, step, accumulation),
  );
}

/** One field encoded as the stream encodes it, with the values given (a test's hand-made profile). */
export function encodeFieldValues(
  field: SimulatedField,
  grid: LatLonGrid,
  baseTime: Date,
  step: number,
  values: Float64Array,
): Uint8Array {
  const message = encodeField(describeField(field, grid, baseTime, step, values));
  // ECMWF's model-level messages carry the L137 coefficients of every level, as its own files do.
  return field.levelKind === "hybrid" ? withVerticalCoordinates(message, l137Pv) : message;
}
