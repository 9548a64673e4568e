// preform_pressure: himan's precipitation form PRECFORM-N from surface fields and the 925, 850 and 700 hPa
// levels, written at the processqueue's level (himan: height 0). FMI's classes: 0 drizzle, 1 rain,
// 2 sleet, 3 snow, 4 freezing drizzle, 5 freezing rain; missing where the model has no precipitation.
// himan's order of tests and thresholds (FMI's forecasters' rules, kept as they are):
//   1. freezing drizzle: -10 < T2m <= 0 °C, RH700 < 80 %, RH2m > 90 %, RR <= 0.2 mm/h, and a freezing
//      stratus with lift in the layer at the ground's pressure: surface above 940 hPa with RH925 > 90 %,
//      -12 < T925 < 0 °C and 0 < w925 < 50 mm/s; or surface in (865, 940] hPa with the same at 850 hPa;
//   2. freezing rain: T2m <= 0 °C with a melting layer (T > 0 °C at 925, 850 or 700 hPa) that is moist
//      (RH >= 90 %) above the ground: surface above 940 hPa and 925 or 850 hPa; (865, 940] and 850 hPa;
//      (715, 865] and 700 hPa (15 hPa is himan's least thickness of the layer);
//   3. snow: snowfall at least 80 % of the precipitation, or T2m <= 0 °C;
//   4. sleet: snowfall between 15 % and 80 %;
//   5. rain, or drizzle where RH700 < 80 %, RH2m > 90 %, RR <= 0.3 mm/h and a stratus (RH > 90 %) at
//      925 hPa with the surface above 925 hPa, or at 850 hPa with it in (850, 925] hPa.
// Missing snowfall values count as no snow (himan: summer data has none); any other missing input makes
// the form missing. In GRIB2 the forms become WMO's precipitation types (params.ts), as himan's writer
// renumbers them.
import type { FieldKey } from "../fields.ts";
import { paramInfo } from "../params.ts";
import { kelvin } from "./meteo.ts";
import { eachOf, inputOn, type Plugin, type PluginInstance, type Target, valuesOf } from "./types.ts";

const PRECFORM = paramInfo("PRECFORM-N")!;

/** FMI's precipitation forms (himan's numbering, which GRIB1 and querydata carry as they are). */
export const precipitationForm = {
  drizzle: 0,
  rain: 1,
  sleet: 2,
  snow: 3,
  freezingDrizzle: 4,
  freezingRain: 5,
} as const;

/** himan's thresholds. */
const limits = {
  /** Snowfall fraction of the precipitation at or below which it is water, and from which snow. */
  water: 0.15,
  snow: 0.8,
  /** 2 m temperature range (°C) of freezing drizzle: (min, max]. */
  surfaceMin: -10,
  surfaceMax: 0,
  /** Coldest stratus (°C) that still makes freezing drizzle. */
  stratusTemperature: -12,
  /** Heaviest drizzle and freezing drizzle (mm/h). */
  drizzle: 0.3,
  freezingDrizzle: 0.2,
  /** Strongest lift in the stratus (mm/s) of freezing drizzle. */
  lift: 50,
  /** Least thickness (hPa) of the stratus or melting layer between the surface and its level's top. */
  layer: 15,
  /** Relative humidity (%) of low cloud. */
  cloud: 90,
  /** Relative humidity (%) at 700 hPa under which there is no precipitating middle cloud. */
  noMiddleCloud: 80,
  /** 2 m relative humidity (%) above which the surface is in the stratus. */
  surfaceMoist: 90,
};

/** One point's inputs in himan's units: °C, %, mm/s, hPa, mm/h (snowfall NaN: no snow data). */
export interface PressureColumn {
  t2: number;
  t925: number;
  t850: number;
  t700: number;
  rh2: number;
  rh925: number;
  rh850: number;
  rh700: number;
  w925: number;
  w850: number;
  surfacePressure: number;
  precipitation: number;
  snowfall: number;
}

/** Freezing stratus with lift at the level the surface pressure puts it in (himan's freezing drizzle). */
function freezingStratus(c: PressureColumn): boolean {
  const stratus = (rh: number, t: number, w: number) =>
    rh > limits.cloud && t < 0 && t > limits.stratusTemperature && w > 0 && w < limits.lift;
  const p = c.surfacePressure;
  if (p > 925 + limits.layer) return stratus(c.rh925, c.t925, c.w925);
  return p > 850 + limits.layer && stratus(c.rh850, c.t850, c.w850);
}

/** A moist melting layer above the ground, at the levels the surface pressure leaves above it. */
function moistMeltingLayer(c: PressureColumn): boolean {
  const melting = (t: number, rh: number) => t > 0 && rh >= limits.cloud;
  const p = c.surfacePressure;
  if (p > 925 + limits.layer) return melting(c.t925, c.rh925) || melting(c.t850, c.rh850);
  if (p > 850 + limits.layer) return melting(c.t850, c.rh850);
  return p > 700 + limits.layer && melting(c.t700, c.rh700);
}

