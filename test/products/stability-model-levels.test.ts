// himan's stability indices that read model-level columns (option "li": the lifted index of the lowest
// 500 m's mean parcel), on hand-made columns whose means are known exactly, then through the real
// `cloudburst process` on model levels encoded as ECMWF disseminates them (GRIB2 with the L137 pv,
// lnsp on level 1) and pressure levels, with FMI's chain (hybrid_pressure, hybrid_height,
// relative_humidity and dewpoint kept in the cache) and the result read back by ecCodes.
import assert from "node:assert/strict";
import { appendFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import type { FieldKey, LevelType } from "../../src/products/fields.ts";
import { missingAboveColumn, verticalAverage, verticalValue } from "../../src/products/plugins/hitool.ts";
import { plugins } from "../../src/products/plugins/index.ts";
import type { InputField, OutputField, Target } from "../../src/products/plugins/types.ts";
import { encodeFieldValues } from "../../src/sim/ecmwf/encode.ts";
import { globalGrid } from "../../src/sim/ecmwf/fields.ts";
import { l137a, l137b } from "../../src/sim/ecmwf/l137.ts";
import { tempDir } from "../helpers/cli.ts";
import { ecCodesPv } from "./ecmwf-data.ts";
import { gribKeys, gribValues } from "./oracle.ts";
import { processFiles } from "./process-cli.ts";

const at0: Target = {
  levelType: "height",
  level: 0,
  levelIndex: 0,
  step: 6,
  forecastType: { kind: "det" },
  configStep: 1,
  targetProducer: 0,
};

const keyOf = (param: string, levelType: LevelType, level: number) => `${param}/${levelType}/${level}`;

/** Runs stability at height 0 on inputs given by "param/levelType/level"; the first complete input set. */
function stability(
  options: Record<string, unknown>,
  given: Map<string, Float64Array>,
): Map<string, Float64Array> {
  const instance = plugins.get("stability")!.configure({ name: "stability", ...options });
  const has = (k: FieldKey) => given.has(keyOf(k.param, k.levelType, k.level));
  const inputSet = instance.inputs(at0).findIndex((set) => set.every(has));
  assert.ok(inputSet >= 0, "no complete input set");
  const out: OutputField[] = instance.compute({
    target: at0,
    inputSet,
    input(param, step = 6, levelType = "height", level = 0): InputField {
      const values = given.get(keyOf(param, levelType, level));
      assert.ok(values, `${param} ${levelType} ${level} not given`);
      return { key: { param, levelType, level, step }, values, grid: {} as InputField["grid"] };
    },
  });
  return new Map(out.map((o) => [o.param.name, o.values]));
}

const one = (v: number) => Float64Array.of(v);

describe("model-level columns as himan's hitool reads them", () => {
  // Heights (m) of four levels, lowest first, and a profile linear in height: v = 7 + 0.02·z.
  const heights = [10, 120, 400, 900].map(one);
  const linear = heights.map((z) => one(7 + 0.02 * z[0]));

  it("averages a layer from the lowest level up, the trapezoids being exact for a linear profile", () => {
    // The mean of a linear profile over [10, 500] is its value at the middle, 255 m.
    const profile = { heights, values: linear };
    const mean = (lower: number, upper: number) => verticalAverage(profile, { lower, upper })[0];
    assert.ok(Math.abs(mean(0, 500) - (7 + 0.02 * 255)) < 1e-12);
    assert.ok(Math.abs(mean(200, 700) - (7 + 0.02 * 450)) < 1e-12);
    // A column that ends below the layer's top gives no mean.
    const short = verticalAverage(profile, { lower: 0, upper: 1000 });
    assert.ok(Number.isNaN(missingAboveColumn(profile, short, 1000)[0]));
  });

  it("interpolates linearly in height, and takes the lowest level's value within 20 m below it", () => {
    assert.ok(Math.abs(verticalValue({ heights, values: linear }, 650)[0] - (7 + 0.02 * 650)) < 1e-12);
    assert.equal(verticalValue({ heights, values: linear }, 0)[0], linear[0][0]);
    const higher = [30, 120, 400, 900].map(one);
    assert.ok(
      Number.isNaN(verticalValue({ heights: higher, values: linear }, 0)[0]),
      "30 m above the wanted height: missing",
    );
    assert.ok(Number.isNaN(verticalValue({ heights, values: linear }, 1000)[0]));
  });
});

describe("stability li: the lifted index of the lowest 500 m's mean parcel (himan's LI_)", () => {
  // Levels 137..134 at 10, 120, 400 and 900 m; T and P linear in height, so their means over
  // [10 m, 500 m] are their values at 255 m.
  const levels = [137, 136, 135, 134];
  const z = [10, 120, 400, 900];
  const tAt = (h: number) => 300 - 0.008 * h;
  const pAt = (h: number) => 1000 - 0.11 * h; // hPa
  const given = new Map<string, Float64Array>([
    [keyOf("T-K", "pressure", 850), one(290)],
    [keyOf("T-K", "pressure", 700), one(280)],
    [keyOf("T-K", "pressure", 500), one(262)],
    [keyOf("TD-K", "pressure", 850), one(285)],
    [keyOf("TD-K", "pressure", 700), one(270)],
  ]);
  levels.forEach((level, k) => {
    given.set(keyOf("HL-M", "hybrid", level), one(z[k]));
    given.set(keyOf("T-K", "hybrid", level), one(tAt(z[k])));
    given.set(keyOf("P-HPA", "hybrid", level), one(pAt(z[k])));
  });
  const options = { li: "true", highest_level: "134" };
  // The mean parcel (unsaturated) is lifted dry: Poisson with himan's exponent 0.286.
  const expected = 262 - tAt(255) * (500 / pAt(255)) ** 0.286;

  it("is T500 minus the mean parcel lifted dry to 500 hPa, with the Showalter index beside it", () => {
    const withTd = new Map(given);
    for (const [k, level] of levels.entries()) withTd.set(keyOf("TD-K", "hybrid", level), one(tAt(z[k]) - 8));
    const out = stability(options, withTd);
    assert.deepEqual([...out.keys()], ["KINDEX-N", "CTI-N", "VTI-N", "TTI-N", "SI-N", "LI-N"]);
    assert.ok(
      Math.abs(out.get("LI-N")![0] - expected) < 1e-9,
      `LI ${out.get("LI-N")![0]}, expected ${expected}`,
    );
    assert.ok(Math.abs(out.get("SI-N")![0] - (262 - 290 * (500 / 850) ** 0.286)) < 1e-9);
  });

  it("takes the dew point of the mean T and RH when the levels carry RH-PRCNT instead of TD-K", () => {
    const withRh = new Map(given);
    for (const level of levels) withRh.set(keyOf("RH-PRCNT", "hybrid", level), one(60));
    assert.ok(Math.abs(stability(options, withRh).get("LI-N")![0] - expected) < 1e-9);
  });

  it("is missing where the levels read do not reach 500 m", () => {
    const low = new Map(given);
    low.set(keyOf("HL-M", "hybrid", 134), one(450));
    for (const level of levels) low.set(keyOf("TD-K", "hybrid", level), one(270));
    assert.ok(Number.isNaN(stability(options, low).get("LI-N")![0]));
  });

  it("refuses a highest level below the lowest", () => {
    assert.throws(
      () => plugins.get("stability")!.configure({ name: "stability", li: "true", highest_level: "137" }),
      /stability: highest_level \(137\) must be above the lowest level \(137\)/,
    );
    assert.throws(
      () =>
        plugins.get("stability")!.configure({ name: "stability", srh: "true", highest_wind_level: "140" }),
      /stability: highest_wind_level \(140\) must be above the lowest level \(137\)/,
    );
  });
});

describe("stability bs: bulk shear from the ground to 1 and 6 km, in knots (himan's BulkShear_)", () => {
  const knots = 1.943844492;
  const levels = [137, 136, 135, 134, 133, 132, 131];
  const base = new Map<string, Float64Array>([
    [keyOf("T-K", "pressure", 850), one(290)],
    [keyOf("T-K", "pressure", 700), one(280)],
    [keyOf("T-K", "pressure", 500), one(262)],
    [keyOf("TD-K", "pressure", 850), one(285)],
    [keyOf("TD-K", "pressure", 700), one(270)],
  ]);
  /** Winds linear in height, u = 2 + 0.003·z and v = −1 + 0.004·z: a shear of 0.005 s⁻¹ throughout. */
  function columns(heights: number[]): Map<string, Float64Array> {
    const given = new Map(base);
    levels.forEach((level, k) => {
      given.set(keyOf("HL-M", "hybrid", level), one(heights[k]));
      given.set(keyOf("U-MS", "hybrid", level), one(2 + 0.003 * heights[k]));
      given.set(keyOf("V-MS", "hybrid", level), one(-1 + 0.004 * heights[k]));
    });
    return given;
  }
  const options = { bs: "true", highest_wind_level: "131" };

  it("is the shear times the depth from the lowest level (the ground's wind within 20 m) to 1 and 6 km", () => {
    const out = stability(options, columns([10, 400, 800, 1500, 3000, 5000, 7000]));
    assert.deepEqual([...out.keys()], ["KINDEX-N", "CTI-N", "VTI-N", "TTI-N", "WSH-1-KT", "WSH-KT"]);
    assert.ok(Math.abs(out.get("WSH-1-KT")![0] - 0.005 * 990 * knots) < 1e-9, `${out.get("WSH-1-KT")![0]}`);
    assert.ok(Math.abs(out.get("WSH-KT")![0] - 0.005 * 5990 * knots) < 1e-9, `${out.get("WSH-KT")![0]}`);
  });

  it("is missing where the lowest level is 20 m or more above the ground, or the levels end below 6 km", () => {
    const high = stability(options, columns([25, 400, 800, 1500, 3000, 5000, 7000]));
    assert.ok(Number.isNaN(high.get("WSH-1-KT")![0]) && Number.isNaN(high.get("WSH-KT")![0]));
    const short = stability(options, columns([10, 400, 800, 1500, 3000, 4000, 5500]));
    assert.ok(Math.abs(short.get("WSH-1-KT")![0] - 0.005 * 990 * knots) < 1e-9);
    assert.ok(Number.isNaN(short.get("WSH-KT")![0]));
  });
});

describe("stability srh: storm-relative helicity about Bunkers' right-moving storm motion (newer himan)", () => {
  const levels = [137, 136, 135, 134, 133, 132, 131];
  const z = [10, 500, 1000, 2000, 3000, 4500, 6500];
  const s = 0.01;
  const t = 0.005;
  /** A veering hodograph: u grows by s per metre up to 1 km, then v by t per metre from 1 to 3 km. */
  const uAt = (h: number) => s * Math.min(h, 1000);
  const vAt = (h: number) => t * Math.min(Math.max(h - 1000, 0), 2000);
  const given = new Map<string, Float64Array>([
    [keyOf("T-K", "pressure", 850), one(290)],
    [keyOf("T-K", "pressure", 700), one(280)],
    [keyOf("T-K", "pressure", 500), one(262)],
    [keyOf("TD-K", "pressure", 850), one(285)],
    [keyOf("TD-K", "pressure", 700), one(270)],
  ]);
  levels.forEach((level, k) => {
    given.set(keyOf("HL-M", "hybrid", level), one(z[k]));
    given.set(keyOf("U-MS", "hybrid", level), one(uAt(z[k])));
    given.set(keyOf("V-MS", "hybrid", level), one(vAt(z[k])));
  });

  it("sums the storm-relative winds' cross products layer by layer from the lowest level to 1 and 3 km", () => {
    const out = stability({ srh: "true", highest_wind_level: "131" }, given);
    assert.deepEqual([...out.keys()], ["KINDEX-N", "CTI-N", "VTI-N", "TTI-N", "HLCY-1-M2S2", "HLCY-M2S2"]);
    // Storm motion: the 10 m–6 km means of the piecewise-linear profile, integrated by hand, and 7.5 m/s
    // to the right of the 10 m–6 km shear (990·s, 2000·t).
    const uMean = (s * (1000 ** 2 - 10 ** 2)) / 2 / 5990 + (s * 1000 * 5000) / 5990;
    const vMean = (t * 2000 ** 2) / 2 / 5990 + (t * 2000 * 3000) / 5990;
    const shear = Math.hypot(990 * s, 2000 * t);
    const cx = uMean + ((2000 * t) / shear) * 7.5;
    const cy = vMean - ((990 * s) / shear) * 7.5;
    // Along a straight stretch of the hodograph from w₀ with shear S over a depth d, the helicity is
    // d·(S × (w₀ − c)): here S = (s, 0) from (10·s, 0) over 990 m, then S = (0, t) from (1000·s, 0) over 2 km.
    const srh01 = 990 * (s * (0 - cy) - 0 * (10 * s - cx));
    const srh03 = srh01 + 2000 * (0 * (0 - cy) - t * (1000 * s - cx));
    assert.ok(
      Math.abs(out.get("HLCY-1-M2S2")![0] - srh01) < 1e-9,
      `SRH01 ${out.get("HLCY-1-M2S2")![0]}, expected ${srh01}`,
    );
    assert.ok(
      Math.abs(out.get("HLCY-M2S2")![0] - srh03) < 1e-9,
      `SRH03 ${out.get("HLCY-M2S2")![0]}, expected ${srh03}`,
    );
    // The storm moves left of the lowest kilometre's hodograph (negative) and right of the veering above.
    assert.ok(srh01 < -10 && srh03 > 10, `${srh01} ${srh03}`);
  });

  it("is missing where the column ends below 6 km (no storm motion)", () => {
    const short = new Map(given);
    short.set(keyOf("HL-M", "hybrid", 131), one(5500));
    const out = stability({ srh: "true", highest_wind_level: "131" }, short);
    assert.ok(Number.isNaN(out.get("HLCY-1-M2S2")![0]) && Number.isNaN(out.get("HLCY-M2S2")![0]));
  });
});

describe("stability li, bs and srh on ECMWF's model levels through FMI's chain", () => {
  const grid = globalGrid(10); // 36 × 19 points
  const base = new Date("2026-11-24T00:00:00Z");
  const step = 6;
  const dir = tempDir("cb-stab-ml-");
  const lnspFile = join(dir, "lnsp.grib2");
  const modelLevels = join(dir, "ml.grib2");
  const pressureLevels = join(dir, "pl.grib2");
  const points = grid.ni * grid.nj;
  const col = (i: number) => i % grid.ni;
  const row = (i: number) => Math.floor(i / grid.ni);
  /** Isothermal lowest levels, T0 by column; 500 hPa temperature and surface pressure by row. */
  const t0 = Float64Array.from({ length: points }, (_, i) => 262 + 1.1 * col(i));
  const t500 = Float64Array.from({ length: points }, (_, i) => 248 + 0.6 * row(i));
  const ps = Float64Array.from({ length: points }, (_, i) => 96000 + 400 * row(i));
  /** Winds linear in height above ground: a constant shear (s⁻¹) by column and by row. */
  const shearU = Float64Array.from({ length: points }, (_, i) => 0.001 + 0.0001 * col(i));
  const shearV = Float64Array.from({ length: points }, (_, i) => -0.002 + 0.0002 * row(i));
  /** Height above ground of a model level in isothermal air, with himan's hypsometric constant 2·14.628. */
  const isothermalHeight = (level: number, surface: number, t: number) =>
    2 *
    14.628 *
    t *
    Math.log(surface / ((l137a[level - 1] + l137a[level] + (l137b[level - 1] + l137b[level]) * surface) / 2));

  before(() => {
    const encode =
      (
        shortName: "t" | "q" | "r" | "u" | "v" | "lnsp",
        levelKind: "hybrid" | "isobaricInhPa",
        level: number,
      ) =>
      (values: Float64Array) =>
        encodeFieldValues({ shortName, levelKind, level }, grid, base, step, values);
    writeFileSync(lnspFile, encode("lnsp", "hybrid", 1)(ps.map(Math.log)));
    for (let level = 137; level >= 74; level--) {
      appendFileSync(modelLevels, encode("t", "hybrid", level)(t0));
      if (level >= 114)
        appendFileSync(modelLevels, encode("q", "hybrid", level)(new Float64Array(points).fill(0.004)));
      const z = Float64Array.from({ length: points }, (_, i) => isothermalHeight(level, ps[i], t0[i]));
      appendFileSync(modelLevels, encode("u", "hybrid", level)(z.map((h, i) => 3 + shearU[i] * h)));
      appendFileSync(modelLevels, encode("v", "hybrid", level)(z.map((h, i) => -2 + shearV[i] * h)));
    }
    appendFileSync(pressureLevels, encode("t", "isobaricInhPa", 850)(t0.map((t) => t - 4)));
    appendFileSync(pressureLevels, encode("t", "isobaricInhPa", 700)(t0.map((t) => t - 12)));
    appendFileSync(pressureLevels, encode("t", "isobaricInhPa", 500)(t500));
    appendFileSync(pressureLevels, encode("r", "isobaricInhPa", 850)(new Float64Array(points).fill(70)));
    appendFileSync(pressureLevels, encode("r", "isobaricInhPa", 700)(new Float64Array(points).fill(50)));
  });

  it("LI-N is T500 minus the 0–500 m mean parcel (isothermal: its T0, the mean of p(z)) lifted dry", async () => {
    const cached = (leveltype: string, levels: string, name: string) => ({
      leveltype,
      levels,
      file_write: "cache only",
      plugins: [{ name }],
    });
    const himan = {
      source_producer: "131",
      target_producer: "240",
      hours: String(step),
      file_write: "multiple",
      origintime: "2026-11-24 00:00:00",
      processqueue: [
        cached("pressure", "850,700", "dewpoint"),
        cached("hybrid", "114-137", "hybrid_pressure"),
        cached("hybrid", "114-137", "hybrid_height"),
        cached("hybrid", "114-137", "relative_humidity"),
        cached("hybrid", "114-137", "dewpoint"),
        { leveltype: "height", levels: "0", plugins: [{ name: "stability", li: "true" }] },
      ],
    };
    const config = join(dir, "stability_li_ec.json");
    writeFileSync(config, JSON.stringify(himan, null, 2));
    const out = tempDir("cb-stab-ml-out-");
    const result = await processFiles(config, out, [lnspFile, modelLevels, pressureLevels], "grib");
    assert.equal(result.code, 0, result.stderr);
    const file = join(out, "LI-N_height_0_ll_36_19_0_006.grib");
    assert.ok(readdirSync(out).includes("LI-N_height_0_ll_36_19_0_006.grib"), readdirSync(out).join(" "));
    assert.deepEqual(gribKeys(file, ["table2Version", "indicatorOfParameter"]), {
      table2Version: "203",
      indicatorOfParameter: "169",
    });

    // Expected from ecCodes' decoding: the lowest level's height and pressure p137 = a + b·ps, and
    // p(z) = ps·exp(−z/H) in isothermal air with himan's hypsometric constant H = 2·14.628·T0.
    const pv = ecCodesPv(lnspFile);
    const half = pv.length / 2;
    const psDecoded = gribValues(lnspFile).map(Math.exp);
    const [tDecoded, t500Decoded] = [gribValues(modelLevels, 1), gribValues(pressureLevels, 3)];
    const li = gribValues(file);
    assert.equal(li.length, points);
    for (let i = 0; i < points; i++) {
      const p137 = (pv[136] + pv[137] + (pv[half + 136] + pv[half + 137]) * psDecoded[i]) / 2;
      const h = 2 * 14.628 * tDecoded[i];
      const z0 = h * Math.log(psDecoded[i] / p137);
      const pMean = (psDecoded[i] * h * (Math.exp(-z0 / h) - Math.exp(-500 / h))) / (500 - z0);
      const expected = t500Decoded[i] - tDecoded[i] * (50000 / pMean) ** 0.286;
      assert.ok(Math.abs(li[i] - expected) < 0.02, `point ${i}: LI ${li[i]}, expected ${expected}`);
    }
    assert.ok(new Set(li.map((v) => Math.round(v))).size > 10, "LI varies over the grid");
  });
  it("WSH-1-KT, WSH-KT, HLCY-1-M2S2 and HLCY-M2S2 on winds linear in height: the shear times the depth", async () => {
    const himan = {
      source_producer: "131",
      target_producer: "240",
      hours: String(step),
      file_write: "multiple",
      origintime: "2026-11-24 00:00:00",
      processqueue: [
        {
          leveltype: "pressure",
          levels: "850,700",
          file_write: "cache only",
          plugins: [{ name: "dewpoint" }],
        },
        {
          leveltype: "hybrid",
          levels: "74-137",
          file_write: "cache only",
          plugins: [{ name: "hybrid_height" }],
        },
        { leveltype: "height", levels: "0", plugins: [{ name: "stability", bs: "true", srh: "true" }] },
      ],
    };
    const config = join(dir, "stability_bs_ec.json");
    writeFileSync(config, JSON.stringify(himan, null, 2));
    const out = tempDir("cb-stab-ml-out-");
    const result = await processFiles(config, out, [lnspFile, modelLevels, pressureLevels], "grib");
    assert.equal(result.code, 0, result.stderr);
    const file = (name: string) => join(out, `${name}_height_0_ll_36_19_0_006.grib`);
    assert.deepEqual(gribKeys(file("WSH-KT"), ["table2Version", "indicatorOfParameter"]), {
      table2Version: "203",
      indicatorOfParameter: "145",
    });
    const code = (name: string) => gribKeys(file(name), ["indicatorOfParameter"]).indicatorOfParameter;
    assert.deepEqual(["WSH-1-KT", "HLCY-M2S2", "HLCY-1-M2S2"].map(code), ["146", "147", "148"]);

    // The ground's wind is the lowest level's (about 10 m up, within himan's 20 m), whose height in
    // isothermal air follows from ecCodes' decoding of lnsp, the pv and T.
    const pv = ecCodesPv(lnspFile);
    const half = pv.length / 2;
    const psDecoded = gribValues(lnspFile).map(Math.exp);
    const tDecoded = gribValues(modelLevels, 1);
    const [bs01, bs06, srh01, srh03] = ["WSH-1-KT", "WSH-KT", "HLCY-1-M2S2", "HLCY-M2S2"].map((n) =>
      gribValues(file(n)),
    );
    for (let i = 0; i < points; i++) {
      const p137 = (pv[136] + pv[137] + (pv[half + 136] + pv[half + 137]) * psDecoded[i]) / 2;
      const z0 = 2 * 14.628 * tDecoded[i] * Math.log(psDecoded[i] / p137);
      assert.ok(z0 > 5 && z0 < 20, `point ${i}: lowest level at ${z0} m`);
      const shear = Math.hypot(shearU[i], shearV[i]) * 1.943844492;
      assert.ok(
        Math.abs(bs01[i] - shear * (1000 - z0)) < 0.02,
        `point ${i}: BS01 ${bs01[i]}, expected ${shear * (1000 - z0)}`,
      );
      assert.ok(
        Math.abs(bs06[i] - shear * (6000 - z0)) < 0.05,
        `point ${i}: BS06 ${bs06[i]}, expected ${shear * (6000 - z0)}`,
      );
      // A straight hodograph: the helicity is the shear's magnitude times the storm motion's 7.5 m/s to
      // its right times the depth from the lowest level.
      const helicity = (top: number) => 7.5 * Math.hypot(shearU[i], shearV[i]) * (top - z0);
      assert.ok(
        Math.abs(srh01[i] - helicity(1000)) < 0.05,
        `point ${i}: SRH01 ${srh01[i]}, expected ${helicity(1000)}`,
      );
      assert.ok(
        Math.abs(srh03[i] - helicity(3000)) < 0.1,
        `point ${i}: SRH03 ${srh03[i]}, expected ${helicity(3000)}`,
      );
    }
  });
  it("is skipped, naming the model-level fields that are missing, when the chain does not make them", async () => {
    const himan = {
      source_producer: "131",
      target_producer: "240",
      hours: String(step),
      origintime: "2026-11-24 00:00:00",
      processqueue: [
        {
          leveltype: "pressure",
          levels: "850,700",
          file_write: "cache only",
          plugins: [{ name: "dewpoint" }],
        },
        { leveltype: "height", levels: "0", plugins: [{ name: "stability", li: "true" }] },
      ],
    };
    const config = join(dir, "stability_li_alone.json");
    writeFileSync(config, JSON.stringify(himan));
    const out = tempDir("cb-stab-ml-out-");
    const result = await processFiles(config, out, [lnspFile, modelLevels, pressureLevels]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /stability height 0 step 6: skipped, missing HL-M hybrid 137 step 6h, P-HPA hybrid 137 step 6h/,
    );
  });
});
