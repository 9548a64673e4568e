// visibility: himan's visibility VV2-M (m, at most 40 km) in precipitation and in mist or fog, from the
// precipitation rate and form, the 2 m relative humidity and the low (fog) cloud on model levels, written
// at the processqueue's level. The fog cloud is the cloud cover N-0TO1 below 305 m (1000 ft) found by
// himan's vertical searches (hitool.ts) on the model levels' heights HL-M: its maximum amount and the
// lowest height where it exceeds 0.55; where only a thin layer at the lowest level exceeds 0.55 (mean
// over 0-15 m above, over 15-45 m not), the layer from 15 m (amount) and from 25 m (height) is used.
// Visibility in precipitation (rate RR mm/h > 0 and a precipitation form) by form: drizzle 500/RR, rain
// 6000/RR + 2000, sleet 2000/(RR + 0.13), snow 1400/(RR + 0.13), then times 85/RH, times
// ln 50 / ln N for fog cloud N ≥ 50 % and (h/152)^0.15 for its height h below 152 m. In mist (RR below
// 0.5 mm/h and RH over 80 %): 700 (101 − RH)^1.25 · 75/(N + 10) · (h / 304.8 m)^0.25 below 305 m. The
// lower of the two; missing where the rate or the humidity is.
//
// Inputs: RH-PRCNT or RH-0TO1 at 2 m, PRECFORM2-N or PRECFORM-N and RR-1-MM or RRR-KGM2 at height 0, and
// N-0TO1 and HL-M on every model level of the range (options "lowest_level", "highest_level"; ECMWF's
// L137 by default, levels 137 up to 124, which lie above 305 m everywhere).
// As himan, a precipitation form other than 0-5 (drizzle, rain, sleet, snow, freezing drizzle, freezing
// rain) where it precipitates stops the computation. himan scales the humidity by 100 for source
// producers 1, 199 and 4 (whose radon humidity is a fraction); here RH-0TO1 is scaled and RH-PRCNT is
// not, whatever the producer. himan also reads cloud cover as N-PRCNT but then takes it for a fraction
// (asserting at most 1): only N-0TO1 is read here.
import type { FieldKey } from "../fields.ts";
import { paramInfo } from "../params.ts";
import { type Profile, verticalAverage, verticalHeightGreaterThan, verticalMaximum } from "./hitool.ts";
import { modelLevelColumn, modelLevelsUp, onModelLevels } from "./model-levels.ts";
import { eachOf, inputOn, type Plugin, type PluginInstance, type Target, valuesOf } from "./types.ts";

const VV2 = paramInfo("VV2-M")!;

/** Visibility where nothing reduces it (m). */
const defaultVisibility = 40000;
/** Added to snow and sleet rates (mm/h) so that the weakest model snowfall still reduces visibility. */
const pseudoRate = 0.13;
/** Amount of fog cloud (0..1) that counts. */
const stratusLimit = 0.55;
/** Highest fog cloud (m): 1000 ft. */
const stratusMaxHeight = 305;

/** C's fmin: a missing operand gives the other. */
const fmin = (a: number, b: number) => (Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b));

/** Visibility (m) in precipitation; fog cloud amount in %, its height in m, rate mm/h, RH %, himan's form code. */
export function visibilityInPrecipitation(
  stN: number,
  stH: number,
  rr: number,
  rh: number,
  form: number,
): number {
  let visibility: number;
  switch (form) {
    case 0: // drizzle
    case 4: // freezing drizzle
      visibility = (1 / rr) * 500;
      break;
    case 1: // rain
    case 5: // freezing rain
      visibility = (1 / rr) * 6000 + 2000;
      break;
    case 2: // sleet
      visibility = (1 / (rr + pseudoRate)) * 2000;
      break;
    case 3: // snow
      visibility = (1 / (rr + pseudoRate)) * 1400;
      break;
    default:
      throw new Error(
        `precipitation form ${form} is not one himan's visibility knows (0 drizzle, 1 rain, 2 sleet, 3 snow, 4 freezing drizzle, 5 freezing rain); himan stops here too: give precipitation forms in these codes`,
      );
  }
  // Haze by humidity (RH under 85 % improves), by the amount (≥ 50 %) and height (< 152 m) of fog cloud;
  // comparisons with a missing amount or height are false, as in C.
  const byHumidity = 85 / rh;
  const byAmount = stN >= 50 ? Math.log(50) / Math.log(stN) : 1;
  const byHeight = stH < 152 ? (stH / 152) ** 0.15 : 1;
  return fmin(visibility * byHumidity * byAmount * byHeight, defaultVisibility);
}

