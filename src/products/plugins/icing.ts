// icing: himan's aircraft icing index ICING-N (0-15) from temperature, vertical velocity (VV-MS or
// VV-MMS) and cloud liquid water (CLDWAT-KGKG): round(ln(cloud water in g/kg) + 6) corrected by classes
// of updraft (mm/s) and temperature, 0 where there is no cloud water or above freezing.
import { paramInfo } from "../params.ts";
import { kelvin } from "./meteo.ts";
import { inputAt, type Plugin, type PluginInstance, type Target } from "./types.ts";

const ICING = paramInfo("ICING-N")!;

/** C's round(): halves away from zero (Math.round takes -2.5 to -2). */
const roundC = (x: number) => Math.sign(x) * Math.round(Math.abs(x));

function updraftCorrection(mms: number): number {
  if (mms < 0) return -1;
  if (mms <= 50) return 0;
  if (mms <= 100) return 1;
  if (mms <= 200) return 2;
  if (mms <= 300) return 3;
  if (mms <= 1000) return 4;
  return 5;
}

function temperatureCorrection(c: number): number {
  if (c <= 0 && c > -1) return -2;
  if (c <= -1 && c > -2) return -1;
  if (c <= -2 && c > -3) return 0;
  if (c <= -3 && c > -12) return 1;
  if (c <= -12 && c > -15) return 0;
  if (c <= -15 && c > -18) return -1;
  if (c < -18) return -2;
  return 0;
}

export function icingIndex(tK: number, updraftMms: number, cloudWaterGkg: number): number {
  if (Number.isNaN(tK + updraftMms + cloudWaterGkg)) return Number.NaN;
  const c = tK - kelvin;
  if (cloudWaterGkg <= 0 || c > 0) return 0;
  const index =
    roundC(Math.log(cloudWaterGkg) + 6) + updraftCorrection(updraftMms) + temperatureCorrection(c);
  return Math.min(15, Math.max(0, index));
}

export const icing: Plugin = {
  name: "icing",
  configure(): PluginInstance {
    const sets = (target: Target) =>
      ["VV-MS", "VV-MMS"].map((vv) => [
        inputAt(target, "T-K"),
        inputAt(target, vv),
        inputAt(target, "CLDWAT-KGKG"),
      ]);
    return {
      outputs: () => [ICING],
      inputs: sets,
      compute(context) {
        const [t, vv, cl] = sets(context.target)[context.inputSet].map((k) => context.input(k.param).values);
        const toMms = context.inputSet === 0 ? 1000 : 1;
        const out = new Float64Array(t.length);
        for (let i = 0; i < out.length; i++) out[i] = icingIndex(t[i], vv[i] * toMms, cl[i] * 1000);
        return [{ param: ICING, values: out }];
      },
    };
  },
};
