// stability: himan's stability indices, written at the processqueue's level (himan: height 0). From
// temperature and dew point on the 850, 700 and 500 hPa levels: K-index (KINDEX-N), cross totals (CTI-N),
// vertical totals (VTI-N) and total totals (TTI-N), and with option "si" the Showalter index (SI-N: the
// 850 hPa parcel lifted to 500 hPa, himan's metutil SI_). The dew points are TD-K on those levels, e.g.
// from the dewpoint plugin earlier in the processqueue (ECMWF disseminates relative humidity).
//
// Option "li" (himan's stability with li = "true") adds the lifted index (LI-N) and, as himan writes it
// with li, the Showalter index: T at 500 hPa minus the parcel of the lowest 500 m's mean temperature, dew
// point and pressure lifted to 500 hPa (himan's LI_). The means are over model levels (himan's hitool):
// HL-M, P-HPA, T-K and TD-K (or RH-PRCNT, then the dew point of the mean T and RH, as newer himan falls
// back) on every level from "last_hybrid_level" (137) up to "highest_level" (114 for ECMWF's L137, which
// lies above 900 m even over high ground).
//
// Option "bs" adds himan's bulk shear from the ground to 1 km (WSH-1-KT) and to 6 km (WSH-KT), in knots
// as his: the magnitude of the difference of the winds (U-MS, V-MS) at those heights. Option "srh" adds
// the storm-relative helicity from the lowest level to 1 km (HLCY-1-M2S2) and 3 km (HLCY-M2S2) about
// Bunkers' right-moving storm motion, as newer himan computes it (the older himan that has the option
// names these outputs but never computes them). Both read the winds on model levels from
// "last_hybrid_level" up to "highest_wind_level" (74 for ECMWF's L137: above 7 km even over high
// ground). himan's energy-helicity index needs the CAPE of his cape plugin, which is not supported: it
// is not written.
import { type FieldKey, keyId } from "../fields.ts";
import { paramInfo } from "../params.ts";
import { missingAboveColumn, verticalAverage } from "./hitool.ts";
import { liftedIndex, showalterIndex } from "./lift.ts";
import { dewPointFromRH, kelvin } from "./meteo.ts";
import { levelsUp, modelLevelColumn, modelLevelOption, onModelLevels } from "./model-levels.ts";
import {
  type ComputeContext,
  inputOn,
  isTrue,
  type OutputField,
  type Plugin,
  type PluginInstance,
  pointwise,
  type Target,
  valuesOf,
} from "./types.ts";
import { bulkShear, stormRelativeHelicity, type WindColumns } from "./wind_shear.ts";

const KI = paramInfo("KINDEX-N")!;
const CTI = paramInfo("CTI-N")!;
const VTI = paramInfo("VTI-N")!;
const TTI = paramInfo("TTI-N")!;
const SI = paramInfo("SI-N")!;
const LI = paramInfo("LI-N")!;
const BS01 = paramInfo("WSH-1-KT")!;
const BS06 = paramInfo("WSH-KT")!;
const SRH01 = paramInfo("HLCY-1-M2S2")!;
const SRH03 = paramInfo("HLCY-M2S2")!;

/** The layer (m above ground) whose mean parcel the lifted index lifts. */
const parcelLayer = 500;

const pressureLevelInputs = (target: Target): FieldKey[] => [
  inputOn(target, "T-K", "pressure", 850),
  inputOn(target, "T-K", "pressure", 700),
  inputOn(target, "T-K", "pressure", 500),
  inputOn(target, "TD-K", "pressure", 850),
  inputOn(target, "TD-K", "pressure", 700),
];

/** The model-level columns the lifted index averages, with the dew point or (second choice) the humidity. */
const humidityChoices = ["TD-K", "RH-PRCNT"] as const;
const columnParams = (humidity: string) => ["HL-M", "P-HPA", "T-K", humidity];

