import { l137a, l137b } from "./l137.ts";

// Physically plausible IFS-like fields for the simulated stream: a latitude- and height-dependent
// temperature with a diurnal cycle, moisture from dewpoint, a westerly jet, travelling pressure
// systems and precipitation that only ever accumulates. Deterministic in (base time, step, point).

export interface LatLonGrid {
  /** Increment in degrees; the grid is global, north to south, longitudes 0 to 360-increment. */
  increment: number;
  ni: number;
  nj: number;
}

export function globalGrid(increment: number): LatLonGrid {
  const ni = Math.round(360 / increment);
  const nj = Math.round(180 / increment) + 1;
  if (Math.abs(ni * increment - 360) > 1e-9 || Math.abs((nj - 1) * increment - 180) > 1e-9) {
    throw new Error(`a global grid needs an increment that divides 180 degrees (got ${increment})`);
  }
  return { increment, ni, nj };
}

export type LevelKind = "surface" | "isobaricInhPa" | "hybrid";

export interface SimulatedField {
  shortName: "2t" | "2d" | "10u" | "10v" | "msl" | "tp" | "t" | "u" | "v" | "q" | "r" | "lnsp";
  levelKind: LevelKind;
  level: number;
}

export interface StreamContent {
  pressureLevels: number[];
  modelLevels: number[];
}

export const defaultContent: StreamContent = {
  pressureLevels: [1000, 925, 850, 700, 500, 300],
  modelLevels: [137, 130, 120, 100],
};

/** The fields of one step, in the order ECMWF's file would carry them. */
export function fieldsOfStep(content: StreamContent): SimulatedField[] {
  const surface = (["2t", "2d", "10u", "10v", "msl", "tp"] as const).map((shortName) => ({
    shortName,
    levelKind: "surface" as const,
    level: 0,
  }));
  const upper = (kind: LevelKind, levels: number[], names: SimulatedField["shortName"][]) =>
    levels.flatMap((level) => names.map((shortName) => ({ shortName, levelKind: kind, level })));
  // ECMWF disseminates the log of surface pressure with the model levels, on level 1.
  const lnsp =
    content.modelLevels.length > 0
      ? [{ shortName: "lnsp" as const, levelKind: "hybrid" as const, level: 1 }]
      : [];
  return [
    ...surface,
    ...upper("isobaricInhPa", content.pressureLevels, ["t", "u", "v", "q", "r"]),
    ...lnsp,
    ...upper("hybrid", content.modelLevels, ["t", "q"]),
  ];
}

/** Accumulated precipitation carried from step to step, so that it never decreases. */
export interface AccumulationState {
  hours: number;
  total: Float64Array;
}

export function newAccumulation(grid: LatLonGrid): AccumulationState {
  return { hours: 0, total: new Float64Array(grid.ni * grid.nj) };
}

const deg = Math.PI / 180;

/** Pressure (hPa) of an IFS L137 model level (the mean of its half levels) over a 1013.25 hPa surface. */
export function modelLevelPressure(level: number): number {
  const half = (k: number) => l137a[k]! + l137b[k]! * 101325;
  return (half(level - 1) + half(level)) / 200;
}

