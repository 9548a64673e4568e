// Surface pressure as the hybrid-level plugins read it: ECMWF's log of surface pressure on model level 1
// (himan's LNSP-N, which also carries the pv array of all the model's levels), or pressure at height 0 in
// Pa (P-PA, or ECMWF's sp read as PGR-PA) or hPa (P-HPA).
import type { FieldKey } from "../fields.ts";
import { type InputField, inputOn, type Target } from "./types.ts";

const sources = ["LNSP-N", "P-PA", "PGR-PA", "P-HPA"] as const;

/** One key per alternative, best first. */
export function surfacePressureKeys(target: Target, step = target.step): FieldKey[] {
  return sources.map((param) =>
    param === "LNSP-N"
      ? inputOn(target, param, "hybrid", 1, step)
      : inputOn(target, param, "height", 0, step),
  );
}

export function isSurfacePressure(param: string): boolean {
  return (sources as readonly string[]).includes(param);
}

/** Surface pressures already made from a source's values: every model level of a job reads the same. */
const made = new WeakMap<Float64Array, Float64Array>();

/** The surface pressure in Pa from whichever source was chosen (computed once per source field). */
export function surfacePressurePa(field: InputField): Float64Array {
  const v = field.values;
  const known = made.get(v);
  if (known) return known;
  const out = new Float64Array(v.length);
  if (field.key.param === "LNSP-N") for (let i = 0; i < v.length; i++) out[i] = Math.exp(v[i]);
  else if (field.key.param === "P-HPA") for (let i = 0; i < v.length; i++) out[i] = v[i] * 100;
  else out.set(v);
  made.set(v, out);
  return out;
}
