// The one interface every plugin has: from its options, which outputs it makes for a target (level,
// step, member), which inputs each needs (alternatives, best first), and the computation on typed arrays.
import type { GridDefinition } from "../../grib/types.ts";
import type { FieldKey, ForecastType, LevelType } from "../fields.ts";
import type { ParamInfo } from "../params.ts";

/** Where and when a plugin computes: one level of one step of one forecast. */
export interface Target {
  levelType: LevelType;
  level: number;
  /** Position of `level` in its processqueue item's levels (a transformer's source_levels line up). */
  levelIndex: number;
  /** Lead time in hours. */
  step: number;
  forecastType: ForecastType;
  /** The configuration's step between outputs, in hours (split_sum's rates use it). */
  configStep: number;
  /** himan's target producer id (split_sum's Harmonie rule: producers 210 and 270 use one hour). */
  targetProducer: number;
}

/** One complete set of inputs; a plugin may accept several (e.g. RH from T, Q and P or from T and TD). */
export type InputSet = FieldKey[];

/** An input field's values on the computation grid, NaN where missing. */
export interface InputField {
  key: FieldKey;
  values: Float64Array;
  grid: GridDefinition;
  bitsPerValue?: number;
  /** Accumulations: the step (hours) the accumulation runs from. */
  accumulatedFrom?: number;
  /** Hybrid levels: the vertical coordinates (GRIB pv). */
  pv?: Float64Array;
}

export interface ComputeContext {
  target: Target;
  /** The field for a key of the chosen input set. */
  input(param: string, step?: number, levelType?: LevelType, level?: number): InputField;
  /** Which of the plugin's input sets is present (index into inputs()). */
  inputSet: number;
}

export interface OutputField {
  param: ParamInfo;
  values: Float64Array;
  /** The accumulation or rate interval [start, end] in hours, for statistically processed outputs. */
  interval?: [number, number];
  /** Keep the source field's precision (bits per value) when packing, as himan's transformer does. */
  keepSourcePrecision?: boolean;
}

export interface PluginInstance {
  /**
   * Independent parts, each a task of its own (split_sum's products each choose their own steps);
   * when given, the instance's own inputs() and compute() are not used.
   */
  parts?: PluginInstance[];
  /** Regridding method for this plugin's inputs when the configuration names none (transformer's option). */
  interpolation?: "bilinear" | "nearest";
  /** Output parameter names made at this target (none: nothing to do, e.g. sums at step 0). */
  outputs(target: Target): ParamInfo[];
  /** Input alternatives for this target, best first; empty when outputs(target) is empty. */
  inputs(target: Target): InputSet[];
  compute(context: ComputeContext): OutputField[];
}

export interface Plugin {
  name: string;
  /** Validates this plugin's options (himan writes booleans and numbers as strings, too). */
  configure(options: Record<string, unknown>): PluginInstance;
}

/** A configuration value that means true: true, "true", "1", "yes" (as himan's GetValue == "true"). */
export function isTrue(value: unknown): boolean {
  return value === true || value === "true" || value === "1" || value === "yes" || value === 1;
}

/** Field key of an input at the target's level and member. */
export function inputAt(target: Target, param: string, step = target.step): FieldKey {
  return inputOn(target, param, target.levelType, target.level, step);
}

/** Field key of an input at another level (same step and member unless given). */
export function inputOn(
  target: Target,
  param: string,
  levelType: LevelType,
  level: number,
  step = target.step,
): FieldKey {
  const key: FieldKey = { param, levelType, level, step };
  if (target.forecastType.member !== undefined) key.member = target.forecastType.member;
  return key;
}

/** The values of one input field, by its key (the chosen input set's keys name them whole). */
export function valuesOf(context: ComputeContext, key: FieldKey): Float64Array {
  return context.input(key.param, key.step, key.levelType, key.level).values;
}

/** The alternatives of several independent inputs, each with its own choices (first choices first). */
export function eachOf(choices: FieldKey[][]): FieldKey[][] {
  return choices.reduce<FieldKey[][]>(
    (sets, options) => sets.flatMap((set) => options.map((k) => [...set, k])),
    [[]],
  );
}

/** The same computation for every point (up to four inputs); NaN in any input gives NaN. */
export function pointwise(
  inputs: Float64Array[],
  f: (a: number, b: number, c: number, d: number) => number,
): Float64Array {
  const [a, b = a, c = a, d = a] = inputs;
  const out = new Float64Array(a.length);
  for (let i = 0; i < out.length; i++) {
    const va = a[i];
    const vb = b[i];
    const vc = c[i];
    const vd = d[i];
    out[i] = Number.isNaN(va + vb + vc + vd) ? Number.NaN : f(va, vb, vc, vd);
  }
  return out;
}
