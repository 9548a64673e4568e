// dewpoint: TD-K from T-K and relative humidity (RH-PRCNT, or RH-0TO1 scaled to percent).
import { paramInfo } from "../params.ts";
import { dewPointFromRH } from "./meteo.ts";
import { inputAt, type Plugin, type PluginInstance } from "./types.ts";

const TD = paramInfo("TD-K")!;

export const dewpoint: Plugin = {
  name: "dewpoint",
  configure(): PluginInstance {
    return {
      outputs: () => [TD],
      inputs: (target) => [
        [inputAt(target, "T-K"), inputAt(target, "RH-PRCNT")],
        [inputAt(target, "T-K"), inputAt(target, "RH-0TO1")],
      ],
      compute(context) {
        const t = context.input("T-K").values;
        const fraction = context.inputSet === 1;
        const rh = context.input(fraction ? "RH-0TO1" : "RH-PRCNT").values;
        const scale = fraction ? 100 : 1;
        const out = new Float64Array(t.length);
        for (let i = 0; i < t.length; i++) out[i] = dewPointFromRH(t[i], rh[i] * scale);
        return [{ param: TD, values: out }];
      },
    };
  },
};
