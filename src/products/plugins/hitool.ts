// Values in model-level columns at heights above ground, as himan's hitool finds them: each column is read
// from the lowest level up, a profile linear in height between levels (HL-M). himan's hitool reads the
// levels that radon's statistics of the model's level heights place around the wanted heights; here the
// plugin's options name its levels (e.g. "last_hybrid_level" up to "highest_level"), and a point whose
// column does not reach a wanted height within them is missing rather than computed from the levels at hand.

/** How far (m) below the lowest level a wanted height may lie and still take that level's value (himan's clamp). */
const clampBelowLowest = 20;

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
  const out: number[] = [];
  for (let level = lowest; level >= highest; level--) out.push(level);
  return out;
}

/**
 * The value at a height (m) at point i, linear in height between the levels around it (himan's
 * VerticalValue); below the lowest level by less than 20 m, the lowest level's value; else NaN.
 */
export function valueAtHeight(
  heights: Float64Array[],
  values: Float64Array[],
  i: number,
  height: number,
): number {
  if (heights.length === 0) return Number.NaN;
  const lowest = heights[0][i];
  if (height < lowest) return lowest - height < clampBelowLowest ? values[0][i] : Number.NaN;
  for (let k = 1; k < heights.length; k++) {
    const below = heights[k - 1][i];
    const above = heights[k][i];
    if (below <= height && above >= height) {
      if (above === below) return values[k][i];
      return values[k - 1][i] + ((height - below) / (above - below)) * (values[k][i] - values[k - 1][i]);
    }
  }
  return Number.NaN;
}

/** valueAtHeight at every point. */
export function verticalValue(heights: Float64Array[], values: Float64Array[], height: number): Float64Array {
  const points = heights.length === 0 ? 0 : heights[0].length;
  const out = new Float64Array(points);
  for (let i = 0; i < points; i++) out[i] = valueAtHeight(heights, values, i, height);
  return out;
}

/**
 * The mean over [lower, upper] (m) at point i, as himan's modifier_mean: the trapezoidal integral of the
 * profile divided by the depth it covers. The profile begins at the lowest level, so a layer from the
 * ground is averaged from the lowest level's height. NaN if the column ends below `upper`.
 */
export function meanAtPoint(
  heights: Float64Array[],
  values: Float64Array[],
  i: number,
  lower: number,
  upper: number,
): number {
  if (heights.length === 0 || !(heights[0][i] < upper)) return Number.NaN;
  let integral = 0;
  let depth = 0;
  for (let k = 1; k < heights.length; k++) {
    const z0 = heights[k - 1][i];
    const z1 = heights[k][i];
    const v0 = values[k - 1][i];
    const v1 = values[k][i];
    if (z1 <= lower) continue;
    const from = Math.max(z0, lower);
    const to = Math.min(z1, upper);
    const at = (z: number) => v0 + ((z - z0) / (z1 - z0)) * (v1 - v0);
    integral += ((at(from) + at(to)) / 2) * (to - from);
    depth += to - from;
    if (z1 >= upper) return depth > 0 ? integral / depth : Number.NaN;
  }
  return Number.NaN;
}

/** meanAtPoint at every point. */
export function verticalAverage(
  heights: Float64Array[],
  values: Float64Array[],
  lower: number,
  upper: number,
): Float64Array {
  const points = heights.length === 0 ? 0 : heights[0].length;
  const out = new Float64Array(points);
  for (let i = 0; i < points; i++) out[i] = meanAtPoint(heights, values, i, lower, upper);
  return out;
}
