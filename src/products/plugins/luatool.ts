// himan's luatool runs Lua scripts from himan-scripts; the ones FMI runs on model surface fields are
// implemented here by their file names (the option "luafile", a path or a list of paths, as himan reads
// it), and also offered as plugins of their own:
//   - frost-point.lua (frost_point): frost point TF-C from the 2 m dew point and the surface pressure,
//     solving e_i(T_f) = e_w(T_d) by Newton's method with Sonntag's saturation pressures and enhancement
//     factors; above 0 °C it is missing;
//   - relative-humidity-ice.lua (relative_humidity_ice): relative humidity over ice RHICE-PRCNT from
//     2 m temperature and dew point and the surface pressure, where the temperature is below 0 °C.
// The pressure is P-PA at height 0 (HIRLAM, HARMONIE) or ECMWF's surface pressure (PGR-PA).
import type { FieldKey } from "../fields.ts";
import { paramInfo } from "../params.ts";
import { eachOf, inputOn, type Plugin, type PluginInstance, type Target, valuesOf } from "./types.ts";

const TF = paramInfo("TF-C")!;
const RHICE = paramInfo("RHICE-PRCNT")!;

/** Saturation vapour pressure (hPa) over ice in moist air at pressure p (hPa), t in °C (Sonntag). */
function iceSaturation(p: number, t: number): number {
  const ei = 6.112 * Math.exp((22.46 * t) / (272.62 + t));
  return (
    (1 +
      ((1.0e-5 * ei) / (273 + t)) *
        ((2100 - 65 * t) * (1 - ei / p) + (109 - 0.35 * t + (t * t) / 338) * (p / ei - 1))) *
    ei
  );
}

/** Saturation vapour pressure (hPa) over water in moist air at pressure p (hPa), t in °C (Sonntag). */
function waterSaturation(p: number, t: number): number {
  const ew = 6.112 * Math.exp((17.62 * t) / (243.12 + t));
  return (
    (1 +
      ((1.0e-4 * ew) / (273 + t)) *
        ((38 + 173 * Math.exp(-t / 43)) * (1 - ew / p) + (6.39 + 4.28 * Math.exp(-t / 107)) * (p / ew - 1))) *
    ew
  );
}

/** Frost point (°C) from pressure (hPa) and dew point (°C), iterated as the script does. */
export function frostPoint(p: number, dp: number): number {
  if (Number.isNaN(p + dp)) return Number.NaN;
  const h = 0.01;
  const target = waterSaturation(p, dp);
  let ti = dp;
  let dti = 999;
  while (Math.abs(dti) > 0.01) {
    const f = iceSaturation(p, ti) - target;
    const slope = (iceSaturation(p, ti + h / 2) - iceSaturation(p, ti - h / 2)) / h;
    const delta = f / slope;
    ti -= delta;
    // The script asserts that each correction is smaller than the last; a diverging point is missing.
    if (!(Math.abs(delta) < dti)) return Number.NaN;
    dti = Math.abs(delta);
  }
  return ti;
}

/** Relative humidity over ice (%) from pressure (hPa), temperature and dew point (°C). */
export function humidityOverIce(p: number, t: number, dp: number): number {
  const ei = iceSaturation(p, t);
  const e = waterSaturation(p, dp);
  return (100 * (p - ei) * e) / ((p - e) * ei);
}

const pressure = (target: Target): FieldKey[] => [
  inputOn(target, "P-PA", "height", 0),
  inputOn(target, "PGR-PA", "height", 0),
];

function surfaceScript(
  name: string,
  output: typeof TF,
  params: string[],
  formula: (pHpa: number, ...celsius: number[]) => number,
): Plugin {
  return {
    name,
    configure(): PluginInstance {
      const sets = (target: Target) =>
        eachOf([pressure(target), ...params.map((p) => [inputOn(target, p, "height", 2)])]);
      return {
        outputs: () => [output],
        inputs: sets,
        compute(context) {
          const [p, ...rest] = sets(context.target)[context.inputSet].map((k) => valuesOf(context, k));
          const out = new Float64Array(p.length);
          for (let i = 0; i < out.length; i++)
            out[i] = formula(p[i] / 100, ...rest.map((v) => v[i] - 273.15));
          return [{ param: output, values: out }];
        },
      };
    },
  };
}

export const frostPointPlugin = surfaceScript("frost_point", TF, ["TD-K"], (p, dp) => {
  const tf = frostPoint(p, dp);
  return tf > 0 ? Number.NaN : tf;
});

export const relativeHumidityIce = surfaceScript(
  "relative_humidity_ice",
  RHICE,
  ["T-K", "TD-K"],
  (p, t, dp) => (t < 0 ? humidityOverIce(p, t, dp) : Number.NaN),
);

const scripts = new Map<string, Plugin>([
  ["frost-point.lua", frostPointPlugin],
  ["relative-humidity-ice.lua", relativeHumidityIce],
]);

export const luatool: Plugin = {
  name: "luatool",
  configure(options): PluginInstance {
    const files = [options["luafile"]].flat().map(String);
    if (files.length !== 1 || files[0] === "undefined")
      throw new Error('luatool needs one script in "luafile", e.g. ["$HIMAN_SCRIPTS/frost-point.lua"]');
    const base = files[0].split("/").pop() ?? files[0];
    const script = scripts.get(base);
    if (!script) {
      throw new Error(
        `luatool script ${files[0]} is not supported (supported: ${[...scripts.keys()].join(", ")}); ` +
          "see docs/products.md for the plugins that are",
      );
    }
    return script.configure(options);
  },
};
