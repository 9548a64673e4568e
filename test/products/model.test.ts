// The naming of source fields (ECMWF's codes as himan reads them), one surface for ground and height 0,
// and the processqueue's chaining in job planning: pure functions, no files.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseProductConfig } from "../../src/products/config/index.ts";
import { type FieldKey, keyId } from "../../src/products/fields.ts";
import { isJobReady, jobCandidateInputs, jobInputs } from "../../src/products/jobs.ts";
import { catalogueFieldKey, type SourceCodes, sourceField } from "../../src/products/source-params.ts";

const grib1 = (table: number, number: number, typeOfLevel: string, level = 0): SourceCodes => ({
  edition: 1,
  centreCode: 98,
  paramId: table === 128 ? number : table * 1000 + number,
  typeOfLevel,
  level,
  table2Version: table,
  indicatorOfParameter: number,
});

describe("ECMWF's parameters and levels as himan reads them", () => {
  it("reads surface-coded 2t, 2d, 10u, 10v, 100u and 10fg at their heights", () => {
    const at = (codes: SourceCodes) => {
      const f = sourceField(codes);
      return f && `${f.param} ${f.levelType} ${f.level}`;
    };
    assert.equal(at(grib1(128, 167, "surface")), "T-K height 2");
    assert.equal(at(grib1(128, 168, "surface")), "TD-K height 2");
    assert.equal(at(grib1(128, 165, "surface")), "U-MS height 10");
    assert.equal(at(grib1(128, 166, "surface")), "V-MS height 10");
    assert.equal(at(grib1(228, 246, "surface")), "U-MS height 100");
    assert.equal(at(grib1(128, 49, "surface")), "FFG-MS height 10");
    assert.equal(at(grib1(128, 151, "surface")), "P-PA meansea 0");
    assert.equal(at(grib1(128, 134, "surface")), "PGR-PA ground 0");
    assert.equal(at(grib1(128, 139, "depthBelowLandLayer")), "TG-K ground_depth 0");
    assert.equal(at(grib1(128, 130, "isobaricInhPa", 850)), "T-K pressure 850");
    assert.equal(at(grib1(128, 130, "hybrid", 137)), "T-K hybrid 137");
    assert.equal(at(grib1(128, 152, "hybrid", 1)), "LNSP-N hybrid 1");
  });

  it("reads precipitation in metres of water as kg m-2, in GRIB1 and in ECMWF's local GRIB2 code", () => {
    assert.deepEqual(sourceField(grib1(128, 228, "surface")), {
      param: "RR-KGM2",
      levelType: "ground",
      level: 0,
      scale: 1000,
    });
    const localGrib2: SourceCodes = {
      edition: 2,
      centreCode: 98,
      paramId: 228,
      typeOfLevel: "surface",
      level: 0,
      discipline: 0,
      parameterCategory: 1,
      parameterNumber: 193,
    };
    assert.equal(sourceField(localGrib2)?.scale, 1000);
    // WMO's own total precipitation (kg m-2) is read as it is.
    assert.equal(
      sourceField({ ...localGrib2, centreCode: 86, parameterNumber: 8, paramId: 228228 })?.scale,
      1,
    );
  });

  it("names ECMWF's GRIB2 model levels and 2 m fields by their WMO codes", () => {
    const g2 = (d: number, c: number, n: number, typeOfLevel: string, level: number): SourceCodes => ({
      edition: 2,
      centreCode: 98,
      paramId: 0,
      typeOfLevel,
      level,
      discipline: d,
      parameterCategory: c,
      parameterNumber: n,
    });
    assert.equal(sourceField(g2(0, 3, 25, "hybrid", 1))?.param, "LNSP-N");
    assert.deepEqual(sourceField(g2(0, 0, 0, "heightAboveGround", 2)), {
      param: "T-K",
      levelType: "height",
      level: 2,
      scale: 1,
    });
  });

  it("names HARMONIE's table 253 hydrometeors as mixing ratios on model levels only", () => {
    const h = (n: number, typeOfLevel: string) =>
      sourceField({ ...grib1(253, n, typeOfLevel, 60), centreCode: 86, paramId: 0 })?.param;
    assert.equal(h(184, "hybrid"), "SNOWMR-KGKG");
    assert.equal(h(184, "heightAboveGround"), "SNACC-KGM2");
    assert.equal(h(181, "hybrid"), "RAINMR-KGKG");
    assert.equal(h(201, "hybrid"), "GRAUPMR-KGKG");
  });

  it("names catalogue fields by ECMWF's paramId the same way", () => {
    const row = { paramId: 167, levelType: "surface", level: 0, step: 6, member: null };
    assert.deepEqual(catalogueFieldKey(row), { param: "T-K", levelType: "height", level: 2, step: 6 });
    assert.equal(catalogueFieldKey({ ...row, paramId: 999999 }), null);
  });

  it("takes the ground and height 0 for one surface, and nothing else", () => {
    const key = (levelType: FieldKey["levelType"], level: number): FieldKey => ({
      param: "RR-KGM2",
      levelType,
      level,
      step: 6,
    });
    assert.equal(keyId(key("ground", 0)), keyId(key("height", 0)));
    assert.notEqual(keyId(key("height", 2)), keyId(key("height", 0)));
    assert.notEqual(keyId(key("ground", 0)), keyId(key("meansea", 0)));
  });
});

describe("planning a processqueue whose later plugins read earlier ones' outputs", () => {
  const config = parseProductConfig(
    JSON.stringify({
      source_producer: "131",
      hours: "12",
      processqueue: [
        { leveltype: "pressure", levels: "850", file_write: "cache only", plugins: [{ name: "dewpoint" }] },
        { leveltype: "pressure", levels: "850", plugins: [{ name: "tpot", thetaw: true }] },
      ],
    }),
    "theta_w.json",
  );
  const text = (keys: FieldKey[]) => keys.map((k) => `${k.param} ${k.levelType} ${k.level} ${k.step}`).sort();

  it("waits only for the sources: TD-K is made within the job", () => {
    assert.deepEqual(text(jobInputs(config, new Date(0), 12)), [
      "RH-PRCNT pressure 850 12",
      "T-K pressure 850 12",
    ]);
    assert.ok(!text(jobCandidateInputs(config, new Date(0), 12)).some((k) => k.startsWith("TD-K")));
  });

  it("is ready when the earlier plugin's inputs are, not before", () => {
    const have = (params: string[]) => (k: FieldKey) => params.includes(k.param);
    assert.equal(isJobReady(config, 12, have(["T-K", "RH-PRCNT"])), true);
    assert.equal(isJobReady(config, 12, have(["T-K"])), false);
    assert.equal(config.processqueue[0]?.plugins[0]?.fileWrite, "cache only");
  });
});
