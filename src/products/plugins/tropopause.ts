// tropopause: the tropopause's flight level (TROPO-FL), as himan's tropopause plugin finds it on model
// levels, written at the processqueue's level (himan: height 0). The WMO rule himan applies: the lowest
// level, between 600 and 100 hPa, at which the lapse rate to the level above is 2 K/km or less, provided
// that the average lapse rate from it to every level within 2 km above (the topmost level read excepted,
// as himan's loop stops short of it) does not exceed 2 K/km. The level's pressure becomes a flight level
// in the ICAO standard atmosphere, rounded to a multiple of 5 (hundreds of feet); no such level: missing.
//
// Inputs per model level: height HL-M, temperature T-K and pressure P-HPA (on ECMWF data, made by
// hybrid_height and hybrid_pressure earlier in the processqueue). himan reads the levels that radon's
// statistics of the model's level pressures say can lie between 600 and 100 hPa; without radon, the
// range is given by the options "lowest_level" and "highest_level" and defaults to himan's range for
// ECMWF's L137 (levels 118 up to 60). Every level of the range is an input: an absent one is reported
// as missing rather than skipped as himan does, so that a product never depends on which levels came.
import type { FieldKey } from "../fields.ts";
import { paramInfo } from "../params.ts";
import { g, rd } from "./meteo.ts";
import { modelLevelColumn, modelLevelsUp, onModelLevels } from "./model-levels.ts";
import type { Plugin, PluginInstance, Target } from "./types.ts";

const TROPO = paramInfo("TROPO-FL")!;
const perLevel = ["HL-M", "T-K", "P-HPA"] as const;

/** Lapse rate (K/km) at or below which a level may be the tropopause. */
const criticalLapseRate = 2;
/** How far above a candidate level (m) the average lapse rate must stay at or below the critical one. */
const checkDepth = 2000;

/** ICAO standard atmosphere, as himan's metutil::FlightLevel_ writes it. */
const isa = {
  lapseRate: -0.0065, // K/m
  surfaceTemperature: 288.15, // K
  surfacePressure: 101325, // Pa
  tropopauseHeight: 11000, // m
  tropopausePressure: 22632, // Pa
  tropopauseTemperature: 216.65, // K
  hundredsOfFeetPerMetre: 0.032808399,
};

/** Flight level (hundreds of feet, rounded to a multiple of 5) of a pressure (Pa); NaN stays NaN. */
export function flightLevel(pPa: number): number {
  const metres =
    pPa > isa.tropopausePressure
      ? (((pPa / isa.surfacePressure) ** (-(rd * isa.lapseRate) / g) - 1) * isa.surfaceTemperature) /
        isa.lapseRate
      : (-Math.log(pPa / isa.tropopausePressure) * rd * isa.tropopauseTemperature) / g + isa.tropopauseHeight;
  // Pressures here are below 600 hPa, so the height is positive and Math.round rounds as C's round().
  return Math.round((metres * isa.hundredsOfFeetPerMetre) / 5) * 5;
}

/** The tropopause pressure (Pa) at each point from the levels' profiles, lowest level first; NaN where none. */
export function tropopausePressure(
  height: Float64Array[],
  temperature: Float64Array[],
  pressureHpa: Float64Array[],
): Float64Array {
  const n = height.length;
  const points = n === 0 ? 0 : height[0].length;
  const out = new Float64Array(points).fill(Number.NaN);
  for (let i = 0; i < points; i++) {
    for (let j = 0; j < n - 1; j++) {
      const p = pressureHpa[j][i];
      // a missing pressure fails neither bound, as in himan: the lapse rate is then missing too
      if (p < 100 || p > 600) continue;
      const hj = height[j][i];
      const tj = temperature[j][i];
      const lapse = (-1000 * (temperature[j + 1][i] - tj)) / (height[j + 1][i] - hj);
      if (!(lapse <= criticalLapseRate)) continue;
      let found = 100 * p;
      for (let k = j + 1; height[k][i] - hj <= checkDepth && k < n - 1; k++) {
        if ((-1000 * (temperature[k][i] - tj)) / (height[k][i] - hj) > criticalLapseRate) {
          found = Number.NaN;
          break;
        }
      }
      if (!Number.isNaN(found)) {
        out[i] = found;
        break;
      }
    }
  }
  return out;
}

export const tropopause: Plugin = {
  name: "tropopause",
  configure(options): PluginInstance {
    const levelsUp = modelLevelsUp("tropopause", options, { lowest: 118, highest: 60 });
    const inputsOf = (target: Target): FieldKey[] => onModelLevels(target, levelsUp, perLevel);
    return {
      outputs: () => [TROPO],
      inputs: (target) => [inputsOf(target)],
      compute(context) {
        const profile = (param: string) => modelLevelColumn(context, levelsUp, param);
        const pressure = tropopausePressure(profile("HL-M"), profile("T-K"), profile("P-HPA"));
        return [{ param: TROPO, values: pressure.map(flightLevel) }];
      },
    };
  },
};
