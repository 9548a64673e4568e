// ecCodes as the oracle for the GRIB reader's tests: grib_ls -j, grib_get_data, and the shared data.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { formatG } from "../../src/grib/keys.ts";

export const sharedData = resolve(import.meta.dirname, "../../../shared/data/himan-dev");
export const sharedTools = resolve(import.meta.dirname, "../../../shared/tools");
export const samples = "/usr/share/eccodes/samples";

/** Every GRIB file under the shared himan-dev folder, sorted. */
export function himanFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.grib2?$/.test(name)) out.push(p);
    }
  };
  walk(sharedData);
  return out;
}

export function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "pipe"] });
}

/** grib_ls -j -p KEYS FILE: one object per message. */
export function ecCodesKeys(file: string, keys: string[]): Array<Record<string, unknown>> {
  const text = run("grib_ls", ["-j", "-p", keys.join(","), file]);
  return (JSON.parse(text) as { messages: Array<Record<string, unknown>> }).messages;
}

/** Asserts our key value equals what grib_ls -j prints (doubles to ecCodes' %g precision). */
export function assertKeyEqual(ours: unknown, theirs: unknown, where: string): void {
  if (typeof theirs === "number" && !Number.isInteger(theirs)) {
    assert.equal(typeof ours, "number", `${where}: ours is ${JSON.stringify(ours)}, ecCodes ${theirs}`);
    assert.equal(formatG(ours as number), formatG(theirs), `${where}: ours ${ours}, ecCodes ${theirs}`);
    return;
  }
  if (typeof theirs === "string" && typeof ours === "number" && /^-?[\d.]+e[+-]\d+$/.test(theirs)) {
    // grib_ls -j prints some integer keys (offset) through %g
    assert.equal(formatG(ours), theirs, where);
    return;
  }
  if (typeof theirs === "number" && typeof ours === "string" && /^-?\d+$/.test(ours)) {
    assert.equal(Number(ours), theirs, where);
    return;
  }
  assert.deepEqual(ours, theirs, where);
}

/** The keys the reader promises, as grib_ls -j names them. */
export const ORACLE_KEYS = [
  "edition",
  "centre",
  "subCentre",
  "dataDate",
  "dataTime",
  "stepRange",
  "startStep",
  "endStep",
  "stepUnits",
  "stepType",
  "paramId",
  "shortName",
  "name",
  "units",
  "typeOfLevel",
  "level",
  "number",
  "dataType",
  "gridType",
  "Ni",
  "Nj",
  "N",
  "latitudeOfFirstGridPointInDegrees",
  "longitudeOfFirstGridPointInDegrees",
  "latitudeOfLastGridPointInDegrees",
  "longitudeOfLastGridPointInDegrees",
  "iDirectionIncrementInDegrees",
  "jDirectionIncrementInDegrees",
  "latitudeOfSouthernPoleInDegrees",
  "longitudeOfSouthernPoleInDegrees",
  "LaDInDegrees",
  "LoVInDegrees",
  "Latin1InDegrees",
  "Latin2InDegrees",
  "DxInMetres",
  "DyInMetres",
  "orientationOfTheGridInDegrees",
  "iScansNegatively",
  "jScansPositively",
  "jPointsAreConsecutive",
  "bitmapPresent",
  "numberOfValues",
  "numberOfDataPoints",
  "numberOfMissing",
  "packingType",
  "bitsPerValue",
  "referenceValue",
  "binaryScaleFactor",
  "decimalScaleFactor",
  "totalLength",
  "offset",
];

/** grib_get_data -m 9999 for one message: latitudes, longitudes and values (NaN for missing). */
export function ecCodesData(
  file: string,
  message = 1,
  where = `count=${message}`,
): { latitudes: Float64Array; longitudes: Float64Array; values: Float64Array; text: string } {
  const text = run("grib_get_data", ["-m", "9999", "-w", where, file]);
  const lines = text.split("\n");
  const n = lines.length - 2; // header and the final empty line
  const latitudes = new Float64Array(n);
  const longitudes = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const line = lines[i + 1];
    const a = line.slice(0, 9);
    const b = line.slice(9, 18);
    const c = line.slice(19);
    latitudes[i] = Number(a);
    longitudes[i] = Number(b);
    values[i] = c === "9999" ? Number.NaN : Number(c);
  }
  return { latitudes, longitudes, values, text };
}

/** Largest |a-b| over points present in both; throws if missing points differ. */
export function maxDifference(a: Float64Array, b: Float64Array, what: string): number {
  assert.equal(a.length, b.length, `${what}: ${a.length} points, ecCodes ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const na = Number.isNaN(a[i]);
    const nb = Number.isNaN(b[i]);
    assert.equal(na, nb, `${what}: point ${i} missing in ${na ? "ours" : "ecCodes'"} only`);
    if (!na) max = Math.max(max, Math.abs(a[i] - b[i]));
  }
  return max;
}

/** Longitude difference modulo 360. */
export function maxLonDifference(a: Float64Array, b: Float64Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    let d = Math.abs(a[i] - b[i]) % 360;
    if (d > 180) d = 360 - d;
    max = Math.max(max, d);
  }
  return max;
}
