// Meteorological formulas as himan defines them (himan-lib metutil/moisture), on scalars in SI units.

export const kelvin = 273.15;
/** Rw / L: water vapour gas constant over latent heat of vaporisation (himan's kRw_div_L). */
const rwDivL = 461.5 / 2.5e6;
/** Rd / Rv (himan's kEp). */
export const epsilon = 0.622;
/** Gas constant of dry air (J kg-1 K-1), as himan's kRd. */
export const rd = 287;
/** Standard gravity (m s-2), himan's kG. */
export const g = 9.80665;
/** Rd / cp as himan's Theta_ uses it. */
const rdDivCp = 0.28586;

/** Dew point (K) from temperature (K) and relative humidity (%), Lawrence (2005) as himan. */
export function dewPointFromRH(t: number, rh: number): number {
  const h = rh === 0 ? 0.01 : rh;
  return t / (1 - t * Math.log(h * 0.01) * rwDivL);
}

/** Saturation water vapour pressure (Pa) over water, or over ice below -5 °C (himan's Es_). */
export function saturationVapourPressure(t: number): number {
  const c = t - kelvin;
  const es =
    c > -5
      ? 6.107 * Math.exp(((7.5 * c) / (237.0 + c)) * Math.LN10)
      : 6.107 * Math.exp(((9.5 * c) / (265.5 + c)) * Math.LN10);
  return 100 * es;
}

/** Relative humidity (%) from temperature (K), specific humidity (kg/kg) and pressure (hPa), clamped to 0..100. */
export function rhFromQ(t: number, q: number, pHpa: number): number {
  const es = saturationVapourPressure(t) * 0.01;
  const rh = ((pHpa * q) / epsilon / es) * ((pHpa - es) / (pHpa - (q * pHpa) / epsilon));
  return Math.min(Math.max(0, rh), 1) * 100;
}

/** Relative humidity (%) from temperature and dew point (K), Magnus over water, clamped to 0..100. */
export function rhFromTd(t: number, td: number): number {
  const b = 17.27;
  const c = 237.3;
  const tc = t - kelvin;
  const tdc = td - kelvin;
  const rh = Math.exp(b * (tdc / (tdc + c)) - b * (tc / (tc + c)));
  return Math.min(Math.max(0, rh), 1) * 100;
}

/** Potential temperature θ (K) from temperature (K) and pressure (Pa). */
export function theta(t: number, p: number): number {
  return t * (100000 / p) ** rdDivCp;
}

/** Mixing ratio (g/kg) of saturated air at temperature (or of air at its dew point) t (K) and pressure p (Pa). */
export function mixingRatio(t: number, p: number): number {
  const e = saturationVapourPressure(t);
  return (621.97 * e) / (p - e);
}

/** Temperature (K) at the lifting condensation level, Bolton (1980) eq. 15, from T and TD (K). */
export function lclTemperature(t: number, td: number): number {
  return 1 / (1 / (td - 56) + Math.log(t / td) / 800) + 56;
}

/** Equivalent potential temperature θe (K), Bolton (1980) eq. 43, from T, TD (K) and P (Pa). */
export function thetaE(t: number, td: number, p: number): number {
  const tlcl = lclTemperature(t, td);
  const r = mixingRatio(td, p);
  const c = t * (100000 / p) ** (0.2854 * (1 - 0.00028 * r));
  return c * Math.exp((3.376 / tlcl - 0.00254) * r * (1 + 0.00081 * r));
}

/** Wet-bulb potential temperature θw (K) from θe, Davies-Jones (2008) eq. 3.8. */
export function thetaW(thetaEK: number): number {
  if (thetaEK < 173.15) return thetaEK;
  const x = thetaEK / kelvin;
  const a = 7.101574 - 20.68208 * x + 16.11182 * x * x + 2.574631 * x ** 3 - 5.205688 * x ** 4;
  const b = 1 - 3.552497 * x + 3.781782 * x * x - 0.6899655 * x ** 3 - 0.592934 * x ** 4;
  return thetaEK - Math.exp(a / b);
}

/**
 * himan's low convection class (metutil LowConvection_) from the surface and 850 hPa temperatures (K):
 * 2 "summer lability over land" (surface at least 8 °C and 10 K warmer than 850 hPa), 1 "winter lability,
 * probably over sea" (surface at or above 0 °C, 850 hPa at or below 0 °C, 10 K apart), else 0.
 */
export function lowConvection(t0: number, t850: number): 0 | 1 | 2 {
  const c0 = t0 - kelvin;
  const c850 = t850 - kelvin;
  if (c0 >= 8 && c0 - c850 >= 10) return 2;
  if (c0 >= 0 && c850 <= 0 && c0 - c850 >= 10) return 1;
  return 0;
}
