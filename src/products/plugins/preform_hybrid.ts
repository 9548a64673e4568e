// preform_hybrid: himan's precipitation form PRECFORM2-N from model levels (and, with the option
// "potential_precipitation_form", POTPRECF-N: the same form wherever the 2 m temperature and the rate are
// known, also where it does not precipitate), written at the processqueue's level (himan: height 0).
// FMI's classes: 0 drizzle, 1 rain, 2 sleet, 3 snow, 4 freezing drizzle, 5 freezing rain.
//
// From the model-level profiles on their heights HL-M, by himan's vertical searches (hitool.ts):
//   stratus: base, the first height in 0-305 m where the cloud cover N exceeds 0.5; top, the first height
//     from base + 10 m up to 2500 m where it falls below 0.5, or 2500 m where none; a second layer whose
//     base (first above 0.5 from top + 10 m) lies less than 45 m above the top joins it (its top, by the
//     same search from that base); the temperature at the top, the mean temperature from base + 10 m to
//     top − 10 m, the mean N from top + 30 m to top + 1500 m and the mean vertical velocity (mm/s) from
//     base to top;
//   freezing area: the number of 0 °C crossings of T below 10 km, the heights of the first to fourth, the
//     mean T and RH below the first and between them; a surface layer with T above 0 °C (odd count) has
//     the plus area zl1·T̄01 (m·°C) and Shaviv's melting humidity rhMelt = 9.5·exp(−17.27T̄/(T̄+238.3))·
//     (10.5 − T̄) of its mean T̄; with three crossings or more the layer aloft, (zl3 − zl2)·T̄23, adds to it
//     where its mean RH exceeds its own rhMelt; a freezing surface layer (even count) has the minus area
//     zl1·T̄01 and the plus area aloft (zl2 − zl1)·T̄12, plus (zl4 − zl3)·T̄34 with four crossings or more.
// Then himan's order of tests (a comparison with a missing value is false, as in C):
//   1. freezing drizzle: RR ≤ 0.2 mm/h, base < 305 m, top − base ≥ 700 m, 0 ≤ w < 50 mm/s, stratus top
//      and mean T above −12 °C, −10 < T2m ≤ 0 °C, N above the stratus below 0.3;
//   2. freezing rain: plus area > 100, minus area < −100, T2m ≤ 0 °C, N above the stratus missing or
//      above 0.3, and the RH of the layer aloft above its rhMelt;
//   3. plus area > 200: drizzle where RR ≤ 0.3, base < 305 m, top − base > 400 m and N above below 0.3,
//      else rain; sleet instead where one crossing, RH below rhMelt and plus area < 2600; snow instead
//      where a minus area exists or the surface plus area is below 50;
//   4. plus area in [50, 200]: sleet; snow where one crossing and RH below rhMelt, or else where a minus
//      area exists or the surface plus area is below 50;
//   5. plus area missing or below 50: snow.
// Missing where RR or T2m is, and PRECFORM2-N also where RR = 0.
//
// Inputs: RRR-KGM2 or RR-1-MM at height 0, T-K at 2 m, and T-K, RH-PRCNT, N-0TO1, VV-MMS (or VV-MS,
// times 1000) and HL-M on every model level of the range (options "lowest_level", "highest_level").
// himan reads the levels radon's hybrid_level_height puts around the heights searched (up to 10 km); here
// the range is an option, by default ECMWF's L137 levels 137 up to 68, which lie above 10.7 km over
// ground even where the surface pressure is 700 hPa; a point whose highest level read lies below 10 km
// gets no form rather than one from a shorter column. himan also reads cloud cover as N-PRCNT and then
// takes it for a fraction: only N-0TO1 is read here. Where no point of the grid has a 0 °C crossing,
// himan's freezing-area search fails and he writes nothing for the step; here those points get the form
// his rules give them without a crossing (snow, or freezing drizzle).
import type { FieldKey } from "../fields.ts";
import { type ParamInfo, paramInfo } from "../params.ts";
import {
  type Layers,
  missingAboveColumn,
  type Profile,
  valueAtHeight,
  verticalAverage,
  verticalCount,
  verticalHeight,
  verticalHeightGreaterThan,
  verticalHeightLessThan,
} from "./hitool.ts";
import { kelvin } from "./meteo.ts";
import { modelLevelsUp } from "./model-levels.ts";
import { precipitationForm } from "./preform_pressure.ts";
import { inputOn, isTrue, type Plugin, type PluginInstance, type Target, valuesOf } from "./types.ts";

