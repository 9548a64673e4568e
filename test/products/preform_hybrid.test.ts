// himan's preform_hybrid: the further hitool searches it uses (first height below a limit, n-th and last
// crossing, crossing count, per-point layers), himan's decision order on hand-set values for each branch,
// and the plugin on hand-made model-level columns, one per class, whose forms are worked out by hand.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  verticalAverage,
  verticalCount,
  verticalHeight,
  verticalHeightGreaterThan,
  verticalHeightLessThan,
} from "../../src/products/plugins/hitool.ts";
import { plugins } from "../../src/products/plugins/index.ts";
import {
  type FormInputs,
  formOf,
  freezingAreaOf,
  meltingHumidity,
  stratusOf,
} from "../../src/products/plugins/preform_hybrid.ts";
import { runPlugin, targetAt } from "./run-plugin.ts";

/** Profiles of several points (heights in m, lowest level first): columns[point][level]. */
const profile = (heights: number[], columns: number[][]) => ({
  heights: heights.map((h) => new Float64Array(columns.length).fill(h)),
  values: heights.map((_, k) => Float64Array.from(columns, (c) => c[k])),
});
const one = (heights: number[], values: number[]) => profile(heights, [values]);
const near = (actual: number, expected: number, what: string) =>
  assert.ok(
    Math.abs(actual - expected) < 1e-9 * Math.max(1, Math.abs(expected)),
    `${what}: ${actual}, expected ${expected}`,
  );

describe("hitool's further searches (himan's modifiers)", () => {
  it("finds the first height below a limit, from the lower edge; not at the first level evaluated", () => {
    const layer = { lower: 100, upper: 2500 };
    // 0.9 at 300 m, 0.1 at 1000 m: 0.5 at 300 + 700 · 0.4/0.8 m
    near(verticalHeightLessThan(one([10, 300, 1000], [0.9, 0.9, 0.1]), layer, 0.5)[0], 650, "crossing");
    // the lower edge (0.3 at 100 m) is already below
    near(verticalHeightLessThan(one([10, 300], [0.1, 0.9]), layer, 0.5)[0], 100, "lower edge");
    // from the lower edge's value (0.9 − 0.8 · 90/290 at 100 m) down to 0.1 at 300 m
    const edge = 0.9 - (0.8 * 90) / 290;
    near(
      verticalHeightLessThan(one([10, 300, 1000], [0.9, 0.1, 0.9]), layer, 0.5)[0],
      100 + ((edge - 0.5) / (edge - 0.1)) * 200,
      "from the edge",
    );
    // himan's first occurrence also takes a crossing upwards (0.1 at 400 m to 0.9 at 1000 m)
    near(verticalHeightLessThan(one([300, 400, 1000], [0.1, 0.1, 0.9]), layer, 0.5)[0], 700, "upwards");
    near(verticalHeightGreaterThan(one([300, 400, 1000], [0.1, 0.1, 0.9]), layer, 0.5)[0], 700, "greater");
    // at the first level evaluated (nothing below it): greater-than takes it, less-than does not
    near(verticalHeightGreaterThan(one([300, 400], [0.9, 0.9]), layer, 0.5)[0], 300, "greater, first level");
    assert.ok(Number.isNaN(verticalHeightLessThan(one([300, 400], [0.1, 0.1]), layer, 0.5)[0]));
  });

  it("takes a layer per point; a missing edge leaves the point out", () => {
    const p = profile(
      [10, 300, 1000],
      [
        [0, 1, 2],
        [0, 1, 2],
        [0, 1, 2],
      ],
    );
    const layers = { lower: Float64Array.of(155, 20, Number.NaN), upper: Float64Array.of(650, 290, 500) };
    const mean = verticalAverage(p, layers);
    // 0.5 at 155 m, 1 at 300 m, 1.5 at 650 m
    near(mean[0], (((0.5 + 1) / 2) * 145 + ((1 + 1.5) / 2) * 350) / 495, "155-650 m");
    near(mean[1], 0.5, "20-290 m, between two levels");
    assert.ok(Number.isNaN(mean[2]));
  });

  it("finds the n-th and the last crossing, and counts them", () => {
    // 0 °C crossed upwards at 150 m, downwards at 1500 m and again upwards at 3500 m
    const heights = [10, 290, 1000, 2000, 3000, 4000];
    const t = one(
      heights,
      [-1, 1, 2, -2, -1, 1].map((c) => c + 273.15),
    );
    const layer = { lower: 0, upper: 10000 };
    near(verticalHeight(t, layer, 273.15, 1)[0], 150, "first");
    near(verticalHeight(t, layer, 273.15, 2)[0], 1500, "second");
    near(verticalHeight(t, layer, 273.15, 3)[0], 3500, "third");
    assert.ok(Number.isNaN(verticalHeight(t, layer, 273.15, 4)[0]));
    near(verticalHeight(t, layer, 273.15, 0)[0], 3500, "last");
    assert.equal(verticalCount(t, layer, 273.15)[0], 3);
    // a level exactly at the value counts on both its sides, as himan's
    const flat = one([10, 300, 1000], [272.15, 273.15, 274.15]);
    assert.equal(verticalCount(flat, layer, 273.15)[0], 2);
    near(verticalHeight(flat, layer, 273.15, 2)[0], 300, "again at the level");
    // only crossings inside the layer: up to the upper edge's value
    assert.equal(verticalCount(t, { lower: 0, upper: 1000 }, 273.15)[0], 1);
    near(verticalHeight(t, { lower: 500, upper: 10000 }, 273.15, 1)[0], 1500, "from 500 m");
  });
});

