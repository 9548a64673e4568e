// GRIB files for the UI's tests: ECMWF-like global fields on regular lat/lon grids (GRIB1 table 128,
// as the dissemination carries surface and pressure-level fields), named as ECMWF's LEGACY
// dissemination names them, and a GRIB2 product.
import type { RegularLatLonGrid } from "../../src/grib/types.ts";
import { concatBytes } from "../../src/grib/write/bytes.ts";
import { encodeField } from "../../src/grib/write/index.ts";
import { writableGrid } from "../../src/sim/ecmwf/encode.ts";
import { globalGrid as latLonGrid } from "../../src/sim/ecmwf/fields.ts";

/** A global grid, north to south, longitudes 0 to 360 - increment (as ECMWF disseminates it). */
export function globalGrid(increment: number, edition: 1 | 2 = 1): RegularLatLonGrid {
  return writableGrid(latLonGrid(increment), edition);
}

/** Warm at the equator, cold at the poles, with waves along the latitudes: every value differs. */
function smoothValues(grid: RegularLatLonGrid, mean: number, amplitude: number): Float64Array {
  const values = new Float64Array(grid.Ni * grid.Nj);
  const step = grid.iDirectionIncrementInDegrees ?? 1;
  for (let j = 0; j < grid.Nj; j++) {
    const lat = 90 - j * step;
    for (let i = 0; i < grid.Ni; i++) {
      const lon = i * step;
      values[j * grid.Ni + i] =
        mean +
        amplitude * (Math.cos((lat * Math.PI) / 180) - 0.5 + 0.1 * Math.sin((3 * lon * Math.PI) / 180));
    }
  }
  return values;
}

const surface: Array<[string, number, number, number]> = [
  // shortName, table 128 number, mean, amplitude
  ["2t", 167, 270, 40],
  ["2d", 168, 265, 35],
  ["10u", 165, 0, 10],
  ["10v", 166, 0, 8],
  ["msl", 151, 101_000, 2000],
];
const upper: Array<[string, number, number, number]> = [
  ["t", 130, 250, 30],
  ["u", 131, 5, 20],
  ["v", 132, 0, 10],
  ["q", 133, 0.005, 0.004],
];
const pressureLevels = [1000, 925, 850, 700, 500, 300];

function encode(
  baseTime: Date,
  step: number,
  grid: RegularLatLonGrid,
  parameter: number,
  level: { type: number; value: number },
  mean: number,
  amplitude: number,
): Uint8Array {
  return encodeField({
    edition: 1,
    centre: 98,
    referenceTime: baseTime,
    step: { start: step, end: step, units: "h", type: "instant" },
    parameter: { table2Version: 128, indicatorOfParameter: parameter },
    level,
    grid,
    values: smoothValues(grid, mean + (step * amplitude) / 100, amplitude),
    packing: { type: "simple", bitsPerValue: 16 },
  });
}

/** One step's dissemination file: 5 surface fields and 4 parameters on 6 pressure levels (29 fields). */
export function stepFile(baseTime: Date, step: number, increment: number): Uint8Array {
  const grid = globalGrid(increment);
  return concatBytes([
    ...surface.map(([, n, mean, amplitude]) =>
      encode(baseTime, step, grid, n, { type: 1, value: 0 }, mean, amplitude),
    ),
    ...pressureLevels.flatMap((p) =>
      upper.map(([, n, mean, amplitude]) =>
        encode(baseTime, step, grid, n, { type: 100, value: p }, mean, amplitude),
      ),
    ),
  ]);
}

/** A file with one 2 m temperature field at `increment` degrees. */
export function temperatureFile(baseTime: Date, step: number, increment: number): Uint8Array {
  return encode(baseTime, step, globalGrid(increment), 167, { type: 1, value: 0 }, 270, 40);
}

/** A computed 10 m wind speed (GRIB2 0/2/1 at 10 m above ground), as a product job writes it. */
export function windSpeedProduct(baseTime: Date, step: number, increment: number): Uint8Array {
  const grid = globalGrid(increment, 2);
  return encodeField({
    edition: 2,
    centre: 98,
    referenceTime: baseTime,
    step: { start: step, end: step, units: "h", type: "instant" },
    parameter: { discipline: 0, parameterCategory: 2, parameterNumber: 1 },
    level: { type: 103, value: 10 },
    grid,
    values: smoothValues(grid, 8, 10),
    packing: { type: "simple", bitsPerValue: 16 },
  });
}

/** ECMWF's LEGACY name, e.g. A1D12010000120106001: feed A1, stream D, base and valid MMDDHHII, expver 1. */
export function legacyName(baseTime: Date, step: number): string {
  const stamp = (d: Date) => d.toISOString().slice(5, 16).replace(/[-T:]/g, "");
  const valid = new Date(baseTime.getTime() + step * 3_600_000);
  // Step 0 is marked by minute 01 in the valid time.
  const validStamp = step === 0 ? `${stamp(valid).slice(0, 6)}01` : stamp(valid);
  return `A1D${stamp(baseTime)}${validStamp}1`;
}

/**
 * A 10 m wind direction (GRIB2 0/2/0) in degrees at 5°: the first rows 0°, 360°, 359.9° and 180°, the
 * rest the longitude, so that a map shows whether north looks the same on both sides of 360°.
 */
export function windDirectionFile(baseTime: Date, step: number): Uint8Array {
  const grid = globalGrid(5, 2);
  const values = new Float64Array(grid.Ni * grid.Nj);
  const rows = [0, 360, 359.9, 180];
  for (let j = 0; j < grid.Nj; j++)
    for (let i = 0; i < grid.Ni; i++) values[j * grid.Ni + i] = rows[j] ?? i * 5;
  return encodeField({
    edition: 2,
    centre: 98,
    referenceTime: baseTime,
    step: { start: step, end: step, units: "h", type: "instant" },
    parameter: { discipline: 0, parameterCategory: 2, parameterNumber: 0 },
    level: { type: 103, value: 10 },
    grid,
    values,
    packing: { type: "simple", bitsPerValue: 24 },
  });
}
