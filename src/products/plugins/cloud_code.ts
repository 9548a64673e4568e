// cloud_code: himan's cloud symbol CLDSYM-N (FMI's four-digit codes of the old Fortran post-processing:
// first digit the amount, 1 scattered, 2 broken, 3 overcast; then the cloud's kind) from the total cloud
// cover N, the relative humidity at 850, 700 and 500 hPa, the K-index and the low convection class of
// the surface and 850 hPa temperatures, written at the processqueue's level (himan: height 0).
// Inputs: T-K at height 0 and at 850 hPa, N-0TO1 and KINDEX-N at height 0 (the K-index e.g. from
// stability earlier in the processqueue), RH-PRCNT or RH-0TO1 on the three pressure levels.
// himan also accepts N-PRCNT but multiplies it by 100 as if it were a fraction (every cloudy point
// becomes overcast): only N-0TO1 is read here, so such data is reported missing rather than misread.
import type { FieldKey } from "../fields.ts";
import { paramInfo } from "../params.ts";
import { lowConvection } from "./meteo.ts";
import { eachOf, inputOn, type Plugin, type PluginInstance, type Target, valuesOf } from "./types.ts";

const CLDSYM = paramInfo("CLDSYM-N")!;

/** The codes of one band of cloud cover where convection decides (K-index over 25, 20, 15; low convection). */
interface ConvectiveCodes {
  k25: number;
  k20: number;
  k15: number;
  /** Low convection class 2 (summer, over land); only the scattered band has a code of its own. */
  summer?: number;
  winter: number;
}

function convective(codes: ConvectiveCodes, kIndex: number, lowConv: number): number | undefined {
  if (kIndex > 25) return codes.k25;
  if (kIndex > 20) return codes.k20;
  if (kIndex > 15) return codes.k15;
  if (lowConv === 2 && codes.summer !== undefined) return codes.summer;
  if (lowConv === 1) return codes.winter;
  return undefined;
}

const broad: ConvectiveCodes = { k25: 3309, k20: 2303, k15: 2302, winter: 2303 };
const scattered: ConvectiveCodes = { k25: 1309, k20: 1303, k15: 1302, summer: 1301, winter: 1303 };

/**
 * himan's cloud code from the surface and 850 hPa temperatures (K), total cloud cover (0..1), K-index
 * and relative humidities (%) at 850, 700 and 500 hPa; NaN if any is missing.
 */
export function cloudSymbol(
  t0: number,
  n: number,
  kIndex: number,
  t850: number,
  rh850: number,
  rh700: number,
  rh500: number,
): number {
  if (Number.isNaN(t0 + n + kIndex + t850 + rh850 + rh700 + rh500)) return Number.NaN;
  const lowConv = lowConvection(t0, t850);
  // As himan, the bands are compared in percent of the fraction times 100.
  const percent = n * 100;
  if (percent > 90) {
    let code = rh500 > 65 ? 3502 : 3306;
    if (rh700 > 80) code = 3405;
    if (rh850 > 60) {
      // Thick layered cloud: final, convection does not change it.
      if (rh700 > 80) return 3604;
      code = 3307;
    }
    return convective(broad, kIndex, lowConv) ?? code;
  }
  if (percent > 50) {
    let code = rh500 > 65 ? 2501 : 2305;
    if (rh700 > 80) code = 2403;
    if (rh850 > 80) code = 2307;
    return convective(broad, kIndex, lowConv) ?? code;
  }
  if (percent > 10) {
    let code = rh500 > 60 ? 1501 : 1305;
    if (rh700 > 70) code = 1403;
    if (rh850 > 80) code = 1305;
    return convective(scattered, kIndex, lowConv) ?? code;
  }
  return lowConv === 1 ? 1303 : 0;
}

const humidities = (target: Target, level: number): FieldKey[] => [
  inputOn(target, "RH-PRCNT", "pressure", level),
  inputOn(target, "RH-0TO1", "pressure", level),
];

function inputSets(target: Target): FieldKey[][] {
  return eachOf([
    [inputOn(target, "T-K", "height", 0)],
    [inputOn(target, "N-0TO1", "height", 0)],
    [inputOn(target, "KINDEX-N", "height", 0)],
    [inputOn(target, "T-K", "pressure", 850)],
    humidities(target, 850),
    humidities(target, 700),
    humidities(target, 500),
  ]);
}

export const cloudCode: Plugin = {
  name: "cloud_code",
  configure(): PluginInstance {
    return {
      outputs: () => [CLDSYM],
      inputs: inputSets,
      compute(context) {
        const keys = inputSets(context.target)[context.inputSet];
        const [t0, n, k, t850, rh850, rh700, rh500] = keys.map((key) => {
          const values = valuesOf(context, key);
          // A fraction is made percent, as himan does for a humidity whose unit is not percent.
          return key.param === "RH-0TO1" ? values.map((v) => v * 100) : values;
        });
        const out = new Float64Array(t0.length);
        for (let i = 0; i < out.length; i++)
          out[i] = cloudSymbol(t0[i], n[i], k[i], t850[i], rh850[i], rh700[i], rh500[i]);
        return [{ param: CLDSYM, values: out }];
      },
    };
  },
};
