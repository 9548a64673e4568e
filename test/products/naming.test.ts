// Output file names as himan makes them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { GridDefinition } from "../../src/grib/types.ts";
import { fileName, stepText } from "../../src/products/naming.ts";

const lambert = { gridType: "lambert", Nx: 739, Ny: 949 } as unknown as GridDefinition;
const rotated = { gridType: "rotated_ll", Ni: 720, Nj: 800 } as unknown as GridDefinition;
const analysisTime = new Date("2016-11-18T00:00:00Z");

describe("file names", () => {
  it("deterministic, ensemble control and perturbed members", () => {
    const base = { grid: lambert, edition: 2 as const, analysisTime, geometryName: "x" };
    const key = { param: "FF-MS", levelType: "height" as const, level: 10, step: 6 };
    assert.equal(
      fileName(null, { ...base, key, forecastType: { kind: "pf", member: 9 } }),
      "FF-MS_height_10_lcc_739_949_0_006_3_9.grib2",
    );
    assert.equal(
      fileName(null, { ...base, key, forecastType: { kind: "cf", member: 0 } }),
      "FF-MS_height_10_lcc_739_949_0_006_4_0.grib2",
    );
    assert.equal(
      fileName(null, {
        ...base,
        grid: rotated,
        edition: 1,
        key: { ...key, param: "TD-K", level: 2, step: 24 },
        forecastType: { kind: "det" },
      }),
      "TD-K_height_2_rll_720_800_0_024.grib",
    );
  });
  it("steps with minutes as himan writes them", () => {
    assert.equal(stepText(1.25), "001h15min");
    assert.equal(stepText(0), "000");
    assert.equal(stepText(144), "144");
  });
  it("templates", () => {
    const name = fileName("{analysis_time}/{param}+{step:03}_{geom}.{ext}", {
      key: { param: "T-C", levelType: "pressure", level: 850, step: 12 },
      grid: rotated,
      edition: 2,
      analysisTime,
      geometryName: "scandinavia",
      forecastType: { kind: "det" },
    });
    assert.equal(name, "201611180000/T-C+012_scandinavia.grib2");
  });
});