export function fieldValues(
  field: SimulatedField,
  grid: LatLonGrid,
  baseTime: Date,
  step: number,
  accumulation: AccumulationState,
): Float64Array {
  const values = new Float64Array(grid.ni * grid.nj);
  if (field.shortName === "tp") {
    advanceAccumulation(accumulation, grid, step);
    values.set(accumulation.total);
    return values;
  }
  const pressure =
    field.levelKind === "isobaricInhPa"
      ? field.level
      : field.levelKind === "hybrid"
        ? modelLevelPressure(field.level)
        : 1000;
  const terms = stepTerms(grid, baseTime.getUTCHours() + step, step);
  const { ni, nj } = grid;
  const { cosLat, sinLat, surfaceT, depression } = terms;
  // One plain loop per kind of field (a callback per point would cost more than the arithmetic).
  const heightFactor = (pressure / 1000) ** 0.19;
  switch (field.shortName) {
    case "2t":
      values.set(surfaceT);
      break;
    case "2d":
      for (let k = 0; k < values.length; k++) values[k] = surfaceT[k]! - depression[k]!;
      break;
    case "t":
      for (let k = 0; k < values.length; k++) values[k] = Math.max(212, surfaceT[k]! * heightFactor);
      break;
    case "q":
      for (let k = 0; k < values.length; k++)
        values[k] = specificHumidity(Math.max(212, (surfaceT[k]! - depression[k]!) * heightFactor), pressure);
      break;
    case "r":
      for (let k = 0; k < values.length; k++) {
        const t = Math.max(212, surfaceT[k]! * heightFactor);
        values[k] = relativeHumidity(
          t,
          Math.min(t, Math.max(212, (surfaceT[k]! - depression[k]!) * heightFactor)),
        );
      }
      break;
    case "u":
    case "10u": {
      const scale = field.shortName === "10u" ? 0.35 : 1;
      const shear = 1.2 - (field.shortName === "10u" ? 1000 : pressure) / 1000;
      for (let j = 0, k = 0; j < nj; j++) {
        const jet = scale * terms.jet[j]! * shear;
        const wave = scale * 6 * cosLat[j]!;
        for (let i = 0; i < ni; i++, k++) values[k] = jet + wave * terms.waveU[i]!;
      }
      break;
    }
    case "v":
    case "10v": {
      const scale = field.shortName === "10v" ? 0.35 : 1;
      const shear = 1.3 - (field.shortName === "10v" ? 1000 : pressure) / 1000;
      for (let j = 0, k = 0; j < nj; j++) {
        const wave = scale * 9 * cosLat[j]! * shear;
        for (let i = 0; i < ni; i++, k++) values[k] = wave * terms.waveV[i]!;
      }
      break;
    }
    case "msl":
    case "lnsp":
      // The surface is at sea level here: ln of the mean sea level pressure is lnsp.
      for (let j = 0, k = 0; j < nj; j++) {
        const systems = 1800 * 2 * sinLat[j]! * cosLat[j]!;
        const zonal = 101325 - 900 * Math.cos(4 * terms.lat[j]! * deg);
        for (let i = 0; i < ni; i++, k++) values[k] = zonal + systems * terms.waveP[i]!;
      }
      if (field.shortName === "lnsp")
        for (let k = 0; k < values.length; k++) values[k] = Math.log(values[k]!);
      break;
  }
  return values;
}

/**
 * What every field of one step is built from, computed once per step: the surface temperature and
 * dewpoint depression at each point, and the latitude and longitude terms of the wind and pressure
 * patterns (each pattern is a product of the two, so a point costs a few multiplications).
 */
interface StepTerms {
  key: string;
  lat: Float64Array;
  cosLat: Float64Array;
  sinLat: Float64Array;
  /** The westerly jet's strength at each latitude (m/s, before the height factor). */
  jet: Float64Array;
  waveU: Float64Array;
  waveV: Float64Array;
  waveP: Float64Array;
  surfaceT: Float64Array;
  depression: Float64Array;
}

let lastTerms: StepTerms | null = null;