const PRECFORM2 = paramInfo("PRECFORM2-N")!;
const POTPRECF = paramInfo("POTPRECF-N")!;

/** himan's thresholds. */
const limits = {
  /** Highest stratus base (m), 1000 ft. */
  base: 305,
  /** Least stratus thickness (m) of drizzle and of freezing drizzle. */
  drizzleStratus: 400,
  freezingDrizzleStratus: 700,
  /** Coldest stratus top and mean temperature (°C) of freezing drizzle. */
  stratusTemperature: -12,
  /** 2 m temperature range (°C) of freezing drizzle: (min, max]. */
  surfaceMin: -10,
  surfaceMax: 0,
  /** Most cloud (0..1) in the dry layer above the stratus; freezing rain needs more (or none known). */
  dryCloud: 0.3,
  /** Heaviest drizzle and freezing drizzle (mm/h). */
  drizzle: 0.3,
  freezingDrizzle: 0.2,
  /** Minus and plus areas (m·°C) of freezing rain. */
  freezingRainMinus: -100,
  freezingRainPlus: 100,
  /** Plus areas (m·°C) above which it is water, and below which snow. */
  water: 200,
  snow: 50,
  /** Plus area (m·°C) below which a dry surface layer turns rain into sleet. */
  dryRain: 2600,
  /** Strongest lift (mm/s) in the stratus of freezing drizzle. */
  lift: 50,
};

/** himan's stratus search heights (m) and cloud limit. */
const stratusSearch = {
  layer: 2500,
  cover: 0.5,
  dryLayer: 1500,
  /** A second cloud layer less than this (m) above the top is the same stratus. */
  join: 45,
};

/** Height (m) below which the 0 °C crossings are counted. */
const zeroSearchTop = 10000;

/** The stratus of each point (m, K, 0..1, mm/s), himan's Stratus(). */
export interface Stratus {
  base: Float64Array;
  top: Float64Array;
  topTemperature: Float64Array;
  meanTemperature: Float64Array;
  upperLayerN: Float64Array;
  verticalVelocity: Float64Array;
}

const plus = (values: Float64Array, a: number) => values.map((v) => v + a);
const constant = (length: number, value: number) => new Float64Array(length).fill(value);

/** himan's stratus from the cloud cover, temperature (K) and vertical velocity (mm/s) profiles. */
export function stratusOf(cloud: Profile, temperature: Profile, velocity: Profile): Stratus {
  const { layer, cover, dryLayer, join } = stratusSearch;
  const points = cloud.values[0]?.length ?? 0;
  const upTo = (from: Float64Array): Layers => ({ lower: from, upper: constant(points, layer) });
  const base = verticalHeightGreaterThan(cloud, { lower: 0, upper: limits.base }, cover);
  const top = verticalHeightLessThan(cloud, upTo(plus(base, 10)), cover);
  const base2 = verticalHeightGreaterThan(cloud, upTo(plus(top, 10)), cover);
  const top2 = verticalHeightLessThan(cloud, upTo(base2), cover);
  for (let i = 0; i < points; i++) {
    if (base2[i] - top[i] < join) top[i] = top2[i];
    // a stratus reaching above the searched layer has its top at the layer's top
    if (!Number.isNaN(base[i]) && Number.isNaN(top[i])) top[i] = layer;
  }
  return {
    base,
    top,
    topTemperature: top.map((h, i) => (Number.isNaN(h) ? Number.NaN : valueAtHeight(temperature, i, h))),
    meanTemperature: verticalAverage(temperature, { lower: plus(base, 10), upper: plus(top, -10) }),
    upperLayerN: verticalAverage(cloud, { lower: plus(top, 30), upper: plus(top, dryLayer) }),
    verticalVelocity: verticalAverage(velocity, { lower: base, upper: top }),
  };
}

/** The areas (m·°C) above and below 0 °C and the humidities that melt snow, himan's FreezingArea(). */
export interface FreezingArea {
  zeroLevels: Float64Array;
  plusArea: Float64Array;
  plusAreaSurface: Float64Array;
  minusArea: Float64Array;
  rhAvg: Float64Array;
  rhMelt: Float64Array;
  rhAvgUpper: Float64Array;
  rhMeltUpper: Float64Array;
}

/** Shaviv's (2006) relative humidity (%) below which snow does not melt, at the layer's mean T (°C). */
export const meltingHumidity = (t: number) => 9.5 * Math.exp((-17.27 * t) / (t + 238.3)) * (10.5 - t);

