// density: dry air density RHO-KGM3 = P / (Rd · T) by the ideal gas law, as himan's density; P is the
// pressure level itself, or P-PA, P-HPA or PGR-PA at the target level.
import { paramInfo } from "../params.ts";
import { rd } from "./meteo.ts";
import { inputAt, type Plugin, type PluginInstance, pointwise, type Target } from "./types.ts";

const RHO = paramInfo("RHO-KGM3")!;
const pressures: Array<[param: string, toPa: number]> = [
  ["P-PA", 1],
  ["P-HPA", 100],
  ["PGR-PA", 1],
];

export const density: Plugin = {
  name: "density",
  configure(): PluginInstance {
    const sets = (target: Target) =>
      target.levelType === "pressure"
        ? [[inputAt(target, "T-K")]]
        : pressures.map(([p]) => [inputAt(target, "T-K"), inputAt(target, p)]);
    return {
      outputs: () => [RHO],
      inputs: sets,
      compute(context) {
        const t = context.input("T-K").values;
        if (context.target.levelType === "pressure") {
          const p = context.target.level * 100;
          return [{ param: RHO, values: pointwise([t], (tk) => p / (rd * tk)) }];
        }
        const [param, toPa] = pressures[context.inputSet];
        const p = context.input(param).values;
        return [{ param: RHO, values: pointwise([t, p], (tk, pp) => (pp * toPa) / (rd * tk)) }];
      },
    };
  },
};
