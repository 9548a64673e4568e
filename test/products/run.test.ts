// runJob with an in-memory provider: chosen inputs, lineage, skipped tasks, regridding to a target area
// with vector turning first, and identical bytes on a re-run.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeMessage } from "../../src/grib/index.ts";
import type { GridDefinition } from "../../src/grib/types.ts";
import { parseProductConfig } from "../../src/products/config/index.ts";
import { encodeProduct } from "../../src/products/encode.ts";
import type { Field, FieldKey } from "../../src/products/fields.ts";
import { type InputsProvider, runJob } from "../../src/products/run.ts";

const lambert: GridDefinition = {
  gridType: "lambert",
  numberOfDataPoints: 40 * 30,
  scanning: { iScansNegatively: 0, jScansPositively: 1, jPointsAreConsecutive: 0, alternativeRowScanning: 0 },
  shapeOfTheEarth: 6,
  earth: { shape: "sphere", radius: 6371229 },
  uvRelativeToGrid: 1,
  Nx: 40,
  Ny: 30,
  latitudeOfFirstGridPointInDegrees: 55,
  longitudeOfFirstGridPointInDegrees: 0,
  LaDInDegrees: 63,
  LoVInDegrees: 15,
  Latin1InDegrees: 63,
  Latin2InDegrees: 63,
  DxInMetres: 50000,
  DyInMetres: 50000,
  projectionCentreFlag: 0,
  latitudeOfSouthernPoleInDegrees: -90,
  longitudeOfSouthernPoleInDegrees: 0,
};

class Memory implements InputsProvider {
  readonly asked: string[] = [];
  private readonly fields: Field[];
  constructor(fields: Field[]) {
    this.fields = fields;
  }
  async get(key: FieldKey) {
    this.asked.push(`${key.param}@${key.step}`);
    return this.fields.find(
      (f) => f.key.param === key.param && f.key.step === key.step && f.key.level === key.level,
    );
  }
}

const constant = (n: number, v: number) => new Float64Array(n).fill(v);
const cycle = new Date("2026-11-24T00:00:00Z");

