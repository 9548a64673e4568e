// himan's visibility plugin: hitool's vertical searches and the visibility formulas on hand-made cases,
// then through the real `cloudburst process` on ECMWF's fields (GRIB1 table 128 with its local section,
// by CDO and ecCodes: cc on model levels 137-124, 2t, 2d and tp at the surface) with the model levels'
// heights and the precipitation form as himan's own files code them (FMI's table 203: HL-M 3,
// PRECFORM-N 59), in the chain FMI would write (relative_humidity at 2 m and split_sum's rrr kept in the
// cache, then visibility); results read back by ecCodes against the formulas on ecCodes' decoding, the
// fog cloud found on the piecewise-linear cloud profile.
import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import {
  verticalAverage,
  verticalHeightGreaterThan,
  verticalMaximum,
} from "../../src/products/plugins/hitool.ts";
import { plugins } from "../../src/products/plugins/index.ts";
import { visibilityOf } from "../../src/products/plugins/visibility.ts";
import { tempDir } from "../helpers/cli.ts";
import { appendEcmwfGrib1 } from "./ecmwf-data.ts";
import { gribKeys, gribValues } from "./oracle.ts";
import { processFiles } from "./process-cli.ts";
import { runPlugin, targetAt } from "./run-plugin.ts";

/** One point's profile (heights in m, lowest first). */
const column = (heights: number[], values: number[]) => ({
  heights: heights.map((h) => Float64Array.of(h)),
  values: values.map((v) => Float64Array.of(v)),
});
const near = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual}, expected ${expected}`);

describe("hitool's vertical searches (himan's modifiers)", () => {
  it("the maximum below 305 m also takes the first level above it, as himan's", () => {
    near(verticalMaximum(column([10, 300, 400], [0.1, 0.2, 0.9]), { lower: 0, upper: 305 })[0], 0.9, "max");
    near(
      verticalMaximum(column([10, 300, 400, 500], [0.1, 0.2, 0.3, 0.9]), { lower: 0, upper: 305 })[0],
      0.3,
      "max",
    );
  });

  it("averages by the trapezoidal rule from the lowest level inside the layer, edges interpolated", () => {
    // 0-15 m over levels at 10 and 30 m: from 10 m (1) to 15 m (0.75)
    near(verticalAverage(column([10, 30], [1, 0]), { lower: 0, upper: 15 })[0], (1 + 0.75) / 2, "0-15 m");
    // 15-45 m: 0.8 at 15 m, 0.2 at 30 m, 0.08 at 45 m
    const mean = (((0.8 + 0.2) / 2) * 15 + ((0.2 + 0.08) / 2) * 15) / 30;
    near(verticalAverage(column([10, 30, 55], [1, 0.2, 0]), { lower: 15, upper: 45 })[0], mean, "15-45 m");
    // both edges between two levels
    near(
      verticalAverage(column([10, 50], [0, 1]), { lower: 15, upper: 45 })[0],
      (0.125 + 0.875) / 2,
      "inside",
    );
  });

  it("finds the lowest height where the value exceeds the limit", () => {
    const layer = { lower: 0, upper: 305 };
    near(
      verticalHeightGreaterThan(column([10, 30, 55], [0.1, 0.1, 0.95]), layer, 0.55)[0],
      30 + (25 * 0.45) / 0.85,
      "crossing",
    );
    near(
      verticalHeightGreaterThan(column([10, 30], [0.9, 0.1]), layer, 0.55)[0],
      10,
      "the lowest level itself",
    );
    assert.ok(Number.isNaN(verticalHeightGreaterThan(column([10, 30], [0.1, 0.1]), layer, 0.55)[0]));
    // a missing level is passed over: the crossing between its neighbours
    near(
      verticalHeightGreaterThan(column([10, 30, 55], [0.1, Number.NaN, 0.95]), layer, 0.55)[0],
      10 + (45 * 0.45) / 0.85,
      "over a gap",
    );
    // from 25 m: the lower edge (0.825) already exceeds it; or not (0.375), and nothing above does
    const up = { lower: 25, upper: 305 };
    near(verticalHeightGreaterThan(column([10, 30], [0.9, 0.8]), up, 0.55)[0], 25, "lower edge");
    assert.ok(Number.isNaN(verticalHeightGreaterThan(column([10, 30, 55], [0.9, 0.2, 0]), up, 0.55)[0]));
    // beyond 305 m: not found, though the level above exceeds it
    assert.ok(Number.isNaN(verticalHeightGreaterThan(column([10, 290, 335], [0, 0, 0.7]), layer, 0.55)[0]));
  });
});

describe("visibility's formulas", () => {
  it("mist and fog: 700 (101 − RH)^1.25 by the fog cloud's amount and height", () => {
    near(visibilityOf(0, Number.NaN, 0, 100, Number.NaN), 700 * (75 / 10), "saturated, no fog cloud");
    const inFog = 700 * 1 * (75 / 110) * (76 / 304.8) ** 0.25;
    near(visibilityOf(1, 76, 0, 100, Number.NaN), inFog, "fog cloud from 76 m");
    near(visibilityOf(0, Number.NaN, 0, 80, Number.NaN), 40000, "RH 80 %: not mist");
  });

  it("precipitation: by form and rate, made hazier by humidity and low fog cloud; the lower of the two", () => {
    near(visibilityOf(0, Number.NaN, 1, 85, 1), 6000 + 2000, "rain 1 mm/h");
    near(visibilityOf(0, Number.NaN, 0.87, 85, 3), 1400, "snow 0.87 mm/h");
    near(visibilityOf(0, Number.NaN, 0.87, 42.5, 2), 4000, "sleet 0.87 mm/h in dry air: twice as far");
    near(visibilityOf(0, Number.NaN, 0.2, 40, 1), 40000, "light rain in dry air: at most 40 km");
    const drizzle = (500 / 0.25) * (85 / 100) * (Math.log(50) / Math.log(100)) * (76 / 152) ** 0.15;
    const mist = 700 * (75 / 110) * (76 / 304.8) ** 0.25;
    near(visibilityOf(1, 76, 0.25, 100, 0), Math.min(drizzle, mist), "drizzle in fog");
    near(
      visibilityOf(0, Number.NaN, 0.25, 95, 4.7),
      Math.min(500 / 0.25 / (95 / 85), 700 * 6 ** 1.25 * 7.5),
      "code 4.7 is 4",
    );
    assert.ok(Number.isNaN(visibilityOf(0, 100, Number.NaN, 90, 1)));
    assert.ok(Number.isNaN(visibilityOf(0, 100, 1, Number.NaN, 1)));
    near(visibilityOf(0, Number.NaN, 2, 90, Number.NaN), 40000, "no precipitation form: no rain visibility");
  });

  it("refuses a precipitation form himan's visibility does not know, where it precipitates", () => {
    assert.throws(
      () => visibilityOf(0, Number.NaN, 1, 90, 6),
      /precipitation form 6 is not one himan's visibility knows/,
    );
    near(visibilityOf(0, Number.NaN, 0, 99, 6), 700 * 2 ** 1.25 * 7.5, "form 6 without precipitation");
  });

  it("reads the 2 m humidity as a fraction (RH-0TO1) times 100, and the profile over its level options", () => {
    const one = (v: number) => Float64Array.of(v);
    const levels: Record<string, Float64Array> = {};
    [10, 30, 55].forEach((h, k) => {
      levels[`HL-M hybrid ${65 - k}`] = one(h);
      levels[`N-0TO1 hybrid ${65 - k}`] = one([0.1, 0.1, 0.95][k]);
    });
    const surface = { "PRECFORM-N height 0": one(0), "RRR-KGM2 height 0": one(0.25), ...levels };
    const options = { lowest_level: "65", highest_level: "63" };
    // fog cloud 95 % from 30 + 25 · 0.45/0.85 m: drizzle against mist at 95 % humidity
    const expected = visibilityOf(0.95, 30 + (25 * 0.45) / 0.85, 0.25, 95, 0);
    const humidities: Array<Record<string, Float64Array>> = [
      { "RH-PRCNT height 2": one(95) },
      { "RH-0TO1 height 2": one(0.95) },
    ];
    for (const rh of humidities) {
      const [out] = runPlugin("visibility", options, targetAt("height", 0), { ...surface, ...rh });
      assert.equal(out.param.name, "VV2-M");
      near(out.values[0], expected, Object.keys(rh)[0]);
    }
  });

  it("checks its level range options", () => {
    const visibility = plugins.get("visibility")!;
    assert.throws(
      () => visibility.configure({ lowest_level: "120", highest_level: "130" }),
      /highest_level \(130\) must be above the lowest level \(120\)/,
    );
    assert.throws(
      () => visibility.configure({ lowest_level: "x" }),
      /visibility: lowest_level must be a model level number/,
    );
  });
});

const step = 6;
/** Heights (m) of model levels 137 up to 124 (constant over the grid). */
const heights = [10, 30, 55, 80, 105, 135, 170, 205, 245, 290, 335, 385, 440, 500];
/** Cloud cover of levels 137 up to 124 by column group (60° of longitude each). */
const cloudClasses = [
  heights.map(() => 0), // clear
  heights.map((_, k) => [0.9, 0.2][k] ?? 0), // fog on the lowest level only
  heights.map((_, k) => (k >= 2 && k <= 5 ? 0.95 : 0.1)), // stratus 55-135 m
  heights.map((_, k) => (k >= 7 && k <= 9 ? 0.8 : 0.1)), // stratus 205-290 m
  heights.map(() => 1), // cloud down to the ground
  heights.map((_, k) => (k === 10 ? 0.7 : k > 10 ? 1 : 0)), // cloud above 305 m only
];
const grid = "gridtype=lonlat xsize=36 ysize=19 xfirst=0 xinc=10 yfirst=90 yinc=-10";
const group = "int(clon(v)/60)";

/** A CDO expression choosing one of six values by column group. */
const byGroup = (values: number[]) =>
  values.reduceRight(
    (rest, value, g) => (g === values.length - 1 ? `${value}` : `((${group}==${g})?${value}:${rest})`),
    "",
  );

/** Relative humidity (%) from T and TD, Magnus over water as relative_humidity computes it. */
function magnus(t: number, td: number): number {
  const f = (c: number) => (17.27 * c) / (c + 237.3);
  return Math.min(Math.max(Math.exp(f(td - 273.15) - f(t - 273.15)), 0), 1) * 100;
}

/** The profile as a piecewise-linear function of height. */
function profileAt(values: number[], z: number): number {
  for (let k = 1; k < heights.length; k++)
    if (z <= heights[k])
      return (
        values[k - 1] + ((z - heights[k - 1]) / (heights[k] - heights[k - 1])) * (values[k] - values[k - 1])
      );
  return values[values.length - 1];
}

/** Mean from max(lower, lowest level) to upper, by the trapezoidal rule on the levels and edges. */
function meanOver(values: number[], lower: number, upper: number): number {
  const from = Math.max(lower, heights[0]);
  const zs = [from, ...heights.filter((h) => h > from && h < upper), upper];
  let sum = 0;
  for (let j = 1; j < zs.length; j++)
    sum += ((profileAt(values, zs[j - 1]) + profileAt(values, zs[j])) / 2) * (zs[j] - zs[j - 1]);
  return sum / (upper - from);
}

/** Lowest height from max(lower, lowest level) up to 305 m where the profile exceeds 0.55. */
function firstAbove(values: number[], lower: number): number {
  const from = Math.max(lower, heights[0]);
  if (profileAt(values, from) > 0.55) return from;
  const zs = [from, ...heights.filter((h) => h > from)];
  for (let j = 1; j < zs.length; j++) {
    const [a, b] = [profileAt(values, zs[j - 1]), profileAt(values, zs[j])];
    if (a < 0.55 && b > 0.55) {
      const z = zs[j - 1] + ((0.55 - a) / (b - a)) * (zs[j] - zs[j - 1]);
      return z <= 305 ? z : Number.NaN;
    }
  }
  return Number.NaN;
}

/** The formulas of himan's visibility.cpp, written out. */
function expectedVisibility(n: number[], rr: number, rh: number, form: number): number {
  // the maximum runs up to the first level above 305 m (himan's edge rule)
  let amount = Math.max(...n.slice(0, heights.findIndex((h) => h > 305) + 1));
  let height = firstAbove(n, 0);
  if (meanOver(n, 0, 15) > 0.55 && meanOver(n, 15, 45) < 0.55) {
    amount = meanOver(n, 15, 305);
    height = firstAbove(n, 25);
  }
  const stN = amount * 100;
  let rain = 40000;
  if (rr > 0) {
    const base = [
      500 / rr,
      6000 / rr + 2000,
      2000 / (rr + 0.13),
      1400 / (rr + 0.13),
      500 / rr,
      6000 / rr + 2000,
    ][form];
    const haze =
      (85 / rh) *
      (stN >= 50 ? Math.log(50) / Math.log(stN) : 1) *
      (height < 152 ? (height / 152) ** 0.15 : 1);
    rain = Math.min(base * haze, 40000);
  }
  let mist = 40000;
  if (rr < 0.5 && rh > 80) {
    const byHeight = height < 305 ? (height / 304.8) ** 0.25 : 1;
    mist = Math.min(700 * (101 - rh) ** 1.25 * (75 / (stN + 10)) * byHeight, 40000);
  }
  return Math.min(rain, mist);
}

describe("visibility on ECMWF's fields through the processqueue", () => {
  const dir = tempDir("cb-visibility-");
  const surface = join(dir, "sfc.grib");
  const modelLevels = join(dir, "ml.grib");
  const forms = join(dir, "precform.grib");
  before(() => {
    const add = (file: string, f: Parameters<typeof appendEcmwfGrib1>[2]) =>
      appendEcmwfGrib1(dir, file, { grid, ...f });
    heights.forEach((h, k) => {
      const level = 137 - k;
      add(modelLevels, { table: 203, parameter: 3, levelType: 109, level, expr: `${h}+0*clon(v)`, step });
      add(modelLevels, {
        parameter: 248,
        levelType: 109,
        level,
        expr: byGroup(cloudClasses.map((c) => c[k])),
        step,
      });
    });
    // rows: precipitation 0, 0.3, 1.5, 4 mm/h in latitude bands, dew point depressions 0-6 K within them
    const rate = "((clat(v)>=50)?0:((clat(v)>=10)?0.3:((clat(v)>=-30)?1.5:4)))";
    add(surface, { parameter: 167, expr: "283+0*clon(v)", step });
    add(surface, { parameter: 168, expr: "283-1.5*(int((clat(v)+90)/10)-5*int((clat(v)+90)/50))", step });
    add(surface, { parameter: 228, expr: "0.002+0*clon(v)", step: step - 1, accumulated: true, bits: 24 });
    add(surface, { parameter: 228, expr: `0.002+${rate}/1000`, step, accumulated: true, bits: 24 });
    // himan's precipitation forms 0-5 across each column group
    add(forms, { table: 203, parameter: 59, expr: `int(clon(v)/10)-6*${group}`, step });
  });

  const configuration = {
    source_producer: "131",
    target_producer: "240",
    hours: String(step),
    file_write: "multiple",
    origintime: "2026-11-24 00:00:00",
    processqueue: [
      {
        leveltype: "height",
        levels: "2",
        file_write: "cache only",
        plugins: [{ name: "relative_humidity" }],
      },
      {
        leveltype: "height",
        levels: "0",
        file_write: "cache only",
        plugins: [{ name: "split_sum", rrr: "true" }],
      },
      { leveltype: "height", levels: "0", plugins: [{ name: "visibility" }] },
    ],
  };

  it("VV2-M is himan's visibility at every point, coded as WMO's visibility", async () => {
    const config = join(dir, "visibility_ec.json");
    writeFileSync(config, JSON.stringify(configuration));
    const out = tempDir("cb-visibility-out-");
    const result = await processFiles(config, out, [surface, modelLevels, forms], "grib2");
    assert.equal(result.code, 0, result.stderr);
    const name = "VV2-M_height_0_ll_36_19_0_006.grib2";
    assert.deepEqual(readdirSync(out), [name]);
    const file = join(out, name);
    assert.deepEqual(gribKeys(file, ["discipline", "parameterCategory", "parameterNumber", "typeOfLevel"]), {
      discipline: "0",
      parameterCategory: "19",
      parameterNumber: "0",
      typeOfLevel: "heightAboveGround",
    });
    const ours = gribValues(file);
    const [t2, td2, tp5, tp6] = [1, 2, 3, 4].map((m) => gribValues(surface, m));
    const form = gribValues(forms);
    const cloud = heights.map((_, k) => gribValues(modelLevels, 2 * k + 2));
    const seen = new Set<string>();
    for (let i = 0; i < ours.length; i++) {
      const rrr = Math.max(0, (tp6[i] - tp5[i]) * 1000);
      const rr = rrr < 0.01 ? 0 : rrr;
      const n = cloud.map((level) => level[i]);
      const expected = expectedVisibility(n, rr, magnus(t2[i], td2[i]), Math.trunc(form[i]));
      // 16-bit packing of 0-40 km: within a metre
      assert.ok(Math.abs(ours[i] - expected) < 1, `point ${i}: ${ours[i]} m, expected ${expected} m`);
      seen.add(expected === 40000 ? "clear" : rr === 0 ? "mist" : "precipitation");
    }
    assert.deepEqual([...seen].sort(), ["clear", "mist", "precipitation"]);
    assert.ok(new Set(ours).size > 100, `${new Set(ours).size} distinct values`);
  });

  it("is skipped, naming what is missing, without the precipitation form; an unknown form and GRIB1 are refused", async () => {
    const config = join(dir, "visibility_ec.json");
    writeFileSync(config, JSON.stringify(configuration));
    const out = tempDir("cb-visibility-out-");
    const missing = await processFiles(config, out, [surface, modelLevels]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /visibility height 0 step 6: skipped, missing PRECFORM2-N height 0 step 6h/);
    const badForms = appendEcmwfGrib1(dir, join(dir, "graupel.grib"), {
      grid,
      table: 203,
      parameter: 59,
      expr: "6+0*clon(v)",
      step,
    });
    const refused = await processFiles(config, out, [surface, modelLevels, badForms], "grib2");
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /visibility height 0 step 6h, point \d+ of PRECFORM-N: precipitation form 6 is not one himan's visibility knows/,
    );
    const grib1 = await processFiles(config, out, [surface, modelLevels, forms], "grib");
    assert.notEqual(grib1.code, 0);
    assert.match(grib1.stderr, /VV2-M has no GRIB1 code: write GRIB2 \(-t grib2\)/);
  });
});
