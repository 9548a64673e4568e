// Grid geometry against ecCodes: every point's latitude and longitude on the rotated (HARMONIE), Lambert
// (MEPS) and polar stereographic (IASI) grids of the himan data, and the way back to grid indices.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { decodeMessage, scanBuffer } from "../../src/grib/index.ts";
import { fractionalIndex, latLons, latticeOf, pointIndex } from "../../src/products/projection.ts";
import { gribLatLons, himanDev } from "./oracle.ts";

function lonDiff(a: number, b: number): number {
  const d = Math.abs(a - b) % 360;
  return Math.min(d, 360 - d);
}

for (const [name, file] of [
  ["rotated lat-lon (HARMONIE)", "dewpoint/source.grib"],
  ["Lambert conformal (MEPS)", "windvector/meps_source.grib2"],
  ["polar stereographic (IASI)", "iasi/source.grib"],
  ["regular lat-lon (GEM)", "relative_humidity/source_gem.grib"],
] as const) {
  describe(`${name} geometry`, () => {
    const path = join(himanDev, file);
    const first = scanBuffer(new Uint8Array(readFileSync(path))).next().value;
    assert.ok(first && !(first instanceof Error));
    const message = decodeMessage(first.bytes);
    const lattice = latticeOf(message.grid);
    const ours = latLons(lattice);
    const ref = gribLatLons(path);

    it("puts every point where ecCodes does (within 0.001°, grib_get_data prints 3 decimals)", () => {
      assert.equal(ours.lats.length, ref.lats.length);
      let worst = 0;
      for (let k = 0; k < ref.lats.length; k++) {
        worst = Math.max(
          worst,
          Math.abs(ours.lats[k] - ref.lats[k]),
          lonDiff(ours.lons[k], ref.lons[k]) * Math.cos((ref.lats[k] * Math.PI) / 180),
        );
      }
      assert.ok(worst < 0.0011, `worst difference ${worst}°`);
    });

    it("maps latitude/longitude back to the grid indices", () => {
      for (const [i, j] of [
        [0, 0],
        [lattice.ni - 1, 0],
        [Math.floor(lattice.ni / 3), Math.floor(lattice.nj / 2)],
        [lattice.ni - 1, lattice.nj - 1],
      ]) {
        const k = pointIndex(lattice, i, j);
        const [fi, fj] = fractionalIndex(lattice, ours.lats[k], ours.lons[k]);
        assert.ok(
          Math.abs(fi - i) < 1e-6 && Math.abs(fj - j) < 1e-6,
          `(${i}, ${j}) came back as (${fi}, ${fj})`,
        );
      }
    });
  });
}
