// Test-only oracles: values and coordinates as ecCodes' grib_get_data prints them, and CDO.
import { execFileSync } from "node:child_process";
import { join } from "node:path";

export const himanDev = join(import.meta.dirname, "../../../shared/data/himan-dev");

/** Values of the n-th message (1-based) of a GRIB file, NaN for missing. */
export function gribValues(file: string, message = 1): Float64Array {
  return Float64Array.from(column(file, message, 2), (v) => (v === 9999 ? Number.NaN : v));
}

/** Latitudes and longitudes of the n-th message's points, as ecCodes computes them. */
export function gribLatLons(file: string, message = 1): { lats: Float64Array; lons: Float64Array } {
  return {
    lats: Float64Array.from(column(file, message, 0)),
    lons: Float64Array.from(column(file, message, 1)),
  };
}

function column(file: string, message: number, index: number): number[] {
  const text = execFileSync("grib_get_data", ["-m", "9999", "-F", "%.10g", "-w", `count=${message}`, file], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  const out: number[] = [];
  for (const line of text.split("\n")) {
    const parts = line.trim().split(/\s+/);
    if (parts.length < 3 || Number.isNaN(Number(parts[2]))) continue;
    out.push(Number(parts[index]));
  }
  return out;
}

/** ecCodes keys of the n-th message, as grib_get prints them. */
export function gribKeys(file: string, keys: string[], message = 1): Record<string, string> {
  const text = execFileSync("grib_get", ["-w", `count=${message}`, "-p", keys.join(","), file], {
    encoding: "utf8",
  });
  const values = text.trim().split(/\s+/);
  return Object.fromEntries(keys.map((k, i) => [k, values[i]]));
}

/** Largest absolute difference where both are present, and how many points differ in being missing. */
export function maxDiff(a: Float64Array, b: Float64Array): { max: number; missingMismatch: number } {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let max = 0;
  let missingMismatch = 0;
  for (let i = 0; i < a.length; i++) {
    const ma = Number.isNaN(a[i]);
    const mb = Number.isNaN(b[i]);
    if (ma || mb) {
      if (ma !== mb) missingMismatch++;
      continue;
    }
    max = Math.max(max, Math.abs(a[i] - b[i]));
  }
  return { max, missingMismatch };
}

export function run(command: string, args: string[], cwd?: string): string {
  return execFileSync(command, args, { encoding: "utf8", cwd, maxBuffer: 1 << 28 });
}