/** Values under which no branch but snow is taken; each case sets what its branch needs. */
const nothing: FormInputs = {
  rr: 1,
  t2: 1,
  base: Number.NaN,
  top: Number.NaN,
  topTemperature: Number.NaN,
  meanTemperature: Number.NaN,
  upperLayerN: Number.NaN,
  verticalVelocity: Number.NaN,
  zeroLevels: 0,
  plusArea: Number.NaN,
  plusAreaSurface: Number.NaN,
  minusArea: Number.NaN,
  rhAvg: Number.NaN,
  rhMelt: Number.NaN,
  rhAvgUpper: Number.NaN,
  rhMeltUpper: Number.NaN,
};
const stratus = { base: 100, top: 900, upperLayerN: 0.1 };
const freezingStratus = {
  ...stratus,
  rr: 0.2,
  t2: -2,
  verticalVelocity: 10,
  topTemperature: -8,
  meanTemperature: -6,
};
const meltingAloft = {
  zeroLevels: 2,
  plusArea: 150,
  minusArea: -200,
  t2: -1,
  rhAvgUpper: 90,
  rhMeltUpper: 70,
};

describe("himan's order of tests", () => {
  it("freezing drizzle: a thick, lifting stratus above −12 °C, light rate, −10 < T2m ≤ 0, dry above", () => {
    assert.equal(formOf({ ...nothing, ...freezingStratus }), 4);
    assert.equal(formOf({ ...nothing, ...freezingStratus, t2: 0 }), 4);
    // each condition alone breaks it (snow remains without a plus area)
    for (const change of [
      { rr: 0.21 },
      { base: 305 },
      { top: 799 },
      { verticalVelocity: 50 },
      { verticalVelocity: -1 },
      { topTemperature: -12 },
      { meanTemperature: -12 },
      { t2: -10 },
      { t2: 0.1 },
      { upperLayerN: 0.3 },
      { upperLayerN: Number.NaN },
    ])
      assert.equal(formOf({ ...nothing, ...freezingStratus, ...change }), 3, JSON.stringify(change));
    // it comes before freezing rain
    assert.equal(formOf({ ...nothing, ...meltingAloft, ...freezingStratus }), 4);
  });

  it("freezing rain: a warm layer aloft over a cold one at a freezing surface, moist enough to melt", () => {
    assert.equal(formOf({ ...nothing, ...meltingAloft }), 5);
    assert.equal(formOf({ ...nothing, ...meltingAloft, upperLayerN: 0.31 }), 5);
    // the cold surface layer (a minus area) makes snow of the sleet that the plus area would give
    for (const change of [
      { plusArea: 100 },
      { minusArea: -100 },
      { t2: 0.5 },
      { upperLayerN: 0.3 },
      { rhAvgUpper: 70 },
      { rhMeltUpper: Number.NaN },
    ])
      assert.equal(formOf({ ...nothing, ...meltingAloft, ...change }), 3, JSON.stringify(change));
  });

  it("a warm surface layer: rain, drizzle under a stratus, sleet when dry, snow over a cold surface", () => {
    const warm = { zeroLevels: 1, plusArea: 2500, plusAreaSurface: 2500, rhAvg: 90, rhMelt: 60 };
    assert.equal(formOf({ ...nothing, ...warm }), 1);
    assert.equal(formOf({ ...nothing, ...warm, ...stratus, rr: 0.3 }), 0);
    assert.equal(formOf({ ...nothing, ...warm, ...stratus, rr: 0.31 }), 1);
    assert.equal(formOf({ ...nothing, ...warm, ...stratus, rr: 0.3, top: 500 }), 1);
    assert.equal(formOf({ ...nothing, ...warm, rhAvg: 50 }), 2);
    assert.equal(formOf({ ...nothing, ...warm, ...stratus, rr: 0.3, rhAvg: 50 }), 2);
    assert.equal(formOf({ ...nothing, ...warm, rhAvg: 50, plusArea: 2600 }), 1);
    assert.equal(formOf({ ...nothing, ...warm, rhAvg: 50, zeroLevels: 3 }), 1);
    assert.equal(formOf({ ...nothing, ...warm, plusAreaSurface: 49 }), 3);
    assert.equal(formOf({ ...nothing, ...warm, minusArea: -5 }), 3);
  });

  it("a thin warm layer: sleet, snow when dry or over a cold surface; snow below 50 m·°C or none", () => {
    const thin = { zeroLevels: 1, plusArea: 120, plusAreaSurface: 120, rhAvg: 95, rhMelt: 90 };
    assert.equal(formOf({ ...nothing, ...thin }), 2);
    assert.equal(formOf({ ...nothing, ...thin, plusArea: 50, plusAreaSurface: 50 }), 2);
    assert.equal(formOf({ ...nothing, ...thin, plusArea: 200 }), 2);
    assert.equal(formOf({ ...nothing, ...thin, rhAvg: 80 }), 3);
    assert.equal(formOf({ ...nothing, ...thin, minusArea: -1 }), 3);
    assert.equal(formOf({ ...nothing, ...thin, plusArea: 49.9 }), 3);
    assert.equal(formOf(nothing), 3);
  });
});

