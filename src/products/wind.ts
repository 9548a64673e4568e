// Vector components relative to a rotated or projected grid's axes, turned to earth-relative
// (easterly/northerly) ones, as himan does before computing speed and direction.
import type { GridDefinition } from "../grib/types.ts";
import { gridNorthAzimuths, latticeOf } from "./projection.ts";

/** Earth-relative copies of u and v; the inputs themselves when the grid says they already are. */
export function toEarthRelative(
  grid: GridDefinition,
  u: Float64Array,
  v: Float64Array,
): { u: Float64Array; v: Float64Array } {
  if (grid.uvRelativeToGrid === 0 || grid.gridType === "regular_ll") return { u, v };
  const azimuths = gridNorthAzimuths(latticeOf(grid));
  const eu = new Float64Array(u.length);
  const ev = new Float64Array(v.length);
  for (let i = 0; i < u.length; i++) {
    const a = (azimuths[i] * Math.PI) / 180;
    const c = Math.cos(a);
    const s = Math.sin(a);
    eu[i] = c * u[i] + s * v[i];
    ev[i] = -s * u[i] + c * v[i];
  }
  return { u: eu, v: ev };
}

/** Vector component pairs (x, y) by parameter name. */
export const vectorPairs: ReadonlyArray<[string, string]> = [
  ["U-MS", "V-MS"],
  ["WGU-MS", "WGV-MS"],
];
