// Reading the synthetic test data that ../shared/tools/make-grib-testdata.sh makes with ecCodes and CDO
// (0.25-degree global fields in every packing, a bitmap field, reduced Gaussian N320 in GRIB1 and GRIB2):
// metadata equals grib_ls -j key by key, and every point's latitude, longitude and value equal
// grib_get_data's.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type DecodedMessage, decodeFields, isGribError } from "../../src/grib/index.ts";
import { getKey } from "../../src/grib/keys.ts";
import { scanBuffer } from "../../src/grib/scan.ts";
import {
  assertKeyEqual,
  ecCodesData,
  ecCodesKeys,
  maxDifference,
  maxLonDifference,
  ORACLE_KEYS,
  sharedTools,
} from "./read-oracle.ts";

let dir = "";

before(() => {
  dir = mkdtempSync(join(tmpdir(), "cb-grib-synthetic-"));
  execFileSync("bash", [join(sharedTools, "make-grib-testdata.sh"), dir], { stdio: "ignore" });
  // The 200-message file is for split/scan benchmarks; the reader tests need one field of each kind.
  rmSync(join(dir, "multi_200_ccsds.grb2"), { force: true });
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function first(file: string): DecodedMessage {
  const bytes = new Uint8Array(readFileSync(file));
  const [m] = [...scanBuffer(bytes)];
  assert.ok(m && !isGribError(m), `${file}: no message`);
  if (isGribError(m)) throw m;
  return decodeFields(m.bytes, { offset: m.offset })[0];
}

/** Values can only be as exact as the packing: half a unit of the last decimal grib_get_data prints. */
function tolerance(values: Float64Array): number {
  let max = 0;
  for (const v of values) if (!Number.isNaN(v)) max = Math.max(max, Math.abs(v));
  return max * 1e-10 + 1e-12;
}

describe("synthetic GRIB (make-grib-testdata.sh) read like ecCodes", () => {
  it("makes the files", () => {
    const names = readdirSync(dir).filter((n) => /\.grb2?$/.test(n));
    assert.ok(names.length >= 12, `only ${names.length} files: ${names.join(" ")}`);
  });

  const files = [
    "t2m_0p25_grid_simple.grb2",
    "t2m_0p25_grid_ccsds.grb2",
    "t2m_0p25_grid_complex_spatial_differencing.grb2",
    "t2m_0p25_grid_jpeg.grb2",
    "t2m_0p25_grid_png.grb2",
    "t2m_0p25_grid_ieee.grb2",
    "t2m_0p25_grib1_simple.grb",
    "sst_bitmap_simple.grb2",
    "sst_bitmap_ccsds.grb2",
    "rgg_n320_simple.grb2",
    "rgg_n320_ccsds.grb2",
    "rgg_n320_grib1.grb",
  ];
  for (const name of files) {
    it(`${name}: metadata, coordinates and values`, () => {
      const file = join(dir, name);
      const field = first(file);
      const [theirs] = ecCodesKeys(file, ORACLE_KEYS);
      for (const key of ORACLE_KEYS) {
        const v = getKey(field.metadata, key);
        assertKeyEqual(
          v === undefined ? "not_found" : v === null ? "MISSING" : v,
          theirs[key],
          `${name} ${key}`,
        );
      }
      const ref = ecCodesData(file);
      const ours = field.values();
      const g = field.geometry();
      assert.ok(maxDifference(ours, ref.values, `${name} values`) <= tolerance(ref.values), `${name} values`);
      assert.ok(
        maxDifference(g.latitudes, ref.latitudes, `${name} latitudes`) <= 0.0005 + 1e-9,
        `${name} latitudes`,
      );
      assert.ok(maxLonDifference(g.longitudes, ref.longitudes) <= 0.0005 + 1e-9, `${name} longitudes`);
      // numberOfMissing as ecCodes counts it once values are decoded
      assert.equal(field.metadata.numberOfMissing, theirs.numberOfMissing);
    });
  }

  it("grid_second_order: metadata like ecCodes; values decode or fail with a typed error", () => {
    const name = "t2m_0p25_grid_second_order.grb2";
    const file = join(dir, name);
    const field = first(file);
    assert.equal(field.metadata.packingType, "grid_second_order");
    try {
      const ours = field.values();
      const ref = ecCodesData(file);
      assert.ok(maxDifference(ours, ref.values, name) <= tolerance(ref.values));
    } catch (e) {
      assert.ok(isGribError(e), `not a GribError: ${e}`);
      assert.equal((e as { code: string }).code, "unsupported");
    }
  });

  it("normalises a north-to-south field to itself and a south-to-north one to north-to-south", () => {
    const field = first(join(dir, "t2m_0p25_grid_simple.grb2"));
    assert.equal(field.metadata.jScansPositively, 0);
    assert.equal(field.values({ normalise: true }), field.values());
    // Flip it: a synthetic copy with jScansPositively=1 made by ecCodes
    const flipped = join(dir, "flipped.grb2");
    execFileSync("grib_set", [
      "-s",
      "jScansPositively=1,latitudeOfFirstGridPointInDegrees=-90,latitudeOfLastGridPointInDegrees=90",
      join(dir, "t2m_0p25_grid_simple.grb2"),
      flipped,
    ]);
    const f2 = first(flipped);
    const g = f2.geometry({ normalise: true });
    assert.equal(g.latitudes[0], 90);
    assert.equal(g.latitudes[g.latitudes.length - 1], -90);
    const raw = f2.values();
    const norm = f2.values({ normalise: true });
    const ni = 1440;
    // the first normalised row is the last stored row
    for (let i = 0; i < ni; i++) assert.equal(norm[i], raw[raw.length - ni + i]);
  });
});