/** Model-level heights (m) of the hand-made columns, levels 6 (lowest) up to 1. */
const heights = [10, 300, 1000, 2000, 5000, 11000];
const kelvin = (celsius: number[]) => celsius.map((c) => c + 273.15);
/** Hand-made columns: T (°C), RH (%), cloud cover, vertical velocity (mm/s), rate (mm/h), T2m (°C). */
interface Column {
  t: number[];
  rh: number;
  n: number[];
  w: number;
  rr: number;
  t2: number;
}
const clear = [0, 0, 0, 0, 0, 0];
const stratusCloud = [0, 0.9, 0.9, 0, 0, 0];
const columns: Record<string, [Column, number]> = {
  // one crossing at 1475 m, plus area about 6300 m·°C, moist: rain
  rain: [{ t: [10, 7, 3, -3, -23, -53], rh: 95, n: clear, w: 0, rr: 1, t2: 10 }, 1],
  // the same under a stratus 171-1444 m with a weak rate: drizzle
  drizzle: [{ t: [10, 7, 3, -3, -23, -53], rh: 95, n: stratusCloud, w: 0, rr: 0.2, t2: 10 }, 0],
  // crossing at 860 m, plus area about 2450 m·°C in dry air (RH 30 below rhMelt 59): sleet
  "dry rain": [{ t: [5, 4, -1, -3, -23, -53], rh: 30, n: clear, w: 0, rr: 1, t2: 5 }, 2],
  // crossing at 155 m, plus area 77.5 m·°C, moist (RH 95 above rhMelt 92): sleet
  sleet: [{ t: [1, -1, -5, -8, -23, -53], rh: 95, n: clear, w: 0, rr: 1, t2: 1 }, 2],
  // no crossing: snow
  snow: [{ t: [-3, -4, -5, -8, -23, -53], rh: 95, n: clear, w: 0, rr: 1, t2: -3 }, 3],
  // a warm layer 660-1606 m (about 2290 m·°C) over a cold one (about −2160 m·°C), moist: freezing rain
  "freezing rain": [{ t: [-3, -5, 5, -3, -23, -53], rh: 95, n: clear, w: 0, rr: 1, t2: -3 }, 5],
  // the cold stratus 171-1444 m with lift, dry above, light rate: freezing drizzle
  "freezing drizzle": [{ t: [-3, -4, -5, -8, -23, -53], rh: 95, n: stratusCloud, w: 10, rr: 0.1, t2: -2 }, 4],
};