/** himan's freezing area from the temperature (K) and relative humidity (%) profiles. */
export function freezingAreaOf(temperature: Profile, humidity: Profile): FreezingArea {
  const points = temperature.values[0]?.length ?? 0;
  const below10km = { lower: 0, upper: zeroSearchTop };
  const zeroLevels = verticalCount(temperature, below10km, kelvin);
  const zl = [1, 2, 3, 4].map((n) => verticalHeight(temperature, below10km, kelvin, n));
  const ground = constant(points, 0);
  const between = (lower: Float64Array, upper: Float64Array) => ({ lower, upper });
  const layers = [
    between(ground, zl[0]),
    between(zl[0], zl[1]),
    between(zl[1], zl[2]),
    between(zl[2], zl[3]),
  ];
  const tMean = layers.map((l) => verticalAverage(temperature, l).map((t) => t - kelvin));
  const [rh01, rh12, rh23] = layers.slice(0, 3).map((l) => verticalAverage(humidity, l));
  const out: FreezingArea = {
    zeroLevels,
    plusArea: constant(points, Number.NaN),
    plusAreaSurface: constant(points, Number.NaN),
    minusArea: constant(points, Number.NaN),
    rhAvg: constant(points, Number.NaN),
    rhMelt: constant(points, Number.NaN),
    rhAvgUpper: constant(points, Number.NaN),
    rhMeltUpper: constant(points, Number.NaN),
  };
  for (let i = 0; i < points; i++) {
    const n = zeroLevels[i];
    const [z1, z2, z3, z4] = zl.map((z) => z[i]);
    const [t01, t12, t23, t34] = tMean.map((t) => t[i]);
    if (n % 2 === 0) {
      // freezing at the surface: a minus area under a plus area aloft (and a second one higher up)
      out.minusArea[i] = z1 * t01;
      out.rhMeltUpper[i] = meltingHumidity(t12);
      out.rhAvgUpper[i] = rh12[i];
      out.plusArea[i] = (z2 - z1) * t12 + (n >= 4 ? (z4 - z3) * t34 : 0);
    } else {
      // above 0 °C at the surface; a moist plus area aloft adds to it
      out.plusAreaSurface[i] = z1 * t01;
      out.plusArea[i] = z1 * t01;
      out.rhMelt[i] = meltingHumidity(t01);
      out.rhAvg[i] = rh01[i];
      if (n >= 3) {
        out.rhMeltUpper[i] = meltingHumidity(t23);
        out.rhAvgUpper[i] = rh23[i];
        if (rh23[i] > out.rhMeltUpper[i]) out.plusArea[i] += (z3 - z2) * t23;
      }
    }
  }
  return out;
}

/** One point's values for himan's decision: °C, m, mm/s, 0..1, %, m·°C, mm/h (NaN: missing). */
export interface FormInputs {
  rr: number;
  t2: number;
  base: number;
  top: number;
  topTemperature: number;
  meanTemperature: number;
  upperLayerN: number;
  verticalVelocity: number;
  zeroLevels: number;
  plusArea: number;
  plusAreaSurface: number;
  minusArea: number;
  rhAvg: number;
  rhMelt: number;
  rhAvgUpper: number;
  rhMeltUpper: number;
}

/** himan's precipitation form of one point (FMI's class), before the rate decides where it is written. */
export function formOf(p: FormInputs): number {
  const { snow, sleet, rain, drizzle, freezingDrizzle, freezingRain } = precipitationForm;
  const thickness = p.top - p.base;
  if (
    p.rr <= limits.freezingDrizzle &&
    p.base < limits.base &&
    thickness >= limits.freezingDrizzleStratus &&
    p.verticalVelocity < limits.lift &&
    p.verticalVelocity >= 0 &&
    p.topTemperature > limits.stratusTemperature &&
    p.meanTemperature > limits.stratusTemperature &&
    p.t2 > limits.surfaceMin &&
    p.t2 <= limits.surfaceMax &&
    p.upperLayerN < limits.dryCloud
  )
    return freezingDrizzle;
  if (
    p.plusArea > limits.freezingRainPlus &&
    p.minusArea < limits.freezingRainMinus &&
    p.t2 <= 0 &&
    (Number.isNaN(p.upperLayerN) || p.upperLayerN > limits.dryCloud) &&
    p.rhAvgUpper > p.rhMeltUpper
  )
    return freezingRain;
  const drySurfaceLayer = p.zeroLevels === 1 && p.rhAvg < p.rhMelt;
  const coldSurface = !Number.isNaN(p.minusArea) || p.plusAreaSurface < limits.snow;
  let form: number = snow;
  if (p.plusArea > limits.water) {
    const drizzleStratus =
      p.rr <= limits.drizzle &&
      p.base < limits.base &&
      thickness > limits.drizzleStratus &&
      p.upperLayerN < limits.dryCloud;
    form = drizzleStratus ? drizzle : rain;
    if (drySurfaceLayer && p.plusArea < limits.dryRain) form = sleet;
    if (coldSurface) form = snow;
  }
  if (p.plusArea >= limits.snow && p.plusArea <= limits.water)
    form = drySurfaceLayer || coldSurface ? snow : sleet;
  return form;
}

