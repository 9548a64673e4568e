// Surface indices of himan from 2 m, ground and 10 m fields:
//   - fog: FOGSYM-N 607 (fog) where the 2 m dew point is within 0.3 K of the ground temperature and the
//     10 m wind is under 5 m/s, else 0;
//   - seaicing: the sea spray icing index 0-4 (Antonios Niros), ICING-N for the Baltic (salinity 0.35)
//     or, with "global", SSICING-N (salinity 1.5).
// The ground temperature is T-K or TG-K at height 0 (HIRLAM, HARMONIE) or at ground depth 0 (ECMWF's
// soil level 1, stl1); the 10 m wind speed FF-MS may come from windvector earlier in the processqueue.
import type { FieldKey } from "../fields.ts";
import { paramInfo } from "../params.ts";
import { eachOf, inputOn, isTrue, type Plugin, type PluginInstance, type Target, valuesOf } from "./types.ts";

const FOG = paramInfo("FOGSYM-N")!;
const ICING = paramInfo("ICING-N")!;
const SSICING = paramInfo("SSICING-N")!;

function groundTemperature(target: Target): FieldKey[] {
  return [
    inputOn(target, "T-K", "height", 0),
    inputOn(target, "TG-K", "height", 0),
    inputOn(target, "T-K", "ground_depth", 0),
    inputOn(target, "TG-K", "ground_depth", 0),
  ];
}

const wind10 = (target: Target) => [inputOn(target, "FF-MS", "height", 10)];

export const fog: Plugin = {
  name: "fog",
  configure(): PluginInstance {
    const sets = (target: Target) =>
      eachOf([groundTemperature(target), [inputOn(target, "TD-K", "height", 2)], wind10(target)]);
    return {
      outputs: () => [FOG],
      inputs: sets,
      compute(context) {
        const [ground, dew, wind] = sets(context.target)[context.inputSet].map((k) => valuesOf(context, k));
        const out = new Float64Array(ground.length);
        for (let i = 0; i < out.length; i++) {
          if (Number.isNaN(ground[i] + dew[i] + wind[i])) out[i] = Number.NaN;
          else out[i] = dew[i] - ground[i] > -0.3 && wind[i] < 5 ? 607 : 0;
        }
        return [{ param: FOG, values: out }];
      },
    };
  },
};

/** The icing rate's classes (cm/h below 0.7, 2, 4, above). */
function icingClass(rate: number): number {
  if (rate <= 0) return 0;
  if (rate < 22.4) return 1;
  if (rate < 53.3) return 2;
  if (rate < 83) return 3;
  return 4;
}

export const seaicing: Plugin = {
  name: "seaicing",
  configure(options): PluginInstance {
    const global = isTrue(options["global"]);
    const salinity = global ? 1.5 : 0.35;
    const output = global ? SSICING : ICING;
    const sets = (target: Target) =>
      eachOf([
        [inputOn(target, "T-K", "height", 2), inputOn(target, "TG-K", "height", 2)],
        groundTemperature(target),
        wind10(target),
      ]);
    return {
      outputs: () => [output],
      inputs: sets,
      compute(context) {
        const [air, ground, wind] = sets(context.target)[context.inputSet].map((k) => valuesOf(context, k));
        const out = new Float64Array(air.length);
        for (let i = 0; i < out.length; i++) {
          const t = air[i] - 273.15;
          const tg = ground[i] - 273.15;
          if (Number.isNaN(t + tg + wind[i])) out[i] = Number.NaN;
          else out[i] = tg < -2 ? 0 : icingClass((wind[i] * (-salinity - t)) / (1 + 0.3 * (tg + salinity)));
        }
        return [{ param: output, values: out }];
      },
    };
  },
};
