// Coordinates of every grid point against grib_get_data for grids ecCodes can describe (its samples
// and projections set with grib_set), and the Gaussian latitudes against ecCodes'.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  type DecodedMessage,
  decodeFields,
  gaussianLatitudes,
  isGribError,
  pointOrder,
  reorder,
  scanBuffer,
} from "../../src/grib/index.ts";
import { ecCodesData, maxDifference, maxLonDifference, samples, sharedData } from "./read-oracle.ts";

const dir = mkdtempSync(join(tmpdir(), "cb-grib-geometry-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function first(file: string): DecodedMessage {
  const [m] = [...scanBuffer(new Uint8Array(readFileSync(file)))];
  if (!m || isGribError(m)) throw new Error(`${file}: no message`);
  return decodeFields(m.bytes)[0];
}

/** Our coordinates in the order grib_get_data lists them (rows +i, +j for projections). */
function coordinates(f: DecodedMessage): { latitudes: Float64Array; longitudes: Float64Array } {
  const g = f.geometry();
  const order = ["lambert", "polar_stereographic", "mercator"].includes(f.grid.gridType)
    ? pointOrder(f.grid, false)
    : null;
  return { latitudes: reorder(g.latitudes, order), longitudes: reorder(g.longitudes, order) };
}

function assertSameCoordinates(file: string): void {
  const f = first(file);
  const ref = ecCodesData(file);
  const ours = coordinates(f);
  // grib_get_data prints 3 decimals: agree to its rounding
  assert.ok(
    maxDifference(ours.latitudes, ref.latitudes, `${file} latitudes`) <= 0.0005 + 1e-9,
    `${file} latitudes`,
  );
  assert.ok(maxLonDifference(ours.longitudes, ref.longitudes) <= 0.0005 + 1e-9, `${file} longitudes`);
}

function gribSet(input: string, settings: string, name: string): string {
  const out = join(dir, name);
  execFileSync("grib_set", ["-s", settings, input, out]);
  return out;
}

describe("grid coordinates equal grib_get_data's", () => {
  const sampleNames = [
    "regular_gg_sfc_grib2",
    "regular_gg_ml_grib1",
    "reduced_gg_pl_32_grib2",
    "reduced_gg_pl_320_grib1",
    "reduced_ll_sfc_grib1",
    "reduced_ll_sfc_grib2",
    "regular_ll_sfc_grib1",
    "rotated_ll_sfc_grib2",
    "polar_stereographic_sfc_grib1",
    "reduced_rotated_gg_pl_32_grib2",
    "reduced_rotated_gg_sfc_grib1",
  ];
  for (const name of sampleNames) {
    it(`ecCodes sample ${name}`, () => assertSameCoordinates(join(samples, `${name}.tmpl`)));
  }

  it("Lambert conformal on a sphere (MetCoOp) and on the WGS84 ellipsoid", () => {
    const file = join(sharedData, "windvector/meps_result_ff.grib2");
    assertSameCoordinates(file);
    assertSameCoordinates(gribSet(file, "shapeOfTheEarth=5", "lambert_wgs84.grib2"));
    // two standard parallels
    assertSameCoordinates(gribSet(file, "Latin1InDegrees=50,Latin2InDegrees=70", "lambert_secant.grib2"));
  });

  it("polar stereographic, north (the IASI grid) and true at another latitude", () => {
    const file = join(sharedData, "iasi/source.grib");
    assertSameCoordinates(file);
    assertSameCoordinates(
      gribSet(file, "shapeOfTheEarth=6,LaDInDegrees=70,orientationOfTheGridInDegrees=-30", "polar.grib2"),
    );
  });

  it("Mercator", () => {
    const base = gribSet(join(samples, "GRIB2.tmpl"), "gridDefinitionTemplateNumber=10", "mercator0.grib2");
    const file = gribSet(
      base,
      "Ni=16,Nj=31,latitudeOfFirstGridPointInDegrees=-10,longitudeOfFirstGridPointInDegrees=10,LaDInDegrees=20," +
        "latitudeOfLastGridPointInDegrees=30,longitudeOfLastGridPointInDegrees=50,DiInMetres=200000,DjInMetres=200000," +
        "jScansPositively=1,shapeOfTheEarth=6",
      "mercator.grib2",
    );
    assertSameCoordinates(file);
  });

  it("rotated lat/lon with a moved pole (GRIB1 and GRIB2)", () => {
    assertSameCoordinates(join(sharedData, "dewpoint/harmonie_result_height.grib"));
    assertSameCoordinates(
      gribSet(
        join(sharedData, "hybrid_pressure/q_ec.grib2"),
        "latitudeOfSouthernPoleInDegrees=-40,longitudeOfSouthernPoleInDegrees=-10",
        "rot.grib2",
      ),
    );
  });

  it("scanning modes: i negative, j positive", () => {
    const file = join(samples, "regular_ll_sfc_grib1.tmpl");
    assertSameCoordinates(gribSet(file, "iScansNegatively=1", "ineg.grib"));
    assertSameCoordinates(
      gribSet(
        file,
        "jScansPositively=1,latitudeOfFirstGridPointInDegrees=0,latitudeOfLastGridPointInDegrees=60",
        "jpos.grib",
      ),
    );
    assertSameCoordinates(
      gribSet(
        file,
        "iScansNegatively=1,longitudeOfFirstGridPointInDegrees=30,longitudeOfLastGridPointInDegrees=0",
        "ineg2.grib",
      ),
    );
  });
});

describe("Gaussian latitudes", () => {
  it("equal ecCodes' for N=32 and N=320 (every row of a reduced Gaussian grid)", () => {
    for (const [name, n] of [
      ["reduced_gg_pl_32_grib2", 32],
      ["reduced_gg_pl_320_grib2", 320],
    ] as const) {
      const ref = ecCodesData(join(samples, `${name}.tmpl`));
      const rows = [...new Set(ref.latitudes)];
      const ours = gaussianLatitudes(n);
      assert.equal(rows.length, 2 * n);
      for (let i = 0; i < rows.length; i++)
        assert.ok(Math.abs(ours[i] - rows[i]) <= 0.0005 + 1e-9, `${name} row ${i}`);
    }
  });

  it("are symmetric, decreasing, and are the roots of the Legendre polynomial", () => {
    const lats = gaussianLatitudes(80);
    for (let i = 0; i < 80; i++) assert.ok(Math.abs(lats[i] + lats[159 - i]) < 1e-12);
    for (let i = 1; i < 160; i++) assert.ok(lats[i] < lats[i - 1]);
    // P_160(sin lat) = 0
    const x = Math.sin((lats[17] * Math.PI) / 180);
    let p0 = 1;
    let p1 = x;
    for (let k = 2; k <= 160; k++) [p0, p1] = [p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k];
    assert.ok(Math.abs(p1) < 1e-12, `P(x)=${p1}`);
  });
});
