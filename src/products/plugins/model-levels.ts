// The model levels a plugin searches, from its options: himan asks radon which levels can lie in the
// heights or pressures it searches (hybrid_level_height); without radon the range is an option, with
// each plugin's default for ECMWF's L137.
import type { FieldKey } from "../fields.ts";
import { type ComputeContext, inputOn, type Target } from "./types.ts";

/** A model level number from an option (1 = top), or the default; refused with the plugin's name otherwise. */
export function modelLevelOption(
  plugin: string,
  options: Record<string, unknown>,
  name: string,
  fallback: number,
): number {
  const value = Number(options[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(
      `${plugin}: ${name} must be a model level number (1 = top), got ${String(options[name])}`,
    );
  return value;
}

/** The levels from `lowest` up to `highest` (option `name`; level numbers grow downwards), lowest first. */
export function levelsUp(plugin: string, lowest: number, highest: number, name = "highest_level"): number[] {
  if (highest >= lowest)
    throw new Error(
      `${plugin}: ${name} (${highest}) must be above the lowest level (${lowest}), i.e. a smaller level number`,
    );
  const levels: number[] = [];
  for (let level = lowest; level >= highest; level--) levels.push(level);
  return levels;
}

/** The levels from "lowest_level" up to "highest_level", lowest first. */
export function modelLevelsUp(
  plugin: string,
  options: Record<string, unknown>,
  defaults: { lowest: number; highest: number },
): number[] {
  return levelsUp(
    plugin,
    modelLevelOption(plugin, options, "lowest_level", defaults.lowest),
    modelLevelOption(plugin, options, "highest_level", defaults.highest),
  );
}

/** Each of `params` on every level (level by level, lowest first): the keys a model-level plugin waits for. */
export function onModelLevels(target: Target, levels: number[], params: readonly string[]): FieldKey[] {
  return levels.flatMap((level) => params.map((param) => inputOn(target, param, "hybrid", level)));
}

/** A parameter's values on the levels, lowest level first: a column for hitool's searches. */
export function modelLevelColumn(context: ComputeContext, levels: number[], param: string): Float64Array[] {
  return levels.map((level) => context.input(param, context.target.step, "hybrid", level).values);
}
