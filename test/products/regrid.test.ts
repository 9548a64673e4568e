// Regridding against CDO: remapbil and remapnn from the global 0.5° GFS grid and from the rotated
// HARMONIE grid onto small latitude/longitude boxes.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { decodeMessage, scanBuffer } from "../../src/grib/index.ts";
import { areaGrid } from "../../src/products/config/yaml.ts";
import { latticeOf } from "../../src/products/projection.ts";
import { applyWeights, type RegridMethod, regridWeights } from "../../src/products/regrid.ts";
import { tempDir } from "../helpers/cli.ts";
import { himanDev, run } from "./oracle.ts";

function firstMessage(path: string) {
  const first = scanBuffer(new Uint8Array(readFileSync(path))).next().value;
  assert.ok(first && !(first instanceof Error));
  return decodeMessage(first.bytes);
}

/** CDO's values (outputtab prints them rounded to 4 significant decimals) on a lonlat grid description. */
function cdoRemap(
  method: "remapbil" | "remapnn",
  file: string,
  box: { west: number; north: number; dlon: number; dlat: number; ni: number; nj: number },
): Float64Array {
  const dir = tempDir("cb-regrid-");
  const grid = join(dir, "grid.txt");
  writeFileSync(
    grid,
    `gridtype = lonlat\nxsize = ${box.ni}\nysize = ${box.nj}\nxfirst = ${box.west}\nxinc = ${box.dlon}\nyfirst = ${box.north}\nyinc = -${box.dlat}\n`,
  );
  const text = run("cdo", ["-s", "outputtab,value", `-${method},${grid}`, file]);
  return Float64Array.from(
    text
      .split("\n")
      .filter((l) => l.trim() && !l.startsWith("#"))
      .map(Number),
  );
}

function ours(
  file: string,
  method: RegridMethod,
  box: { west: number; north: number; dlon: number; dlat: number; ni: number; nj: number },
) {
  const m = firstMessage(file);
  const target = areaGrid({
    type: "latlon",
    north: box.north,
    south: box.north - (box.nj - 1) * box.dlat,
    west: box.west,
    east: box.west + (box.ni - 1) * box.dlon,
    dlat: box.dlat,
    dlon: box.dlon,
  });
  return applyWeights(regridWeights(latticeOf(m.grid), latticeOf(target), method), m.values());
}

function compare(a: Float64Array, b: Float64Array): { max: number; over: number } {
  assert.equal(a.length, b.length);
  let max = 0;
  let over = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > max) max = d;
    if (d > 0.01) over++;
  }
  return { max, over };
}

describe("regridding against CDO", () => {
  const gfs = join(himanDev, "transformer/gfs_source.grib2");
  const box = { west: 4, north: 71, dlon: 0.25, dlat: 0.25, ni: 113, nj: 65 };
  it("bilinear from the global 0.5° grid to a 0.25° Scandinavian box equals cdo remapbil", () => {
    const { max } = compare(ours(gfs, "bilinear", box), cdoRemap("remapbil", gfs, box));
    assert.ok(max < 0.006, `max difference ${max} K`);
  });
  it("nearest neighbour equals cdo remapnn (off the midpoints, where either neighbour is right)", () => {
    const offset = { ...box, west: 4.1, north: 70.9 };
    const { max } = compare(ours(gfs, "nearest", offset), cdoRemap("remapnn", gfs, offset));
    assert.ok(max < 0.006, `max difference ${max} K`);
  });
  it("across the 0° meridian of a global grid", () => {
    const seam = { west: 355, north: 60, dlon: 0.25, dlat: 0.25, ni: 41, nj: 9 };
    const { max } = compare(ours(gfs, "bilinear", seam), cdoRemap("remapbil", gfs, seam));
    assert.ok(max < 0.006, `max difference ${max} K`);
  });
  it("bilinear from the rotated HARMONIE grid to a 0.2° box agrees with cdo remapbil", () => {
    const dir = tempDir("cb-regrid-");
    const t2 = join(dir, "t2.grib");
    run("grib_copy", ["-w", "count=1", join(himanDev, "dewpoint/source.grib"), t2]);
    const rbox = { west: 10, north: 66, dlon: 0.2, dlat: 0.2, ni: 41, nj: 31 };
    const { max, over } = compare(ours(t2, "bilinear", rbox), cdoRemap("remapbil", t2, rbox));
    // CDO interpolates a rotated grid in geographic coordinates, we in the rotated plane: tiny differences.
    assert.ok(max < 0.05 && over < 20, `max difference ${max} K, ${over} points over 0.01 K`);
  });
});