function stepTerms(grid: LatLonGrid, validHour: number, step: number): StepTerms {
  const key = `${grid.increment} ${validHour} ${step}`;
  if (lastTerms?.key === key) return lastTerms;
  const { ni, nj } = grid;
  const lat = new Float64Array(nj);
  const cosLat = new Float64Array(nj);
  const sinLat = new Float64Array(nj);
  const jet = new Float64Array(nj);
  const cos7 = new Float64Array(nj);
  const sin7 = new Float64Array(nj);
  for (let j = 0; j < nj; j++) {
    lat[j] = 90 - j * grid.increment;
    cosLat[j] = Math.cos(lat[j]! * deg);
    sinLat[j] = Math.sin(lat[j]! * deg);
    jet[j] = 35 * Math.exp(-(((Math.abs(lat[j]!) - 45) / 12) ** 2));
    cos7[j] = Math.cos(7 * lat[j]! * deg);
    sin7[j] = Math.sin(7 * lat[j]! * deg);
  }
  const waveU = new Float64Array(ni);
  const waveV = new Float64Array(ni);
  const waveP = new Float64Array(ni);
  const lonT = new Float64Array(ni);
  const sinD = new Float64Array(ni);
  const cosD = new Float64Array(ni);
  for (let i = 0; i < ni; i++) {
    const lon = i * grid.increment;
    const localSolarHour = (validHour + lon / 15) % 24;
    // The diurnal cycle (warmest at 15 local time) and a travelling wave, both fading to the poles.
    lonT[i] =
      6 * Math.cos(((localSolarHour - 15) / 24) * 2 * Math.PI) + 3 * Math.sin((3 * lon + 0.5 * step) * deg);
    waveU[i] = Math.sin((2 * lon - 6 * step) * deg);
    waveV[i] = Math.sin((3 * lon - 4 * step) * deg);
    waveP[i] = Math.cos((3 * lon - 4 * step) * deg);
    sinD[i] = Math.sin((2 * lon + step) * deg);
    cosD[i] = Math.cos((2 * lon + step) * deg);
  }
  const surfaceT = new Float64Array(ni * nj);
  const depression = new Float64Array(ni * nj);
  for (let j = 0, k = 0; j < nj; j++) {
    const base = 301 - 48 * sinLat[j]! ** 2;
    for (let i = 0; i < ni; i++, k++) {
      surfaceT[k] = base + lonT[i]! * cosLat[j]!;
      // 2 + 5 (1 + sin(2 lon + 7 lat + step)): moister and drier bands across the globe.
      depression[k] = 7 + 5 * (sinD[i]! * cos7[j]! + cosD[i]! * sin7[j]!);
    }
  }
  lastTerms = { key, lat, cosLat, sinLat, jet, waveU, waveV, waveP, surfaceT, depression };
  return lastTerms;
}

/** Relative humidity (%) of air at t with dewpoint td (K), Magnus formula over water. */
function relativeHumidity(t: number, td: number): number {
  const magnus = (x: number) => (17.67 * (x - 273.15)) / (x - 29.65);
  return 100 * Math.exp(magnus(td) - magnus(t));
}

/** Specific humidity (kg/kg) of air with dewpoint td at pressure p (hPa), Magnus formula over water. */
function specificHumidity(td: number, p: number): number {
  const e = 6.112 * Math.exp((17.67 * (td - 273.15)) / (td - 29.65));
  return (0.622 * e) / Math.max(p - 0.378 * e, 1);
}

/**
 * Adds the hourly precipitation (m) from the state's hour up to `step`; rates are never negative, and
 * under 0.001 mm/h nothing reaches the ground (so the driest places, the poles, stay at exactly 0).
 */
function advanceAccumulation(state: AccumulationState, grid: LatLonGrid, step: number): void {
  for (let hour = state.hours; hour < step; hour++) {
    const t = hour + 0.5;
    for (let j = 0; j < grid.nj; j++) {
      const lat = 90 - j * grid.increment;
      const wet = Math.cos(lat * deg) ** 2;
      for (let i = 0; i < grid.ni; i++) {
        const lon = i * grid.increment;
        const rate =
          0.0004 * wet * (Math.sin((4 * lon - 9 * t) * deg) + Math.cos((3 * lat + 5 * t) * deg) - 0.6);
        if (rate > 1e-6) state.total[j * grid.ni + i]! += rate;
      }
    }
  }
  state.hours = Math.max(state.hours, step);
}
