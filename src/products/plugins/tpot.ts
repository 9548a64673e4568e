// tpot: potential temperature θ (TP-K), wet-bulb potential temperature θw (TPW-K) and equivalent
// potential temperature θe (TPE-K) from T-K, pressure (the level itself on pressure levels, else P-PA)
// and, for θw and θe, TD-K. Options theta, thetaw, thetae (default: theta only).

import type { FieldKey } from "../fields.ts";
import { type ParamInfo, paramInfo } from "../params.ts";
import { theta, thetaE, thetaW } from "./meteo.ts";
import {
  type InputField,
  inputAt,
  isTrue,
  type OutputField,
  type Plugin,
  type PluginInstance,
  type Target,
} from "./types.ts";

const TP = paramInfo("TP-K")!;
const TPW = paramInfo("TPW-K")!;
const TPE = paramInfo("TPE-K")!;

export const tpot: Plugin = {
  name: "tpot",
  configure(options): PluginInstance {
    const wantW = isTrue(options["thetaw"]);
    const wantE = isTrue(options["thetae"]);
    const wantTheta = isTrue(options["theta"]) || (!wantW && !wantE);
    const outputs: ParamInfo[] = [
      ...(wantTheta ? [TP] : []),
      ...(wantW ? [TPW] : []),
      ...(wantE ? [TPE] : []),
    ];
    const needsTd = wantW || wantE;
    const keys = (target: Target): FieldKey[] => [
      inputAt(target, "T-K"),
      ...(target.levelType === "pressure" ? [] : [inputAt(target, "P-PA")]),
      ...(needsTd ? [inputAt(target, "TD-K")] : []),
    ];
    return {
      outputs: () => outputs,
      inputs: (target) => [keys(target)],
      compute(context) {
        const t = context.input("T-K").values;
        const n = t.length;
        const onPressure = context.target.levelType === "pressure";
        const p: InputField | null = onPressure ? null : context.input("P-PA");
        const pressure = (i: number) => (p ? p.values[i] : context.target.level * 100);
        const td = needsTd ? context.input("TD-K").values : null;
        const tp = new Float64Array(n);
        const tpe = new Float64Array(n);
        const tpw = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const pi = pressure(i);
          tp[i] = theta(t[i], pi);
          if (td) {
            tpe[i] = thetaE(t[i], td[i], pi);
            tpw[i] = thetaW(tpe[i]);
          }
        }
        const out: OutputField[] = [];
        if (wantTheta) out.push({ param: TP, values: tp });
        if (wantW) out.push({ param: TPW, values: tpw });
        if (wantE) out.push({ param: TPE, values: tpe });
        return out;
      },
    };
  },
};