describe("runJob", () => {
  it("computes on the source grid, names files as himan and records the inputs used", async () => {
    const config = parseProductConfig(
      JSON.stringify({
        hours: "3",
        processqueue: [{ leveltype: "height", levels: "10", plugins: [{ name: "windvector" }] }],
      }),
      "wind.json",
    );
    const n = lambert.numberOfDataPoints;
    const provider = new Memory([
      {
        key: { param: "U-MS", levelType: "height", level: 10, step: 3 },
        grid: lambert,
        values: constant(n, 3),
        edition: 2,
        centre: 98,
      },
      {
        key: { param: "V-MS", levelType: "height", level: 10, step: 3 },
        grid: lambert,
        values: constant(n, 4),
        edition: 2,
        centre: 98,
      },
    ]);
    const result = await runJob(provider, config, cycle, 3, encodeProduct);
    assert.deepEqual(result.skipped, []);
    assert.deepEqual(
      result.files.map((f) => f.name),
      ["FF-MS_height_10_lcc_40_30_0_003.grib2", "DD-D_height_10_lcc_40_30_0_003.grib2"],
    );
    assert.deepEqual(
      result.files[0].inputs.map((k) => k.param),
      ["U-MS", "V-MS"],
    );
    const ff = decodeMessage(result.files[0].bytes);
    assert.equal(ff.metadata.centreCode, 98);
    assert.equal(ff.grid.uvRelativeToGrid, 0);
    assert.ok(Math.abs(ff.values()[0] - 5) < 1e-3);
    // Grid-relative wind from the south-west turns with the grid: at LoV it is unchanged (225°),
    // west of LoV the grid's north points east of true north, so the direction is smaller.
    const dd = decodeMessage(result.files[1].bytes).values();
    assert.ok(dd[0] < 225 && dd[39] > 225, `${dd[0]} ${dd[39]}`);
    const again = await runJob(provider, config, cycle, 3, encodeProduct);
    assert.deepEqual(
      again.files.map((f) => f.bytes),
      result.files.map((f) => f.bytes),
    );
  });

  it("reports a task whose inputs are missing and still makes the others", async () => {
    const config = parseProductConfig(
      JSON.stringify({
        hours: "3",
        processqueue: [
          { leveltype: "height", levels: "10", plugins: [{ name: "windvector" }] },
          { leveltype: "height", levels: "2", plugins: [{ name: "dewpoint" }] },
        ],
      }),
      "two.json",
    );
    const n = lambert.numberOfDataPoints;
    const provider = new Memory([
      {
        key: { param: "T-K", levelType: "height", level: 2, step: 3 },
        grid: lambert,
        values: constant(n, 280),
        edition: 2,
      },
      {
        key: { param: "RH-PRCNT", levelType: "height", level: 2, step: 3 },
        grid: lambert,
        values: constant(n, 50),
        edition: 2,
      },
    ]);
    const result = await runJob(provider, config, cycle, 3, encodeProduct);
    assert.deepEqual(
      result.files.map((f) => f.name),
      ["TD-K_height_2_lcc_40_30_0_003.grib2"],
    );
    assert.deepEqual(result.skipped, [
      {
        plugin: "windvector",
        levelType: "height",
        level: 10,
        missing: ["U-MS height 10 step 3h", "V-MS height 10 step 3h"],
      },
    ]);
  });

  it("regrids to a target area: vectors turned earth-relative on their grid, then moved", async () => {
    const config = parseProductConfig(
      `
steps: [3]
areas:
  box: { type: latlon, north: 62, south: 58, west: 10, east: 20, dlat: 1, dlon: 1 }
targetArea: box
processqueue:
  - levelType: height
    levels: [10]
    plugins: [{ name: windvector }]
`,
      "box.yaml",
    );
    const n = lambert.numberOfDataPoints;
    // A wind from due south everywhere on the earth, given grid-relative: v' = cos(a), u' = -sin(a) for
    // each point's grid-north azimuth a, so that turning it back gives (u, v) = (0, 1).
    const { gridNorthAzimuths, latticeOf } = await import("../../src/products/projection.ts");
    const az = gridNorthAzimuths(latticeOf(lambert));
    const u = new Float64Array(n);
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const a = (az[i] * Math.PI) / 180;
      u[i] = -Math.sin(a);
      v[i] = Math.cos(a);
    }
    const provider = new Memory([
      {
        key: { param: "U-MS", levelType: "height", level: 10, step: 3 },
        grid: lambert,
        values: u,
        edition: 2,
      },
      {
        key: { param: "V-MS", levelType: "height", level: 10, step: 3 },
        grid: lambert,
        values: v,
        edition: 2,
      },
    ]);
    const result = await runJob(provider, config, cycle, 3, encodeProduct);
    assert.deepEqual(
      result.files.map((f) => f.name),
      ["FF-MS_height_10_ll_11_5_0_003.grib2", "DD-D_height_10_ll_11_5_0_003.grib2"],
    );
    const dd = decodeMessage(result.files[1].bytes).values();
    assert.ok(
      dd.every((d) => d === 180),
      `${[...dd]}`,
    );
  });

  it("a vector component passed through keeps saying it is relative to the grid", async () => {
    const config = parseProductConfig(
      JSON.stringify({
        hours: "3",
        processqueue: [
          {
            leveltype: "height",
            levels: "10",
            plugins: [{ name: "transformer", source_param: "U-MS", scale: 1.94384 }],
          },
        ],
      }),
      "knots.json",
    );
    const n = lambert.numberOfDataPoints;
    const provider = new Memory([
      {
        key: { param: "U-MS", levelType: "height", level: 10, step: 3 },
        grid: lambert,
        values: constant(n, 1),
        edition: 2,
      },
    ]);
    const [file] = (await runJob(provider, config, cycle, 3, encodeProduct)).files;
    const decoded = decodeMessage(file.bytes);
    assert.equal(decoded.grid.uvRelativeToGrid, 1);
    assert.ok(Math.abs(decoded.values()[0] - 1.94384) < 1e-3);
  });
});