/** Vertical velocity in either unit, first choice first, and its factor to mm/s. */
const velocityToMms = new Map([
  ["VV-MMS", 1],
  ["VV-MS", 1000],
]);

/** himan's precipitation rate choices (the hour's rate first) at height 0. */
const rates = ["RRR-KGM2", "RR-1-MM"];

/** The model-level parameters, in the input sets' order, with the vertical velocity in the unit chosen. */
const levelParams = (velocity: string) => ["T-K", "RH-PRCNT", "N-0TO1", velocity, "HL-M"];

export const preformHybrid: Plugin = {
  name: "preform_hybrid",
  configure(options): PluginInstance {
    const levels = modelLevelsUp("preform_hybrid", options, { lowest: 137, highest: 68 });
    const outputs: ParamInfo[] = isTrue(options["potential_precipitation_form"])
      ? [PRECFORM2, POTPRECF]
      : [PRECFORM2];
    // each set: the rate, the 2 m temperature, then each model-level parameter on every level
    const sets = (target: Target): FieldKey[][] =>
      rates.flatMap((rate) =>
        [...velocityToMms.keys()].map((velocity) => [
          inputOn(target, rate, "height", 0),
          inputOn(target, "T-K", "height", 2),
          ...levelParams(velocity).flatMap((param) =>
            levels.map((level) => inputOn(target, param, "hybrid", level)),
          ),
        ]),
      );
    return {
      outputs: () => outputs,
      inputs: sets,
      compute(context) {
        const [rateKey, t2Key, ...levelKeys] = sets(context.target)[context.inputSet];
        const field = (key: FieldKey) => valuesOf(context, key);
        const [t, rh, n, w, hl] = [0, 1, 2, 3, 4].map((j) =>
          levelKeys.slice(j * levels.length, (j + 1) * levels.length).map(field),
        );
        const toMms = velocityToMms.get(levelKeys[3 * levels.length].param)!;
        const profile = (values: Float64Array[]): Profile => ({ values, heights: hl });
        const st = stratusOf(profile(n), profile(t), profile(w.map((v) => v.map((x) => x * toMms))));
        const fa = freezingAreaOf(profile(t), profile(rh));
        const [rr, t2] = [field(rateKey), field(t2Key)];
        const form = new Float64Array(rr.length);
        for (let i = 0; i < form.length; i++)
          form[i] = Number.isNaN(rr[i] + t2[i])
            ? Number.NaN
            : formOf({
                rr: rr[i],
                t2: t2[i] - kelvin,
                base: st.base[i],
                top: st.top[i],
                topTemperature: st.topTemperature[i] - kelvin,
                meanTemperature: st.meanTemperature[i] - kelvin,
                upperLayerN: st.upperLayerN[i],
                verticalVelocity: st.verticalVelocity[i],
                zeroLevels: fa.zeroLevels[i],
                plusArea: fa.plusArea[i],
                plusAreaSurface: fa.plusAreaSurface[i],
                minusArea: fa.minusArea[i],
                rhAvg: fa.rhAvg[i],
                rhMelt: fa.rhMelt[i],
                rhAvgUpper: fa.rhAvgUpper[i],
                rhMeltUpper: fa.rhMeltUpper[i],
              });
        // a column the levels read do not lift to 10 km gives no form
        missingAboveColumn(profile(t), form, zeroSearchTop);
        const precipitating = form.map((f, i) => (rr[i] === 0 ? Number.NaN : f));
        return outputs.map((param) => ({ param, values: param === POTPRECF ? form : precipitating }));
      },
    };
  },
};