/** Drizzle's stratus: at 925 hPa when the surface is below it, else at 850 hPa (no layer thickness here). */
function drizzleStratus(c: PressureColumn): boolean {
  const p = c.surfacePressure;
  if (p > 925) return c.rh925 > limits.cloud;
  return p > 850 && c.rh850 > limits.cloud;
}

/** The precipitation form of one point (FMI's class), NaN where there is none. */
export function preformPressure(c: PressureColumn): number {
  const { precipitation: rr, snowfall } = c;
  if (rr === 0 || Number.isNaN(rr)) return Number.NaN;
  const profile = [c.t2, c.t925, c.t850, c.t700, c.rh2, c.rh925, c.rh850, c.rh700, c.w925, c.w850];
  if (profile.some(Number.isNaN) || Number.isNaN(c.surfacePressure)) return Number.NaN;
  const stratusUnderDryMiddle = c.rh700 < limits.noMiddleCloud && c.rh2 > limits.surfaceMoist;
  const freezingSurface = c.t2 <= 0;
  if (
    c.t2 <= limits.surfaceMax &&
    c.t2 > limits.surfaceMin &&
    stratusUnderDryMiddle &&
    rr <= limits.freezingDrizzle &&
    freezingStratus(c)
  )
    return precipitationForm.freezingDrizzle;
  if (freezingSurface && moistMeltingLayer(c)) return precipitationForm.freezingRain;
  const snowFraction = Number.isNaN(snowfall) ? 0 : snowfall / rr;
  if (snowFraction >= limits.snow || freezingSurface) return precipitationForm.snow;
  if (snowFraction > limits.water) return precipitationForm.sleet;
  return stratusUnderDryMiddle && rr <= limits.drizzle && drizzleStratus(c)
    ? precipitationForm.drizzle
    : precipitationForm.rain;
}

/** Vertical velocity in either unit (both levels alike, first choice first) and its factor to mm/s. */
const velocityToMms = new Map([
  ["VV-MMS", 1],
  ["VV-MS", 1000],
]);

/**
 * Relative humidity in per cent, or as HIRLAM's fraction (himan multiplies by 100 unless the 2 m RH is
 * his own, i.e. for HIRLAM's RH, which the reader names RH-0TO1); the four levels alike.
 */
const humidityToPercent = new Map([
  ["RH-PRCNT", 1],
  ["RH-0TO1", 100],
]);

/** The fields in PressureColumn's order: the profile, then surface pressure, precipitation, snowfall. */
function sets(target: Target): FieldKey[][] {
  const at = (param: string, level: number) => inputOn(target, param, "pressure", level);
  const temperatures = [inputOn(target, "T-K", "height", 2), at("T-K", 925), at("T-K", 850), at("T-K", 700)];
  const humidities = (rh: string) => [
    inputOn(target, rh, "height", 2),
    at(rh, 925),
    at(rh, 850),
    at(rh, 700),
  ];
  const surface = eachOf([
    [inputOn(target, "PGR-PA", "height", 0), inputOn(target, "P-PA", "height", 0)],
    // himan's precipitation rate: the hour's, or the step's when steps are shorter
    [inputOn(target, "RRR-KGM2", "height", 0), inputOn(target, "RR-1-MM", "height", 0)],
    [inputOn(target, "SNR-KGM2", "height", 0)],
  ]);
  return [...humidityToPercent.keys()].flatMap((rh) =>
    [...velocityToMms.keys()].flatMap((w) =>
      surface.map((rest) => [...temperatures, ...humidities(rh), at(w, 925), at(w, 850), ...rest]),
    ),
  );
}

export const preformPressurePlugin: Plugin = {
  name: "preform_pressure",
  configure(): PluginInstance {
    return {
      outputs: () => [PRECFORM],
      inputs: sets,
      compute(context) {
        const chosen = sets(context.target)[context.inputSet];
        const [t2, t925, t850, t700, rh2, rh925, rh850, rh700, w925, w850, p, rr, snr] = chosen.map((k) =>
          valuesOf(context, k),
        );
        const toPercent = humidityToPercent.get(chosen[4].param)!;
        const toMms = velocityToMms.get(chosen[8].param)!;
        const out = new Float64Array(t2.length);
        for (let i = 0; i < out.length; i++)
          out[i] = preformPressure({
            t2: t2[i] - kelvin,
            t925: t925[i] - kelvin,
            t850: t850[i] - kelvin,
            t700: t700[i] - kelvin,
            rh2: rh2[i] * toPercent,
            rh925: rh925[i] * toPercent,
            rh850: rh850[i] * toPercent,
            rh700: rh700[i] * toPercent,
            w925: w925[i] * toMms,
            w850: w850[i] * toMms,
            surfacePressure: p[i] * 0.01,
            precipitation: rr[i],
            snowfall: snr[i],
          });
        return [{ param: PRECFORM, values: out }];
      },
    };
  },
};
