// Lifting a parcel of air, as himan's metutil does it (DryLift_, LCL_, LCLA_, MoistLift_, Lift_), for
// the stability indices. Pressures in Pa, temperatures in K; NaN in gives NaN out. himan's quirks are kept,
// since products must match his: the moist lift's last step pairs the new pressure with the previous
// temperature, and the Showalter index lifts dry whenever the iterated LCL lies at or above the start.
import { epsilon, lclTemperature, rd, saturationVapourPressure } from "./meteo.ts";

/** Specific heat of dry air at constant pressure (J kg-1 K-1), himan's kCp. */
const cp = 1003.5;
/** Latent heat of vaporisation (J kg-1), himan's kL. */
const latentHeat = 2.5e6;
const rdDivCp = rd / cp;

/** Dry adiabatic lift (Poisson, himan's exponent 0.286); NaN unless the target is above the start. */
export function dryLift(p: number, t: number, targetP: number): number {
  return targetP >= p ? Number.NaN : t * (targetP / p) ** 0.286;
}

/** Moist adiabatic lapse rate (K/Pa), Rogers & Yau 3.16 as himan's Gammaw_. */
function moistLapseRate(p: number, t: number): number {
  const es = saturationVapourPressure(t);
  const ws = (epsilon * es) / (p - es);
  const numerator = (2 / 7) * t + ((2 / 7) * latentHeat * ws) / rd;
  const denominator = p * (1 + ((epsilon * latentHeat * latentHeat) / (rd * cp)) * (ws / (t * t)));
  return numerator / denominator;
}

/** Moist adiabatic lift in 1 hPa steps from (p, t), himan's MoistLift_. */
export function moistLift(p: number, t: number, targetP: number): number {
  if (Number.isNaN(p + t) || targetP >= p) return Number.NaN;
  const step = 100;
  const maxIterations = 100000 / step + 10;
  let pressure = p;
  let previous = t;
  let current = t;
  for (let i = 1; i < maxIterations; i++) {
    current = previous - moistLapseRate(pressure, current) * step;
    pressure -= step;
    if (pressure <= targetP) {
      // himan interpolates between (new pressure, previous temperature) and (previous pressure, new one)
      const factor = (targetP - pressure) / step;
      return previous + factor * (current - previous);
    }
    previous = current;
  }
  return Number.NaN;
}

/** LCL pressure (Pa) by Bolton's LCL temperature (himan's LCLA_). */
function lclPressureBolton(p: number, t: number, td: number): number {
  return p * (lclTemperature(t, td) / t) ** 3.5011;
}

/** Lift to targetP: dry when the (Bolton) LCL is above the target, else moist from the start (himan's Lift_). */
export function lift(p: number, t: number, td: number, targetP: number): number {
  return lclPressureBolton(p, t, td) < targetP ? dryLift(p, t, targetP) : moistLift(p, t, targetP);
}

/** LCL pressure (Pa) by himan's iteration on the saturation vapour pressure (LCL_); NaN if it finds none. */
export function lclPressure(p: number, t: number, td: number): number {
  const hPa = p * 0.01;
  const e0 = saturationVapourPressure(td) * 0.01;
  const c = t / e0 ** rdDivCp;
  const along = (temperature: number) => c * (saturationVapourPressure(temperature) * 0.01) ** rdDivCp;
  let temperature = t;
  let found = Number.NaN;
  for (let n = 1; n < 100; n++) {
    const te = along(temperature);
    // Found, the temperature no longer moves, and every later turn would find it again.
    if (Math.abs(te - temperature) < 0.05) {
      found = temperature;
      break;
    }
    temperature -= Math.min((te - temperature) / (2 * (n + 1)), 15);
  }
  if (Number.isNaN(found)) {
    // himan's slower fallback: 0.1 K steps down until the parcel is saturated
    temperature = t;
    for (let n = 1; n <= 500; n++) {
      if (along(temperature) - temperature > 0) temperature -= 0.1;
      else {
        found = temperature;
        break;
      }
    }
  }
  return (found / t) ** (1 / rdDivCp) * hPa * 100;
}

/**
 * T500 minus a parcel from (p, t, td) lifted to 500 hPa, as himan's SI_ and LI_: dry (Poisson) when the
 * LCL that his LCL_ finds from `lclFrom` (Pa) lies at or above 850 hPa, else his Lift_; NaN when no LCL.
 */
function parcelIndex(t500: number, p: number, t: number, td: number, lclFrom: number): number {
  const lcl = lclPressure(lclFrom, t, td);
  if (lcl <= 85000) return t500 - dryLift(p, t, 50000);
  if (lcl > 85000) return t500 - lift(p, t, td, 50000);
  return Number.NaN;
}

/** Showalter index: T500 minus the 850 hPa parcel lifted to 500 hPa (himan's SI_). */
export function showalterIndex(t850: number, t500: number, td850: number): number {
  return parcelIndex(t500, 85000, t850, td850, 85000);
}

/**
 * Lifted index: T500 minus the parcel of the lowest 500 m's mean (T, TD, P in Pa) lifted to 500 hPa
 * (himan's LI_). himan finds its LCL from 500 hPa rather than from the parcel's pressure, which puts it
 * above 850 hPa unless the mean parcel is far supersaturated: the lift is then dry, and is kept so.
 */
export function liftedIndex(t500: number, tMean: number, tdMean: number, pMean: number): number {
  return parcelIndex(t500, pMean, tMean, tdMean, 50000);
}
