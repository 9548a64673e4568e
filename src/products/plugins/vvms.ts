// vvms: vertical velocity in m/s (VV-MS) from the pressure tendency ω (VV-PAS, Pa/s): w = −ω·Rd·T/(g·P),
// as himan's vvms (Rd 287, in single precision there; the difference is far below his tolerance). P is
// the pressure level itself, else P-PA or P-HPA at the level. Options: "millimeters" (VV-MMS, mm/s),
// "reverse" (ω from w: VV-PAS from VV-MS).
import { paramInfo } from "../params.ts";
import { g } from "./meteo.ts";
import { inputAt, isTrue, type Plugin, type PluginInstance, pointwise, type Target } from "./types.ts";

/** himan's vvms uses 287 here too. */
const rd = 287;

const pressures: Array<[param: string, toPa: number]> = [
  ["P-PA", 1],
  ["P-HPA", 100],
];

export const vvms: Plugin = {
  name: "vvms",
  configure(options): PluginInstance {
    const reverse = isTrue(options["reverse"]);
    const mm = !reverse && isTrue(options["millimeters"]);
    const output = paramInfo(reverse ? "VV-PAS" : mm ? "VV-MMS" : "VV-MS")!;
    const source = reverse ? "VV-MS" : "VV-PAS";
    const scale = mm ? 1000 : 1;
    const sets = (target: Target) =>
      target.levelType === "pressure"
        ? [[inputAt(target, "T-K"), inputAt(target, source)]]
        : pressures.map(([p]) => [inputAt(target, "T-K"), inputAt(target, source), inputAt(target, p)]);
    return {
      outputs: () => [output],
      inputs: sets,
      compute(context) {
        const t = context.input("T-K").values;
        const v = context.input(source).values;
        const onLevel = context.target.levelType === "pressure";
        const [pName, toPa] = onLevel ? ["", 1] : pressures[context.inputSet];
        const p = onLevel
          ? new Float64Array(t.length).fill(context.target.level * 100)
          : context.input(pName).values;
        const values = reverse
          ? pointwise([t, v, p], (tk, w, pp) => (-w * g * pp * toPa) / (rd * tk))
          : pointwise([t, v, p], (tk, omega, pp) => (scale * (rd * -omega * tk)) / (g * pp * toPa));
        return [{ param: output, values }];
      },
    };
  },
};
