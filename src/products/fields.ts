// The vocabulary of products: which field (parameter, level, step, member) and its values on a grid.
import type { GridDefinition } from "../grib/types.ts";

/** Level types by himan's names (used in configurations and file names). */
export type LevelType =
  | "height"
  | "pressure"
  | "hybrid"
  | "ground"
  | "meansea"
  | "depth"
  | "entatm"
  | "top"
  | "generalized"
  | "ground_depth";

export const levelTypes: readonly LevelType[] = [
  "height",
  "pressure",
  "hybrid",
  "ground",
  "meansea",
  "depth",
  "entatm",
  "top",
  "generalized",
  "ground_depth",
];

/** ecCodes' typeOfLevel for each of himan's level types, and back. */
const ecCodesLevels: Record<LevelType, string> = {
  height: "heightAboveGround",
  pressure: "isobaricInhPa",
  hybrid: "hybrid",
  ground: "surface",
  meansea: "meanSea",
  depth: "depthBelowSea",
  entatm: "entireAtmosphere",
  top: "nominalTop",
  generalized: "generalVertical",
  ground_depth: "depthBelowLandLayer",
};

export function typeOfLevelFor(levelType: LevelType): string {
  return ecCodesLevels[levelType];
}

export function levelTypeOf(typeOfLevel: string): LevelType | undefined {
  for (const [ours, theirs] of Object.entries(ecCodesLevels))
    if (theirs === typeOfLevel) return ours as LevelType;
  if (typeOfLevel === "ml") return "hybrid";
  if (typeOfLevel === "pl" || typeOfLevel === "isobaricInPa") return "pressure";
  if (typeOfLevel === "sfc") return "ground";
  if (typeOfLevel === "depthBelowLand") return "ground_depth";
  return undefined;
}

/**
 * One identity for a level: the ground and height 0 are the same surface (ECMWF codes its surface
 * fields as "surface", FMI's radon stores most of them at height 0, and himan's configurations ask
 * for either), so a request for one finds a field coded as the other.
 */
export function levelId(levelType: LevelType, level: number): string {
  return levelType === "ground" && level === 0 ? "height|0" : `${levelType}|${level}`;
}

/** A field's identity for lookups: parameter, level (see levelId), step and member. */
export function keyId(k: FieldKey): string {
  return `${k.param}|${levelId(k.levelType, k.level)}|${Math.round(k.step * 3600)}|${k.member ?? ""}`;
}

/**
 * What kind of forecast: himan's forecast types ("det", "an", "cf", "pf", "sp") with the member number
 * for the ensemble ones. `id` is himan's numeric id, used in its file names.
 */
export type ForecastKind = "det" | "an" | "cf" | "pf" | "sp";
export interface ForecastType {
  kind: ForecastKind;
  /** Member number for "cf" (0) and "pf" (1...). */
  member?: number;
}
export const forecastTypeIds: Record<ForecastKind, number> = { det: 1, an: 2, pf: 3, cf: 4, sp: 5 };

/** One field a job reads or writes. `step` is the forecast lead time in hours (15 minutes = 0.25). */
export interface FieldKey {
  param: string;
  levelType: LevelType;
  level: number;
  step: number;
  /** Ensemble member, when the product is one. */
  member?: number;
}

export function fieldKeyText(key: FieldKey): string {
  const member = key.member === undefined ? "" : ` member ${key.member}`;
  return `${key.param} ${key.levelType} ${key.level} step ${formatHours(key.step)}${member}`;
}

export function formatHours(hours: number): string {
  const minutes = Math.round(hours * 60);
  return minutes % 60 === 0 ? `${minutes / 60}h` : `${Math.floor(minutes / 60)}h${minutes % 60}min`;
}

/** A field's values (NaN = missing) on its grid, in the grid's own point order. */
export interface Field {
  key: FieldKey;
  grid: GridDefinition;
  values: Float64Array;
  /** How the source packed it (bits per value), for products that keep the source's precision. */
  bitsPerValue?: number;
  /** The source message's edition and originating centre (WMO code), when it came from GRIB. */
  edition?: 1 | 2;
  centre?: number;
  /** The source's units as ecCodes names them (with the factor applied on reading, if any). */
  units?: string;
  /** For accumulations: the step (hours) the accumulation starts from (0 for ECMWF; a reset otherwise). */
  accumulatedFrom?: number;
  /** Hybrid levels: the vertical coordinate array (GRIB `pv`). */
  pv?: Float64Array;
}
