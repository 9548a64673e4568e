// Indices of the wind's change with height in model-level columns, for himan's stability plugin: the bulk
// shear of a layer from the ground (himan's option "bs", metutil BulkShear_) and the storm-relative
// helicity of a layer from the lowest level (option "srh", as newer himan computes it). The winds are read
// at heights above ground as himan's hitool reads them (hitool.ts).
import { valueAtHeight, verticalAverage } from "./hitool.ts";

/** Metres per second to knots, as himan's BulkShear_ converts (his result is in knots). */
const knotsPerMs = 1.943844492;

/** A model-level wind profile: heights above ground (HL-M) and the components, lowest level first. */
export interface WindColumns {
  heights: Float64Array[];
  u: Float64Array[];
  v: Float64Array[];
}

/**
 * Bulk shear (knots) from the ground to `top` (m): the magnitude of the wind at `top` minus the wind at
 * 0 m, each as hitool's VerticalValue gives it (the ground takes the lowest level's wind within 20 m).
 */
export function bulkShear(columns: WindColumns, top: number): Float64Array {
  const { heights, u, v } = columns;
  const points = heights.length === 0 ? 0 : heights[0].length;
  const out = new Float64Array(points);
  const us = { heights, values: u };
  const vs = { heights, values: v };
  for (let i = 0; i < points; i++) {
    const du = valueAtHeight(us, i, top) - valueAtHeight(us, i, 0);
    const dv = valueAtHeight(vs, i, top) - valueAtHeight(vs, i, 0);
    out[i] = Math.sqrt(du * du + dv * dv) * knotsPerMs;
  }
  return out;
}

/** The layer (m) of the storm motion's mean wind and shear, and the motion's deviation (m/s) to their right. */
const motionLayer = { bottom: 10, top: 6000 };
const deviation = 7.5;

/** Bunkers' right-moving storm motion at every point (u and v components). */
interface StormMotion {
  u: Float64Array;
  v: Float64Array;
}

/**
 * Bunkers' right-moving storm motion (the ID method, as newer himan's UVId): the 10 m–6 km mean wind
 * plus 7.5 m/s perpendicular to the right of the shear between 10 m and 6 km; missing where the
 * column ends below 6 km.
 */
export function stormMotion(columns: WindColumns): StormMotion {
  const { heights, u, v } = columns;
  const { bottom, top } = motionLayer;
  const us = { heights, values: u };
  const vs = { heights, values: v };
  const layer = { lower: bottom, upper: top };
  const motion = { u: verticalAverage(us, layer), v: verticalAverage(vs, layer) };
  for (let i = 0; i < motion.u.length; i++) {
    const du = valueAtHeight(us, i, top) - valueAtHeight(us, i, bottom);
    const dv = valueAtHeight(vs, i, top) - valueAtHeight(vs, i, bottom);
    const magnitude = Math.sqrt(du * du + dv * dv);
    motion.u[i] += (dv / magnitude) * deviation;
    motion.v[i] -= (du / magnitude) * deviation;
  }
  return motion;
}

/**
 * Storm-relative helicity (m2 s-2) from the lowest level up to each of `tops` (m), as newer himan: the
 * sum over the layers between levels of (u₂ − cx)(v₁ − cy) − (u₁ − cx)(v₂ − cy), the topmost layer ending
 * at the top with the wind interpolated there; c is the storm motion. NaN where the column ends below a
 * top or the shear has no direction; 0 is missing too, as himan writes it.
 */
export function stormRelativeHelicity(columns: WindColumns, tops: number[]): Float64Array[] {
  const { heights, u, v } = columns;
  const points = heights.length === 0 ? 0 : heights[0].length;
  const out = tops.map(() => new Float64Array(points).fill(Number.NaN));
  const motion = stormMotion(columns);
  for (let i = 0; i < points; i++) {
    const cx = motion.u[i];
    const cy = motion.v[i];
    tops.forEach((top, t) => {
      let sum = 0;
      for (let k = 1; k < heights.length; k++) {
        const z1 = heights[k - 1][i];
        const z2 = heights[k][i];
        const reached = z2 > top;
        const f = reached ? (top - z1) / (z2 - z1) : 1;
        const u1 = u[k - 1][i] - cx;
        const v1 = v[k - 1][i] - cy;
        const u2 = u[k - 1][i] + f * (u[k][i] - u[k - 1][i]) - cx;
        const v2 = v[k - 1][i] + f * (v[k][i] - v[k - 1][i]) - cy;
        sum += u2 * v1 - u1 * v2;
        if (reached) {
          out[t][i] = sum === 0 ? Number.NaN : sum;
          return;
        }
      }
    });
  }
  return out;
}
