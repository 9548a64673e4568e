// himan's vertical searches over model levels (his hitool and its modifiers), on heights in metres:
// each point's levels are walked upwards, the previous valid level kept (a level with a missing value
// or height is passed over, not a gap that stops the walk). A level below the layer is only remembered;
// at the layer's edges the value is interpolated linearly in height between the levels either side;
// the walk stops once two successive levels lie above the layer. The quirks are himan's and kept: the
// maximum also takes the value of the first level above the layer, an average starts at the lowest
// level inside the layer (not at its lower edge when that is below the lowest level), and the height
// search gives the lowest level's own height when that level already exceeds the limit. A layer may be
// given per point (himan's height vectors), where one search's results are the next one's edges.

/** A vertical profile: values and heights (m) of each level, lowest level first. */
export interface Profile {
  values: Float64Array[];
  heights: Float64Array[];
}

/** A layer in metres, lower < upper. */
export interface Layer {
  lower: number;
  upper: number;
}

/** A layer per point (himan's height vectors); a point with a missing edge is left out (NaN, count 0). */
export interface Layers {
  lower: Float64Array;
  upper: Float64Array;
}

/** The layer at point i. */
function layerAt(layer: Layer | Layers, i: number): Layer {
  return typeof layer.lower === "number"
    ? (layer as Layer)
    : { lower: (layer as Layers).lower[i], upper: (layer as Layers).upper[i] };
}

/** newbase's linear interpolation of y at x between (x1, y1) and (x2, y2). */
function linear(x: number, x1: number, x2: number, y1: number, y2: number): number {
  if (x1 === x2) return y1 === y2 ? y1 : Number.NaN;
  return y1 + ((x - x1) / (x2 - x1)) * (y2 - y1);
}

/** The value at a layer's edge between the previous level and this one (this level's value without a previous one). */
function edgeValue(
  height: number,
  value: number,
  previousHeight: number,
  previousValue: number,
  edge: number,
) {
  if (Number.isNaN(previousValue) || Number.isNaN(previousHeight)) return value;
  return linear(edge, previousHeight, height, previousValue, value);
}

/** Where a level stands against the layer, as himan's modifier tells it apart. */
interface Crossing {
  /** The previous level is below the layer's lower edge, this one at or above it. */
  entering: boolean;
  /** The previous level is below the upper edge, this one at or above it. */
  leaving: boolean;
  /** The two levels enclose the whole layer. */
  spanning: boolean;
}

function crossing(h: number, ph: number, { lower, upper }: Layer): Crossing {
  return {
    entering: !Number.isNaN(ph) && h >= lower && ph < lower,
    leaving: h >= upper && ph < upper,
    spanning: ph <= lower && h >= lower && ph <= upper && h >= upper,
  };
}

/**
 * Walks each point's levels upwards and calls `visit` for the levels himan evaluates (value, height,
 * the previous valid level, NaN at the first, and the point's layer); `visit` returns true when the
 * point is done.
 */
function walk(
  profile: Profile,
  layers: Layer | Layers,
  visit: (point: number, v: number, h: number, pv: number, ph: number, layer: Layer) => boolean,
): void {
  const points = profile.values[0]?.length ?? 0;
  for (let i = 0; i < points; i++) {
    const layer = layerAt(layers, i);
    if (Number.isNaN(layer.lower) || Number.isNaN(layer.upper)) continue;
    let pv = Number.NaN;
    let ph = Number.NaN;
    for (let k = 0; k < profile.values.length; k++) {
      const v = profile.values[k][i];
      const h = profile.heights[k][i];
      if (Number.isNaN(v) || Number.isNaN(h)) continue;
      const previousValue = pv;
      const previousHeight = ph;
      pv = v;
      ph = h;
      if (h < layer.lower) continue;
      if (h > layer.upper && previousHeight > layer.upper) break;
      if (visit(i, v, h, previousValue, previousHeight, layer)) break;
    }
  }
}

