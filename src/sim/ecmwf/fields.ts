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
  shortName: "2t" | "2d" | "10u" | "10v" | "msl" | "tp" | "t" | "u" | "v" | "q";
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
  return [
    ...surface,
    ...upper("isobaricInhPa", content.pressureLevels, ["t", "u", "v", "q"]),
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

/** Approximate pressure (hPa) of an IFS 137-level model level: level 137 at the surface, 1 at 0.01 hPa. */
export function modelLevelPressure(level: number): number {
  return (0.01 * (101325 / 1) ** (level / 137)) / 1;
}

export function fieldValues(
  field: SimulatedField,
  grid: LatLonGrid,
  baseTime: Date,
  step: number,
  accumulation: AccumulationState,
): Float64Array {
  const values = new Float64Array(grid.ni * grid.nj);
  const validHour = baseTime.getUTCHours() + step;
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
  for (let j = 0; j < grid.nj; j++) {
    const lat = 90 - j * grid.increment;
    for (let i = 0; i < grid.ni; i++) {
      const lon = i * grid.increment;
      values[j * grid.ni + i] = pointValue(field.shortName, lat, lon, validHour, step, pressure);
    }
  }
  return values;
}

function pointValue(
  name: SimulatedField["shortName"],
  lat: number,
  lon: number,
  hour: number,
  step: number,
  p: number,
): number {
  const surfaceT = surfaceTemperature(lat, lon, hour, step);
  switch (name) {
    case "2t":
      return surfaceT;
    case "2d":
      return surfaceT - dewpointDepression(lat, lon, step);
    case "t":
      return temperatureAt(surfaceT, p);
    case "q":
      return specificHumidity(temperatureAt(surfaceT - dewpointDepression(lat, lon, step), p), p);
    case "u":
      return zonalWind(lat, lon, step, p);
    case "v":
      return meridionalWind(lat, lon, step, p);
    case "10u":
      return 0.35 * zonalWind(lat, lon, step, 1000);
    case "10v":
      return 0.35 * meridionalWind(lat, lon, step, 1000);
    case "msl":
      return (
        101325 +
        1800 * Math.sin(2 * lat * deg) * Math.cos((3 * lon - 4 * step) * deg) -
        900 * Math.cos(lat * deg * 4)
      );
    case "tp":
      throw new Error("tp is accumulated, see advanceAccumulation");
  }
}

function surfaceTemperature(lat: number, lon: number, validHour: number, step: number): number {
  const localSolarHour = (validHour + lon / 15) % 24;
  const diurnal = 6 * Math.cos(((localSolarHour - 15) / 24) * 2 * Math.PI) * Math.cos(lat * deg);
  const waves = 3 * Math.sin((3 * lon + 0.5 * step) * deg) * Math.cos(lat * deg);
  return 301 - 48 * Math.sin(lat * deg) ** 2 + diurnal + waves;
}

function dewpointDepression(lat: number, lon: number, step: number): number {
  return 2 + 5 * (1 + Math.sin((2 * lon + 7 * lat + step) * deg));
}

/** Dry-adiabatic-like decrease with height, floored at a tropopause temperature. */
function temperatureAt(surfaceT: number, p: number): number {
  return Math.max(212, surfaceT * (p / 1000) ** 0.19);
}

/** Specific humidity (kg/kg) of air with dewpoint td at pressure p (hPa), Magnus formula over water. */
function specificHumidity(td: number, p: number): number {
  const e = 6.112 * Math.exp((17.67 * (td - 273.15)) / (td - 29.65));
  return (0.622 * e) / Math.max(p - 0.378 * e, 1);
}

function zonalWind(lat: number, lon: number, step: number, p: number): number {
  const jet = 35 * Math.exp(-(((Math.abs(lat) - 45) / 12) ** 2)) * (1.2 - p / 1000);
  return jet + 6 * Math.sin((2 * lon - 6 * step) * deg) * Math.cos(lat * deg);
}

function meridionalWind(lat: number, lon: number, step: number, p: number): number {
  return 9 * Math.sin((3 * lon - 4 * step) * deg) * Math.cos(lat * deg) * (1.3 - p / 1000);
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