function liftedIndexField(context: ComputeContext, levels: number[], t500: Float64Array): Float64Array {
  const humidity = humidityChoices[context.inputSet];
  const heights = modelLevelColumn(context, levels, "HL-M");
  // A column whose levels end below the layer's top gives no parcel rather than a shallower one.
  const mean = (param: string) => {
    const profile = { heights, values: modelLevelColumn(context, levels, param) };
    return missingAboveColumn(
      profile,
      verticalAverage(profile, { lower: 0, upper: parcelLayer }),
      parcelLayer,
    );
  };
  const t = mean("T-K");
  const pPa = mean("P-HPA").map((p) => p * 100);
  const moisture = mean(humidity);
  const td = humidity === "TD-K" ? moisture : pointwise([t, moisture], dewPointFromRH);
  const li = new Float64Array(t.length);
  for (let i = 0; i < li.length; i++) li[i] = liftedIndex(t500[i], t[i], td[i], pPa[i]);
  return li;
}

/** The model-level wind columns (lowest level first). */
function windColumns(context: ComputeContext, levels: number[]): WindColumns {
  const of = (param: string) => modelLevelColumn(context, levels, param);
  return { heights: of("HL-M"), u: of("U-MS"), v: of("V-MS") };
}

/** Each field once, in order (the lifted index's and the winds' columns share the levels' heights). */
function distinct(keys: FieldKey[]): FieldKey[] {
  const seen = new Map(keys.map((k) => [keyId(k), k]));
  return [...seen.values()];
}

export const stability: Plugin = {
  name: "stability",
  configure(options): PluginInstance {
    const withLifted = isTrue(options["li"]);
    const withShowalter = withLifted || isTrue(options["si"]);
    const withShear = isTrue(options["bs"]);
    const withHelicity = isTrue(options["srh"]);
    const lowest = modelLevelOption("stability", options, "last_hybrid_level", 137);
    const parcelLevels = withLifted
      ? levelsUp("stability", lowest, modelLevelOption("stability", options, "highest_level", 114))
      : [];
    const windLevels =
      withShear || withHelicity
        ? levelsUp(
            "stability",
            lowest,
            modelLevelOption("stability", options, "highest_wind_level", 74),
            "highest_wind_level",
          )
        : [];
    const outputs = [
      KI,
      CTI,
      VTI,
      TTI,
      ...(withShowalter ? [SI] : []),
      ...(withLifted ? [LI] : []),
      ...(withShear ? [BS01, BS06] : []),
      ...(withHelicity ? [SRH01, SRH03] : []),
    ];
    const inputSets = (target: Target): FieldKey[][] => {
      const winds = onModelLevels(target, windLevels, ["HL-M", "U-MS", "V-MS"]);
      const humidities = withLifted ? humidityChoices : [];
      const parcels = humidities.map((humidity) =>
        onModelLevels(target, parcelLevels, columnParams(humidity)),
      );
      return (parcels.length > 0 ? parcels : [[]]).map((parcel) =>
        distinct([...pressureLevelInputs(target), ...parcel, ...winds]),
      );
    };
    return {
      outputs: () => outputs,
      inputs: inputSets,
      compute(context) {
        const [t850, t700, t500, td850, td700] = pressureLevelInputs(context.target).map((k) =>
          valuesOf(context, k),
        );
        const ki = new Float64Array(t850.length);
        for (let i = 0; i < ki.length; i++)
          ki[i] = t850[i] - t500[i] + td850[i] - (t700[i] - td700[i]) - kelvin;
        const out: OutputField[] = [
          { param: KI, values: ki },
          { param: CTI, values: pointwise([td850, t500], (td, t) => td - t) },
          { param: VTI, values: pointwise([t850, t500], (t8, t5) => t8 - t5) },
          { param: TTI, values: pointwise([t850, t500, td850], (t8, t5, td) => td - t5 + (t8 - t5)) },
        ];
        if (withShowalter) out.push({ param: SI, values: pointwise([t850, t500, td850], showalterIndex) });
        if (withLifted) out.push({ param: LI, values: liftedIndexField(context, parcelLevels, t500) });
        const winds = windLevels.length > 0 ? windColumns(context, windLevels) : undefined;
        if (winds && withShear)
          out.push(
            { param: BS01, values: bulkShear(winds, 1000) },
            { param: BS06, values: bulkShear(winds, 6000) },
          );
        if (winds && withHelicity) {
          const [srh01, srh03] = stormRelativeHelicity(winds, [1000, 3000]);
          out.push({ param: SRH01, values: srh01 }, { param: SRH03, values: srh03 });
        }
        return out;
      },
    };
  },
};
