// hybrid_height: height above ground (HL-M) of a hybrid level, as himan's hybrid_height:
//   - from geopotential, (Φ(level) − Φ(height 0)) / g, when both are at hand (HIRLAM, HARMONIE);
//   - else by the hypsometric equation from the model's lowest level up (ECMWF, whose dissemination has
//     no geopotential on model levels): Δz = 14.628 · (T₁ + T₂) · ln(p₁ / p₂) between consecutive levels,
//     starting from the surface pressure and the lowest level's temperature. Pressures come from the pv
//     array and the surface pressure (as hybrid_pressure computes them). The lowest level is option
//     "last_hybrid_level" (himan reads it from radon's producer metadata; 137 for ECMWF's L137).
import type { FieldKey } from "../fields.ts";
import { paramInfo } from "../params.ts";
import { fullLevelCoefficients } from "../vertical.ts";
import { pvFor } from "./hybrid_pressure.ts";
import { g } from "./meteo.ts";
import { surfacePressureKeys, surfacePressurePa } from "./surface-pressure.ts";
import { type InputField, inputAt, inputOn, type Plugin, type PluginInstance, type Target } from "./types.ts";

const HL = paramInfo("HL-M")!;

/** himan's Rd / (2 g), rounded as he writes it. */
const hypsometric = 14.628;

function heightByIteration(target: Target, temperatures: InputField[], surface: InputField, bottom: number) {
  const pv = pvFor(target, [...temperatures, surface]);
  const ps = surfacePressurePa(surface);
  const n = ps.length;
  const height = new Float64Array(n);
  let prevP = ps;
  let prevT = temperatures[0].values; // the lowest level's temperature stands for the surface's
  for (let level = bottom, k = 0; level >= target.level; level--, k++) {
    const t = temperatures[k].values;
    const { a, b } = fullLevelCoefficients(pv, level);
    const p = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      p[i] = a + b * ps[i];
      height[i] += hypsometric * (prevT[i] + t[i]) * Math.log(prevP[i] / p[i]);
    }
    prevP = p;
    prevT = t;
  }
  return height;
}

export const hybridHeight: Plugin = {
  name: "hybrid_height",
  configure(options): PluginInstance {
    const bottom = Number(options["last_hybrid_level"] ?? 137);
    if (!Number.isInteger(bottom) || bottom < 1)
      throw new Error(
        `last_hybrid_level: expected the number of the model's lowest level, got ${options["last_hybrid_level"]}`,
      );
    const sets = (target: Target): FieldKey[][] => {
      const geopotential = [inputAt(target, "Z-M2S2"), inputOn(target, "Z-M2S2", "height", 0)];
      if (target.level > bottom) return [geopotential];
      const temperatures: FieldKey[] = [];
      for (let level = bottom; level >= target.level; level--)
        temperatures.push(inputOn(target, "T-K", "hybrid", level));
      return [geopotential, ...surfacePressureKeys(target).map((k) => [...temperatures, k])];
    };
    return {
      outputs: (target) => (target.levelType === "hybrid" ? [HL] : []),
      inputs: (target) => (target.levelType === "hybrid" ? sets(target) : []),
      compute(context) {
        const { target } = context;
        if (context.inputSet === 0) {
          const z = context.input("Z-M2S2", target.step, "hybrid", target.level).values;
          const z0 = context.input("Z-M2S2", target.step, "height", 0).values;
          const out = new Float64Array(z.length);
          for (let i = 0; i < out.length; i++) out[i] = (z[i] - z0[i]) / g;
          return [{ param: HL, values: out }];
        }
        const keys = sets(target)[context.inputSet];
        const fields = keys.map((k) => context.input(k.param, k.step, k.levelType, k.level));
        const surface = fields.pop() as InputField;
        return [{ param: HL, values: heightByIteration(target, fields, surface, bottom) }];
      },
    };
  },
};
