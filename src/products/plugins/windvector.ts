// windvector: wind speed FF-MS and direction DD-D (degrees, where the wind blows from, rounded as himan)
// from U-MS and V-MS turned earth-relative; with for_gust, gust speed FFG-MS from WGU-MS and WGV-MS.
import { paramInfo } from "../params.ts";
import { toEarthRelative } from "../wind.ts";
import { inputAt, isTrue, type OutputField, type Plugin, type PluginInstance } from "./types.ts";

const FF = paramInfo("FF-MS")!;
const DD = paramInfo("DD-D")!;
const FFG = paramInfo("FFG-MS")!;

/** Direction the wind comes from, 0 <= dd < 360 before rounding, rounded to whole degrees (360 possible). */
export function windDirection(u: number, v: number): number {
  // atan2 is within [-180, 180] degrees, so dir is within [0, 360]; himan's fmod makes 360 into 0.
  let dir = Math.atan2(u, v) * degrees + 180;
  if (dir >= 360) dir -= 360;
  return Math.round(dir);
}

const degrees = 180 / Math.PI;

export const windvector: Plugin = {
  name: "windvector",
  configure(options): PluginInstance {
    const gust = isTrue(options["for_gust"]);
    const [uName, vName] = gust ? ["WGU-MS", "WGV-MS"] : ["U-MS", "V-MS"];
    return {
      outputs: () => (gust ? [FFG] : [FF, DD]),
      inputs: (target) => [[inputAt(target, uName), inputAt(target, vName)]],
      compute(context) {
        const uField = context.input(uName);
        const { u, v } = toEarthRelative(uField.grid, uField.values, context.input(vName).values);
        const ff = new Float64Array(u.length);
        const dd = new Float64Array(u.length);
        for (let i = 0; i < u.length; i++) {
          ff[i] = Math.sqrt(u[i] * u[i] + v[i] * v[i]);
          dd[i] = windDirection(u[i], v[i]);
        }
        const out: OutputField[] = [{ param: gust ? FFG : FF, values: ff }];
        if (!gust) out.push({ param: DD, values: dd });
        return out;
      },
    };
  },
};