/** Visibility (m) in mist or fog; also in weak precipitation, to smooth the gradient at its edge. */
export function visibilityInMist(stN: number, stH: number, rr: number, rh: number): number {
  if (!(rr < 0.5 && rh > 80)) return defaultVisibility;
  const byAmount = 75 / (stN + 10);
  const byHeight = stH < 305 ? (stH / 0.3048 / 1000) ** 0.25 : 1;
  return fmin((101 - rh) ** 1.25 * 700 * byAmount * byHeight, defaultVisibility);
}

/** himan's visibility (m) from fog cloud amount (0..1) and height (m), rate (mm/h), RH (%) and form code. */
export function visibilityOf(stN: number, stH: number, rr: number, rh: number, form: number): number {
  if (Number.isNaN(rr) || Number.isNaN(rh)) return Number.NaN;
  const percent = stN * 100;
  const inPrecipitation =
    rr > 0 && !Number.isNaN(form)
      ? visibilityInPrecipitation(percent, stH, rr, rh, Math.trunc(form))
      : defaultVisibility;
  return fmin(visibilityInMist(percent, stH, rr, rh), inPrecipitation);
}

/** The fog cloud's amount (0..1) and height (m) at each point from the cloud cover profile. */
export function fogCloud(profile: Profile): { amount: Float64Array; height: Float64Array } {
  const below = { lower: 0, upper: stratusMaxHeight };
  const amount = verticalMaximum(profile, below);
  const height = verticalHeightGreaterThan(profile, below, stratusLimit);
  const lowest = verticalAverage(profile, { lower: 0, upper: 15 });
  const above = verticalAverage(profile, { lower: 15, upper: 45 });
  const amountAbove = verticalAverage(profile, { lower: 15, upper: stratusMaxHeight });
  const heightAbove = verticalHeightGreaterThan(
    profile,
    { lower: 25, upper: stratusMaxHeight },
    stratusLimit,
  );
  for (let i = 0; i < amount.length; i++) {
    // A thin layer on the lowest level only: leave that level out.
    if (lowest[i] > stratusLimit && above[i] < stratusLimit) {
      amount[i] = amountAbove[i];
      height[i] = heightAbove[i];
    }
  }
  return { amount, height };
}

export const visibility: Plugin = {
  name: "visibility",
  configure(options): PluginInstance {
    const levelsUp = modelLevelsUp("visibility", options, { lowest: 137, highest: 124 });
    const modelLevels = (target: Target): FieldKey[] => onModelLevels(target, levelsUp, ["N-0TO1", "HL-M"]);
    const sets = (target: Target) =>
      eachOf([
        [inputOn(target, "RH-PRCNT", "height", 2), inputOn(target, "RH-0TO1", "height", 2)],
        [inputOn(target, "PRECFORM2-N", "height", 0), inputOn(target, "PRECFORM-N", "height", 0)],
        [inputOn(target, "RR-1-MM", "height", 0), inputOn(target, "RRR-KGM2", "height", 0)],
      ]).map((surface) => [...surface, ...modelLevels(target)]);
    return {
      outputs: () => [VV2],
      inputs: sets,
      compute(context) {
        const { target } = context;
        const [rhKey, formKey, rateKey] = sets(target)[context.inputSet];
        const field = (key: FieldKey) => valuesOf(context, key);
        const rhScale = rhKey.param === "RH-0TO1" ? 100 : 1;
        const [rh, form, rate] = [field(rhKey), field(formKey), field(rateKey)];
        const profile = (param: string) => modelLevelColumn(context, levelsUp, param);
        const fog = fogCloud({ values: profile("N-0TO1"), heights: profile("HL-M") });
        const out = new Float64Array(rh.length);
        let i = 0;
        try {
          for (; i < out.length; i++)
            out[i] = visibilityOf(fog.amount[i], fog.height[i], rate[i], rh[i] * rhScale, form[i]);
        } catch (error) {
          const where = `visibility ${target.levelType} ${target.level} step ${target.step}h, point ${i} of ${formKey.param}`;
          throw new Error(`${where}: ${(error as Error).message}`);
        }
        return [{ param: VV2, values: out }];
      },
    };
  },
};
