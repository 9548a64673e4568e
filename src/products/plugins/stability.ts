// stability: himan's stability indices from temperature and dew point on the 850, 700 and 500 hPa
// levels, written at the processqueue's level (himan: height 0): K-index (KINDEX-N), cross totals
// (CTI-N), vertical totals (VTI-N) and total totals (TTI-N), and with option "si" the Showalter index
// (SI-N: the 850 hPa parcel lifted to 500 hPa, himan's metutil SI_). The dew points are TD-K on those
// levels, e.g. from the dewpoint plugin earlier in the processqueue (ECMWF disseminates relative
// humidity). The lifted index ("li", a parcel of the lowest 500 m's mean) and bulk shear ("bs") need
// himan's vertical averaging over model levels: not yet supported, and refused rather than left out.
import type { FieldKey } from "../fields.ts";
import { paramInfo } from "../params.ts";
import { showalterIndex } from "./lift.ts";
import { kelvin } from "./meteo.ts";
import { inputOn, isTrue, type Plugin, type PluginInstance, pointwise, type Target } from "./types.ts";

const KI = paramInfo("KINDEX-N")!;
const CTI = paramInfo("CTI-N")!;
const VTI = paramInfo("VTI-N")!;
const TTI = paramInfo("TTI-N")!;
const SI = paramInfo("SI-N")!;

const inputsOf = (target: Target): FieldKey[] => [
  inputOn(target, "T-K", "pressure", 850),
  inputOn(target, "T-K", "pressure", 700),
  inputOn(target, "T-K", "pressure", 500),
  inputOn(target, "TD-K", "pressure", 850),
  inputOn(target, "TD-K", "pressure", 700),
];

export const stability: Plugin = {
  name: "stability",
  configure(options): PluginInstance {
    for (const option of ["li", "bs", "srh"]) {
      if (isTrue(options[option]))
        throw new Error(
          `stability: "${option}" (lifted index, bulk shear, helicity) is not supported yet; the K-index, the totals indices and the Showalter index ("si") are`,
        );
    }
    const withShowalter = isTrue(options["si"]);
    return {
      outputs: () => (withShowalter ? [KI, CTI, VTI, TTI, SI] : [KI, CTI, VTI, TTI]),
      inputs: (target) => [inputsOf(target)],
      compute(context) {
        const [t850, t700, t500, td850, td700] = inputsOf(context.target).map(
          (k) => context.input(k.param, k.step, k.levelType, k.level).values,
        );
        const ki = new Float64Array(t850.length);
        for (let i = 0; i < ki.length; i++)
          ki[i] = t850[i] - t500[i] + td850[i] - (t700[i] - td700[i]) - kelvin;
        return [
          { param: KI, values: ki },
          { param: CTI, values: pointwise([td850, t500], (td, t) => td - t) },
          { param: VTI, values: pointwise([t850, t500], (t8, t5) => t8 - t5) },
          { param: TTI, values: pointwise([t850, t500, td850], (t8, t5, td) => td - t5 + (t8 - t5)) },
          ...(withShowalter ? [{ param: SI, values: pointwise([t850, t500, td850], showalterIndex) }] : []),
        ];
      },
    };
  },
};
