// The model levels a plugin searches, from its "lowest_level" and "highest_level" options: himan asks
// radon which levels can lie in the heights or pressures it searches (hybrid_level_height); without
// radon the range is an option, with each plugin's default for ECMWF's L137.

function levelOption(
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

/** The levels from "lowest_level" up to "highest_level" (level numbers grow downwards), lowest first. */
export function modelLevelsUp(
  plugin: string,
  options: Record<string, unknown>,
  defaults: { lowest: number; highest: number },
): number[] {
  const lowest = levelOption(plugin, options, "lowest_level", defaults.lowest);
  const highest = levelOption(plugin, options, "highest_level", defaults.highest);
  if (highest >= lowest)
    throw new Error(
      `${plugin}: highest_level (${highest}) must be above lowest_level (${lowest}), i.e. a smaller level number`,
    );
  const levels: number[] = [];
  for (let level = lowest; level >= highest; level--) levels.push(level);
  return levels;
}