/** The largest value in the layer (himan's VerticalMaximum); NaN where no level was evaluated. */
export function verticalMaximum(profile: Profile, layers: Layer | Layers): Float64Array {
  const result = new Float64Array(profile.values[0]?.length ?? 0).fill(Number.NaN);
  walk(profile, layers, (i, v, h, pv, ph, layer) => {
    const at = crossing(h, ph, layer);
    let value = v;
    if (at.spanning)
      value = Math.max(edgeValue(h, v, ph, pv, layer.lower), edgeValue(h, v, ph, pv, layer.upper));
    else if (at.entering) value = Math.max(edgeValue(h, v, ph, pv, layer.lower), v);
    else if (at.leaving) value = Math.max(edgeValue(h, v, ph, pv, layer.upper), v);
    if (Number.isNaN(result[i]) || value > result[i]) result[i] = value;
    return at.leaving && !at.spanning;
  });
  return result;
}

/**
 * The height-weighted mean in the layer by the trapezoidal rule (himan's VerticalAverage): 0 where a
 * single level was evaluated, NaN where none.
 */
export function verticalAverage(profile: Profile, layers: Layer | Layers): Float64Array {
  const sum = new Float64Array(profile.values[0]?.length ?? 0).fill(Number.NaN);
  const range = new Float64Array(sum.length);
  walk(profile, layers, (i, v, h, pv, ph, layer) => {
    const { lower, upper } = layer;
    if (Number.isNaN(sum[i])) sum[i] = 0;
    if (lower === upper) return true;
    const at = crossing(h, ph, layer);
    if (at.spanning) {
      sum[i] = ((edgeValue(h, v, ph, pv, upper) + edgeValue(h, v, ph, pv, lower)) / 2) * (upper - lower);
      range[i] += upper - lower;
      return true;
    }
    if (at.entering) {
      sum[i] += ((edgeValue(h, v, ph, pv, lower) + v) / 2) * (h - lower);
      range[i] += h - lower;
    } else if (at.leaving) {
      sum[i] += ((edgeValue(h, v, ph, pv, upper) + pv) / 2) * (upper - ph);
      range[i] += upper - ph;
    } else if (!Number.isNaN(pv) && !Number.isNaN(ph)) {
      sum[i] += ((pv + v) / 2) * (h - ph);
      range[i] += h - ph;
    }
    return false;
  });
  return sum.map((s, i) => (!Number.isNaN(s) && range[i] > 0 ? s / range[i] : s));
}

/**
 * The first (lowest) height in the layer where the value goes beyond `limit`, above it (sign 1, himan's
 * VerticalHeightGreaterThan) or below it (sign -1, VerticalHeightLessThan), interpolated between levels;
 * NaN where it nowhere does. As himan's first-occurrence search, the first crossing back counts too (a
 * value coming from beyond the limit), and only the greater-than search takes the first level evaluated
 * when it has no level below it.
 */
function verticalHeightBeyond(profile: Profile, layers: Layer | Layers, limit: number, sign: 1 | -1) {
  const beyond = (x: number) => sign * (x - limit) > 0;
  const short = (x: number) => sign * (x - limit) < 0;
  const result = new Float64Array(profile.values[0]?.length ?? 0).fill(Number.NaN);
  walk(profile, layers, (i, value, height, previousValue, previousHeight, layer) => {
    let v = value;
    let h = height;
    let pv = previousValue;
    let ph = previousHeight;
    const at = crossing(h, ph, layer);
    if (at.entering) {
      pv = edgeValue(h, v, ph, pv, layer.lower);
      ph = layer.lower;
      // the lower edge itself may already be beyond the limit
      if (beyond(pv)) {
        result[i] = layer.lower;
        return true;
      }
    } else if (at.leaving) {
      v = edgeValue(h, v, ph, pv, layer.upper);
      h = layer.upper;
    }
    const into = beyond(v) && (short(pv) || (sign === 1 && Number.isNaN(pv)));
    const back = short(v) && beyond(pv);
    if (into || back) {
      result[i] = Number.isNaN(pv) || Number.isNaN(ph) ? h : linear(limit, pv, v, ph, h);
      return true;
    }
    return at.leaving && !at.entering;
  });
  return result;
}

/** The first height in the layer where the value exceeds `limit` (himan's VerticalHeightGreaterThan). */
export function verticalHeightGreaterThan(
  profile: Profile,
  layers: Layer | Layers,
  limit: number,
): Float64Array {
  return verticalHeightBeyond(profile, layers, limit, 1);
}