/** The plugin's inputs for the columns, one point each, on model levels 6 up to 1. */
function fieldsOf(list: Column[], velocity = "VV-MMS", scale = 1): Record<string, Float64Array> {
  const fields: Record<string, Float64Array> = {
    "RRR-KGM2 height 0": Float64Array.from(list, (c) => c.rr),
    "T-K height 2": Float64Array.from(list, (c) => c.t2 + 273.15),
  };
  heights.forEach((h, k) => {
    const level = 6 - k;
    fields[`HL-M hybrid ${level}`] = new Float64Array(list.length).fill(h);
    fields[`T-K hybrid ${level}`] = Float64Array.from(list, (c) => c.t[k] + 273.15);
    fields[`RH-PRCNT hybrid ${level}`] = Float64Array.from(list, (c) => c.rh);
    fields[`N-0TO1 hybrid ${level}`] = Float64Array.from(list, (c) => c.n[k]);
    fields[`${velocity} hybrid ${level}`] = Float64Array.from(list, (c) => c.w * scale);
  });
  return fields;
}
const levels = { lowest_level: "6", highest_level: "1" };

describe("preform_hybrid on hand-made model-level columns", () => {
  it("works out the freezing area and the stratus as himan's searches do", () => {
    const t = one(heights, kelvin(columns["freezing rain"][0].t));
    const area = freezingAreaOf(t, one(heights, [95, 95, 95, 95, 95, 95]));
    // 0 °C at 300 + 700 · 5/10 m and 1000 + 1000 · 5/8 m
    const [z1, z2] = [650, 1625];
    const t01 = ((-3 - 5) / 2) * 290 + (-5 / 2) * (z1 - 300);
    near(area.minusArea[0], (z1 * t01) / (z1 - 10), "minus area");
    near(area.plusArea[0], (z2 - z1) * 2.5, "plus area");
    near(area.rhMeltUpper[0], meltingHumidity(2.5), "rhMelt aloft");
    assert.equal(area.zeroLevels[0], 2);
    const st = stratusOf(one(heights, stratusCloud), t, one(heights, [10, 10, 10, 10, 10, 10]));
    near(st.base[0], 10 + (290 * 0.5) / 0.9, "base");
    near(st.top[0], 1000 + (1000 * 0.4) / 0.9, "top");
    near(st.verticalVelocity[0], 10, "lift");
    near(st.topTemperature[0], 273.15 + 5 - (8 * 0.4) / 0.9, "top temperature");
  });

  it("gives each column its class, and POTPRECF-N also where it does not precipitate", () => {
    const names = Object.keys(columns);
    const list = names.map((n) => columns[n][0]);
    const [form] = runPlugin("preform_hybrid", levels, targetAt("height", 0), fieldsOf(list));
    assert.equal(form.param.name, "PRECFORM2-N");
    assert.deepEqual(
      Object.fromEntries(names.map((n, i) => [n, form.values[i]])),
      Object.fromEntries(names.map((n) => [n, columns[n][1]])),
    );
    // vertical velocity in m/s is read times 1000
    const [inMs] = runPlugin("preform_hybrid", levels, targetAt("height", 0), fieldsOf(list, "VV-MS", 0.001));
    assert.deepEqual([...inMs.values], [...form.values]);
    // no precipitation: no PRECFORM2-N, but the potential form with the option
    const dry = list.map((c) => ({ ...c, rr: 0 }));
    const options = { ...levels, potential_precipitation_form: "true" };
    const [none, potential] = runPlugin("preform_hybrid", options, targetAt("height", 0), fieldsOf(dry));
    assert.ok(none.values.every(Number.isNaN));
    assert.equal(potential.param.name, "POTPRECF-N");
    // without a rate the freezing drizzle's light-rate test passes: its form stays 4
    assert.deepEqual([...potential.values], [1, 0, 2, 2, 3, 5, 4]);
  });

  it("gives no form where the levels read end below 10 km, and checks its level options", () => {
    const [form] = runPlugin(
      "preform_hybrid",
      { lowest_level: "6", highest_level: "2" },
      targetAt("height", 0),
      fieldsOf([columns.rain[0]]),
    );
    assert.ok(Number.isNaN(form.values[0]));
    assert.throws(
      () => plugins.get("preform_hybrid")!.configure({ name: "preform_hybrid", highest_level: "140" }),
      /preform_hybrid: highest_level \(140\) must be above the lowest level \(137\)/,
    );
  });
});
