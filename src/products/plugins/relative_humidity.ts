// relative_humidity: RH-PRCNT as himan chooses the formula from the inputs he finds: from T and Q with the
// pressure (the pressure level itself, else P-HPA or P-PA at the level), else from T and TD (Magnus over
// water). On model levels without a pressure field (ECMWF disseminates none there) the pressure comes
// from the pv array and the surface pressure, as hybrid_pressure computes it.
import type { FieldKey } from "../fields.ts";
import { paramInfo } from "../params.ts";
import { levelPressure } from "../vertical.ts";
import { pvFor } from "./hybrid_pressure.ts";
import { rhFromQ, rhFromTd } from "./meteo.ts";
import { isSurfacePressure, surfacePressureKeys, surfacePressurePa } from "./surface-pressure.ts";
import { inputAt, type Plugin, type PluginInstance, type Target } from "./types.ts";

const RH = paramInfo("RH-PRCNT")!;

function sets(target: Target): FieldKey[][] {
  const t = inputAt(target, "T-K");
  const q = inputAt(target, "Q-KGKG");
  const withTd = [t, inputAt(target, "TD-K")];
  if (target.levelType === "pressure") return [[t, q], withTd];
  const withP = [
    [t, q, inputAt(target, "P-HPA")],
    [t, q, inputAt(target, "P-PA")],
  ];
  const fromPv = target.levelType === "hybrid" ? surfacePressureKeys(target).map((k) => [t, q, k]) : [];
  return [...withP, withTd, ...fromPv];
}

export const relativeHumidity: Plugin = {
  name: "relative_humidity",
  configure(): PluginInstance {
    return {
      outputs: () => [RH],
      inputs: sets,
      compute(context) {
        const chosen = sets(context.target)[context.inputSet];
        const t = context.input("T-K").values;
        const out = new Float64Array(t.length);
        const pressure = chosen[2];
        if (chosen[1].param === "TD-K") {
          const td = context.input("TD-K").values;
          for (let i = 0; i < t.length; i++) out[i] = rhFromTd(t[i], td[i]);
          return [{ param: RH, values: out }];
        }
        const q = context.input("Q-KGKG").values;
        if (!pressure) {
          const p = context.target.level;
          for (let i = 0; i < t.length; i++) out[i] = rhFromQ(t[i], q[i], p);
          return [{ param: RH, values: out }];
        }
        const field = context.input(pressure.param, pressure.step, pressure.levelType, pressure.level);
        let hPa: Float64Array;
        const atLevel =
          pressure.levelType === context.target.levelType && pressure.level === context.target.level;
        if (!atLevel && isSurfacePressure(pressure.param)) {
          const fields = [context.input("T-K"), field];
          hPa = levelPressure(pvFor(context.target, fields), context.target.level, surfacePressurePa(field));
          for (let i = 0; i < hPa.length; i++) hPa[i] *= 0.01;
        } else {
          const scale = pressure.param === "P-PA" ? 0.01 : 1;
          hPa = field.values.map((v) => v * scale);
        }
        for (let i = 0; i < t.length; i++) out[i] = rhFromQ(t[i], q[i], hPa[i]);
        return [{ param: RH, values: out }];
      },
    };
  },
};
