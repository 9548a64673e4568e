// relative_humidity: RH-PRCNT from T and Q (with P, or the pressure level itself), or from T and TD.
import { paramInfo } from "../params.ts";
import { rhFromQ, rhFromTd } from "./meteo.ts";
import { inputAt, type Plugin, type PluginInstance, type Target } from "./types.ts";

const RH = paramInfo("RH-PRCNT")!;

export const relativeHumidity: Plugin = {
  name: "relative_humidity",
  configure(): PluginInstance {
    const sets = (target: Target) => {
      const t = inputAt(target, "T-K");
      const withQ =
        target.levelType === "pressure"
          ? [[t, inputAt(target, "Q-KGKG")]]
          : [
              [t, inputAt(target, "Q-KGKG"), inputAt(target, "P-PA")],
              [t, inputAt(target, "Q-KGKG"), inputAt(target, "P-HPA")],
            ];
      return [...withQ, [t, inputAt(target, "TD-K")]];
    };
    return {
      outputs: () => [RH],
      inputs: sets,
      compute(context) {
        const chosen = sets(context.target)[context.inputSet];
        const params = chosen.map((k) => k.param);
        const t = context.input("T-K").values;
        const out = new Float64Array(t.length);
        if (params.includes("TD-K")) {
          const td = context.input("TD-K").values;
          for (let i = 0; i < t.length; i++) out[i] = rhFromTd(t[i], td[i]);
        } else {
          const q = context.input("Q-KGKG").values;
          if (context.target.levelType === "pressure") {
            const p = context.target.level;
            for (let i = 0; i < t.length; i++) out[i] = rhFromQ(t[i], q[i], p);
          } else {
            const inPa = params.includes("P-PA");
            const p = context.input(inPa ? "P-PA" : "P-HPA").values;
            const scale = inPa ? 0.01 : 1;
            for (let i = 0; i < t.length; i++) out[i] = rhFromQ(t[i], q[i], p[i] * scale);
          }
        }
        return [{ param: RH, values: out }];
      },
    };
  },
};
