// Regridding from one lattice to another: bilinear (CDO's remapbil semantics: a target point whose four
// surrounding source points are not all present is missing) and nearest neighbour. Weights are computed
// once per (source, target) pair and reused for every field on the same grids.
import {
  fractionalIndex,
  type GridLattice,
  isGlobalInI,
  latLons,
  pointCount,
  pointIndex,
} from "./projection.ts";

export type RegridMethod = "bilinear" | "nearest";

/** For each target point: up to four source indices and weights (index -1 = off the source grid). */
export interface RegridWeights {
  method: RegridMethod;
  targetSize: number;
  index: Int32Array;
  weight: Float64Array;
}

export function regridWeights(source: GridLattice, target: GridLattice, method: RegridMethod): RegridWeights {
  const n = pointCount(target);
  const index = new Int32Array(n * 4).fill(-1);
  const weight = new Float64Array(n * 4);
  const { lats, lons } = latLons(target);
  const wrap = isGlobalInI(source);
  const eps = 1e-9;
  for (let k = 0; k < n; k++) {
    const [fi, fj] = fractionalIndex(source, lats[k], lons[k]);
    if (!Number.isFinite(fi) || !Number.isFinite(fj)) continue;
    if (fj < -eps || fj > source.nj - 1 + eps) continue;
    if (!wrap && (fi < -eps || fi > source.ni - 1 + eps)) continue;
    if (method === "nearest") {
      const i = Math.round(fi) % source.ni;
      const j = Math.min(source.nj - 1, Math.max(0, Math.round(fj)));
      index[k * 4] = pointIndex(source, Math.min(source.ni - 1, Math.max(0, i)), j);
      weight[k * 4] = 1;
      continue;
    }
    let i0 = Math.floor(fi + eps);
    let j0 = Math.floor(fj + eps);
    // A point on the last row/column uses the cell before it.
    if (j0 >= source.nj - 1) j0 = source.nj - 2;
    if (!wrap && i0 >= source.ni - 1) i0 = source.ni - 2;
    if (j0 < 0) j0 = 0;
    if (i0 < 0) i0 = 0;
    const ti = Math.min(1, Math.max(0, fi - i0));
    const tj = Math.min(1, Math.max(0, fj - j0));
    const i1 = wrap ? (i0 + 1) % source.ni : i0 + 1;
    const j1 = j0 + 1;
    const base = k * 4;
    index[base] = pointIndex(source, i0 % source.ni, j0);
    index[base + 1] = pointIndex(source, i1, j0);
    index[base + 2] = pointIndex(source, i0 % source.ni, j1);
    index[base + 3] = pointIndex(source, i1, j1);
    weight[base] = (1 - ti) * (1 - tj);
    weight[base + 1] = ti * (1 - tj);
    weight[base + 2] = (1 - ti) * tj;
    weight[base + 3] = ti * tj;
  }
  return { method, targetSize: n, index, weight };
}

/** Applies weights to one field: NaN where the target point is off the source or a needed value is missing. */
export function applyWeights(weights: RegridWeights, values: Float64Array): Float64Array {
  const out = new Float64Array(weights.targetSize);
  const { index, weight } = weights;
  for (let k = 0; k < weights.targetSize; k++) {
    const b = k * 4;
    if (index[b] < 0) {
      out[k] = Number.NaN;
      continue;
    }
    if (weights.method === "nearest") {
      out[k] = values[index[b]];
      continue;
    }
    let sum = 0;
    for (let c = 0; c < 4; c++) {
      const w = weight[b + c];
      const v = values[index[b + c]];
      // A corner with zero weight does not matter, even when missing.
      if (w !== 0) sum += w * v;
    }
    out[k] = sum;
  }
  return out;
}