/** The first height in the layer where the value falls below `limit` (himan's VerticalHeightLessThan). */
export function verticalHeightLessThan(
  profile: Profile,
  layers: Layer | Layers,
  limit: number,
): Float64Array {
  return verticalHeightBeyond(profile, layers, limit, -1);
}

/**
 * The height of the n-th crossing of `value` in the layer (himan's VerticalHeight; n = 0: the last),
 * interpolated between levels; NaN where there are fewer. As himan's, a level exactly at the value
 * counts on both its sides, a level entering the layer is compared from the layer's lower edge, and a
 * level leaving it up to the upper edge.
 */
export function verticalHeight(profile: Profile, layers: Layer | Layers, value: number, nth: number) {
  const result = new Float64Array(profile.values[0]?.length ?? 0).fill(Number.NaN);
  const found = new Uint32Array(result.length);
  walk(profile, layers, (i, v0, h0, pv0, ph0, layer) => {
    if (Number.isNaN(pv0)) return false;
    let [v, h, pv, ph] = [v0, h0, pv0, ph0];
    const at = crossing(h, ph, layer);
    if (at.entering) {
      pv = edgeValue(h, v, ph, pv, layer.lower);
      ph = layer.lower;
    } else if (at.leaving) {
      v = edgeValue(h, v, ph, pv, layer.upper);
      h = layer.upper;
    }
    if ((pv <= value && v >= value) || (pv > value && v <= value)) {
      const height = linear(value, pv, v, ph, h);
      if (!Number.isNaN(height)) {
        if (nth === 0) result[i] = height;
        else if (++found[i] === nth) {
          result[i] = height;
          return true;
        }
      }
    }
    return at.leaving && !at.entering;
  });
  return result;
}

/**
 * How many times the profile crosses `value` in the layer (himan's VerticalCount): 0 where it does not
 * (or no level was evaluated). As himan's, a level exactly at the value counts on both its sides, and a
 * level entering the layer is compared, at the lower edge's value, with the level below the layer.
 */
export function verticalCount(profile: Profile, layers: Layer | Layers, value: number): Float64Array {
  const result = new Float64Array(profile.values[0]?.length ?? 0);
  const crosses = (a: number, b: number) => (a <= value && b >= value) || (a >= value && b <= value);
  walk(profile, layers, (i, v, h, pv, ph, layer) => {
    if (Number.isNaN(pv)) return false;
    const at = crossing(h, ph, layer);
    if (at.spanning) {
      if (crosses(edgeValue(h, v, ph, pv, layer.lower), edgeValue(h, v, ph, pv, layer.upper))) result[i]++;
      return false;
    }
    let current = v;
    if (at.entering) current = edgeValue(h, v, ph, pv, layer.lower);
    else if (at.leaving) current = edgeValue(h, v, ph, pv, layer.upper);
    if (crosses(pv, current)) result[i]++;
    return at.leaving;
  });
  return result;
}

/** How far (m) below the lowest level a wanted height may lie and still take that level's value (himan's clamp). */
const clampBelowLowest = 20;

/**
 * The value at a height (m) at point i, linear in height between the levels around it (himan's
 * VerticalValue); below the lowest level by less than 20 m, the lowest level's value; else NaN.
 */
export function valueAtHeight(profile: Profile, i: number, height: number): number {
  const { heights, values } = profile;
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
export function verticalValue(profile: Profile, height: number): Float64Array {
  const out = new Float64Array(profile.heights[0]?.length ?? 0);
  for (let i = 0; i < out.length; i++) out[i] = valueAtHeight(profile, i, height);
  return out;
}

/**
 * `result` made missing where the column's top level lies below `height`, so that a search over a layer
 * the levels read do not reach gives nothing rather than a part of the layer (in place).
 */
export function missingAboveColumn(profile: Profile, result: Float64Array, height: number): Float64Array {
  const top = profile.heights.at(-1);
  for (let i = 0; i < result.length; i++) if (!top || !(top[i] >= height)) result[i] = Number.NaN;
  return result;
}
