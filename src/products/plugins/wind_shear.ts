// Indices of the wind's change with height in model-level columns, for himan's stability plugin: the bulk
// shear of a layer from the ground (himan's option "bs", metutil BulkShear_). The winds are read at
// heights above ground as himan's hitool reads them (hitool.ts).
import { valueAtHeight } from "./hitool.ts";

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
  for (let i = 0; i < points; i++) {
    const du = valueAtHeight(heights, u, i, top) - valueAtHeight(heights, u, i, 0);
    const dv = valueAtHeight(heights, v, i, top) - valueAtHeight(heights, v, i, 0);
    out[i] = Math.sqrt(du * du + dv * dv) * knotsPerMs;
  }
  return out;
}
