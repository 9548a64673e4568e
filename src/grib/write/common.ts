// Pieces shared by the GRIB1 and GRIB2 writers: bitmap, time units, input checks.
import type { FieldToWrite, StepUnit } from "./field.ts";

export class FieldError extends Error {
  override name = "FieldError";
}

const SECONDS: Record<StepUnit, number> = { s: 1, m: 60, h: 3600, D: 86400 };

export function stepSeconds(unit: StepUnit): number {
  return SECONDS[unit];
}

/** The bitmap of `values` (1 = present, MSB first); the packers skip the NaNs themselves. */
export function buildBitmap(values: Float64Array): Uint8Array {
  const bitmap = new Uint8Array(Math.ceil(values.length / 8));
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) bitmap[i >> 3] |= 0x80 >> (i & 7);
  return bitmap;
}

function gridPoints(f: FieldToWrite): number {
  const g = f.grid;
  return g.gridType === "regular_ll" || g.gridType === "rotated_ll" ? g.Ni * g.Nj : g.Nx * g.Ny;
}

/** Throw a FieldError naming the first inconsistency of the input. */
export function validateField(f: FieldToWrite): void {
  const points = gridPoints(f);
  if (f.grid.numberOfDataPoints !== points) {
    throw new FieldError(
      `grid.numberOfDataPoints ${f.grid.numberOfDataPoints} is not ${points} (the grid's size)`,
    );
  }
  if (f.values.length !== points) {
    throw new FieldError(`${f.values.length} values for a grid of ${points} points`);
  }
  const s = f.step;
  if (!(s.units in SECONDS)) throw new FieldError(`step units "${s.units}" is not one of m, h, D, s`);
  if (!Number.isInteger(s.start) || !Number.isInteger(s.end) || s.start < 0 || s.end < s.start) {
    throw new FieldError(`step ${s.start}-${s.end} must be whole, non-negative and ordered`);
  }
  if (s.type === "instant" && s.start !== s.end) {
    throw new FieldError(`an instantaneous field has one step, not ${s.start}-${s.end}`);
  }
  if (Number.isNaN(f.referenceTime.getTime())) throw new FieldError("referenceTime is not a valid date");
}
