// himan's preform_hybrid: the further hitool searches it uses (first height below a limit, n-th and last
// crossing, crossing count, per-point layers), himan's decision order on hand-set values for each branch,
// the plugin on hand-made model-level columns, one per class, whose forms are worked out by hand; then
// through the real `cloudburst process` on ECMWF-encoded model levels 137-68 (GRIB2 with the L137 pv: t
// and r as the simulated stream encodes them, cc and w re-coded from them by ecCodes' grib_filter; lnsp,
// 2t and tp), in FMI's chain (hybrid_pressure, hybrid_height and vvms on the levels, split_sum's rrr kept
// in the cache), every point against himan's rules on the profiles from ecCodes' decoding (heights by the
// hypsometric equation, stratus and 0 °C crossings found on the piecewise-linear profiles).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { appendFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
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
import { encodeFieldValues } from "../../src/sim/ecmwf/encode.ts";
import { globalGrid } from "../../src/sim/ecmwf/fields.ts";
import { l137a, l137b } from "../../src/sim/ecmwf/l137.ts";
import { tempDir } from "../helpers/cli.ts";
import { ecCodesPv } from "./ecmwf-data.ts";
import { gribKeys, gribValues } from "./oracle.ts";
import { processFiles } from "./process-cli.ts";
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

const grid = globalGrid(10); // 36 × 19 points
const baseTime = new Date("2026-11-24T00:00:00Z");
const step = 6;
/** The levels read: the plugin's defaults, 137 up to 68. */
const mlLevels = Array.from({ length: 70 }, (_, k) => 137 - k);

/** Height (m) of a level in the standard atmosphere at 1013.25 hPa: where each profile puts its values. */
function standardHeight(level: number): number {
  const p = (l137a[level - 1] + l137a[level] + (l137b[level - 1] + l137b[level]) * 101325) / 2;
  return 44330.8 * (1 - (p / 101325) ** 0.190263);
}

/** Temperature profiles (°C by height in m), one per 60° of longitude. */
const profiles: Array<(z: number) => number> = [
  (z) => 10 - 0.0065 * z, // warm: rain, or drizzle under the stratus
  (z) => 1 - 0.0065 * z, // a thin warm layer: sleet, or snow in dry air
  (z) => -3 - 0.0065 * z, // no crossing: snow
  (z) =>
    // a warm nose at 400-1600 m over freezing air: freezing rain (snow under a stratus, FZDZ when light)
    z <= 400
      ? -4
      : z <= 900
        ? -4 + (9 * (z - 400)) / 500
        : z <= 1600
          ? 5 - (6 * (z - 900)) / 700
          : -1 - 0.0065 * (z - 1600),
  (z) => 5 - 0.0065 * z, // warm but dry (RH 30): sleet
  (z) => (z < 2000 ? -3 - 0.002 * z : -7 - 0.0065 * (z - 2000)), // cold: freezing drizzle under a stratus
];

interface GridPoint {
  t: (z: number) => number;
  rh: number;
  stratus: boolean;
  rate: number;
  ps: number;
}

function gridPoints(): GridPoint[] {
  const out: GridPoint[] = [];
  for (let row = 0; row < grid.nj; row++)
    for (let col = 0; col < grid.ni; col++) {
      const group = col % 6;
      out.push({
        t: profiles[group],
        rh: group === 4 ? 30 : group === 1 && col >= 18 ? 80 : 95,
        stratus: row >= 8,
        rate: [0, 0.1, 0.25, 1][row % 4],
        ps: 100000 + 1500 * Math.cos((col * 10 * Math.PI) / 180),
      });
    }
  return out;
}

/** Every message of a file as ecCodes decodes it, in order (one grib_get_data for the file). */
function decodeAll(file: string): Float64Array[] {
  const text = execFileSync("grib_get_data", ["-m", "9999", "-F", "%.10g", file], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  const messages: number[][] = [];
  for (const line of text.split("\n")) {
    const parts = line.trim().split(/\s+/);
    if (parts.length < 3) continue;
    if (Number.isNaN(Number(parts[2]))) messages.push([]);
    else messages[messages.length - 1].push(Number(parts[2]));
  }
  return messages.map((m) => Float64Array.from(m, (v) => (v === 9999 ? Number.NaN : v)));
}

/** A profile's value at height z, linear between levels (heights ascending). */
function at(z: number[], v: number[], height: number): number {
  for (let k = 1; k < z.length; k++)
    if (height <= z[k]) return v[k - 1] + ((height - z[k - 1]) / (z[k] - z[k - 1])) * (v[k] - v[k - 1]);
  return Number.NaN;
}

/** Mean over [lower, upper] (from the lowest level when lower is below it), trapezoids on levels and edges. */
function mean(z: number[], v: number[], lower: number, upper: number): number {
  const from = Math.max(lower, z[0]);
  const zs = [from, ...z.filter((h) => h > from && h < upper), upper];
  let sum = 0;
  for (let j = 1; j < zs.length; j++)
    sum += ((at(z, v, zs[j - 1]) + at(z, v, zs[j])) / 2) * (zs[j] - zs[j - 1]);
  return sum / (upper - from);
}

/** Heights where the profile crosses `value` (strictly: the data have no level at it), from `from` up to `to`. */
function crossings(z: number[], v: number[], value: number, from: number, to: number): number[] {
  const out: number[] = [];
  for (let k = 1; k < z.length; k++) {
    const [a, b] = [v[k - 1] - value, v[k] - value];
    if (a * b >= 0) continue;
    const h = z[k - 1] + (a / (a - b)) * (z[k] - z[k - 1]);
    if (h >= from && h <= to) out.push(h);
  }
  return out;
}

/** himan's stratus and freezing area, written out on one point's profiles (°C, %, 0..1, mm/s). */
function expectedInputs(z: number[], t: number[], rh: number[], n: number[], w: number[]) {
  const base = crossings(z, n, 0.5, 0, 305)[0] ?? Number.NaN;
  const top = Number.isNaN(base) ? Number.NaN : (crossings(z, n, 0.5, base + 10, 2500)[0] ?? 2500);
  const zl = crossings(z, t, 0, 0, 10000);
  const [z1, z2, z3, z4] = [0, 1, 2, 3].map((j) => zl[j] ?? Number.NaN);
  const t01 = mean(z, t, 0, z1);
  const t12 = mean(z, t, z1, z2);
  const t23 = mean(z, t, z2, z3);
  const odd = zl.length % 2 === 1;
  const aloft = odd && zl.length >= 3 && mean(z, rh, z2, z3) > meltingHumidity(t23);
  const four = zl.length >= 4 ? (z4 - z3) * mean(z, t, z3, z4) : 0;
  return {
    base,
    top,
    topTemperature: at(z, t, top),
    meanTemperature: mean(z, t, base + 10, top - 10),
    upperLayerN: mean(z, n, top + 30, top + 1500),
    verticalVelocity: mean(z, w, base, top),
    zeroLevels: zl.length,
    plusArea: odd ? z1 * t01 + (aloft ? (z3 - z2) * t23 : 0) : (z2 - z1) * t12 + four,
    plusAreaSurface: odd ? z1 * t01 : Number.NaN,
    minusArea: odd ? Number.NaN : z1 * t01,
    rhAvg: odd ? mean(z, rh, 0, z1) : Number.NaN,
    rhMelt: odd ? meltingHumidity(t01) : Number.NaN,
    rhAvgUpper: odd ? (zl.length >= 3 ? mean(z, rh, z2, z3) : Number.NaN) : mean(z, rh, z1, z2),
    rhMeltUpper: odd ? (zl.length >= 3 ? meltingHumidity(t23) : Number.NaN) : meltingHumidity(t12),
  };
}

describe("preform_hybrid on ECMWF's model levels through the processqueue", () => {
  const dir = tempDir("cb-preform-hybrid-");
  const files = ["lnsp", "t", "r", "cc", "w", "sfc"].map((f) => join(dir, `${f}.grib2`));
  const [lnspFile, tFile, rFile, ccFile, wFile, sfcFile] = files;
  const points = gridPoints();
  /** FMI's forms as the GRIB2 run found them (NaN where it does not precipitate), for the GRIB1 run. */
  let fmiForms = new Float64Array(0);

  before(() => {
    const encode = (shortName: "t" | "lnsp" | "2t" | "tp", level: number, values: Float64Array, s = step) =>
      encodeFieldValues(
        { shortName, levelKind: shortName === "2t" || shortName === "tp" ? "surface" : "hybrid", level },
        grid,
        baseTime,
        s,
        values,
      );
    writeFileSync(
      lnspFile,
      encode(
        "lnsp",
        1,
        Float64Array.from(points, (p) => Math.log(p.ps)),
      ),
    );
    // r, cc and w: the t messages re-coded by ecCodes (paramId and values set, level and pv kept)
    const recoded: Array<[string, number, (p: GridPoint, z: number) => number]> = [
      [rFile, 157, (p) => p.rh],
      [ccFile, 248, (p, z) => (p.stratus && z >= 100 && z <= 1300 ? 0.9 : 0)],
      [wFile, 135, () => -0.05], // rising air everywhere (ω −0.05 Pa/s, about 4 mm/s)
    ];
    const rules = recoded.map(() => [] as string[]);
    for (const level of mlLevels) {
      const z = standardHeight(level);
      appendFileSync(
        tFile,
        encode(
          "t",
          level,
          Float64Array.from(points, (p) => p.t(z) + 273.15),
        ),
      );
      recoded.forEach(([file, paramId, value], j) => {
        const values = points.map((p) => value(p, z)).join(",");
        rules[j].push(
          `if (level == ${level}) { set paramId = ${paramId}; set values = {${values}}; write "${file}"; }`,
        );
      });
    }
    rules.forEach((lines, j) => {
      const file = join(dir, `${j}.rules`);
      writeFileSync(file, `${lines.join("\n")}\n`);
      execFileSync("grib_filter", [file, tFile]);
    });
    appendFileSync(
      sfcFile,
      encode(
        "2t",
        0,
        Float64Array.from(points, (p) => p.t(0) + 273.15),
      ),
    );
    const tp5 = Float64Array.from(points, () => 0.002);
    appendFileSync(sfcFile, encode("tp", 0, tp5, step - 1));
    appendFileSync(
      sfcFile,
      encode(
        "tp",
        0,
        tp5.map((v, i) => v + points[i].rate / 1000),
      ),
    );
  });

  const configuration = {
    source_producer: "131",
    target_producer: "240",
    hours: String(step),
    file_write: "multiple",
    origintime: "2026-11-24 00:00:00",
    processqueue: [
      {
        leveltype: "hybrid",
        levels: "68-137",
        file_write: "cache only",
        plugins: [{ name: "hybrid_pressure" }, { name: "hybrid_height" }, { name: "vvms" }],
      },
      {
        leveltype: "height",
        levels: "0",
        file_write: "cache only",
        plugins: [{ name: "split_sum", rrr: "true" }],
      },
      {
        leveltype: "height",
        levels: "0",
        plugins: [{ name: "preform_hybrid", potential_precipitation_form: "true" }],
      },
    ],
  };

  it("PRECFORM2-N and POTPRECF-N are himan's forms at every point, each of the six present", async () => {
    const config = join(dir, "preform_hybrid_ec.json");
    writeFileSync(config, JSON.stringify(configuration));
    const out = tempDir("cb-preform-hybrid-out-");
    const result = await processFiles(config, out, files, "grib2");
    assert.equal(result.code, 0, result.stderr);
    const [potName, formName] = ["POTPRECF-N", "PRECFORM2-N"].map(
      (n) => `${n}_height_0_ll_36_19_0_006.grib2`,
    );
    assert.deepEqual(readdirSync(out).sort(), [potName, formName]);
    const codes = ["discipline", "parameterCategory", "parameterNumber", "typeOfLevel"];
    assert.deepEqual(gribKeys(join(out, formName), codes), {
      discipline: "0",
      parameterCategory: "1",
      parameterNumber: "19",
      typeOfLevel: "heightAboveGround",
    });
    assert.equal(gribKeys(join(out, potName), codes).parameterNumber, "254");
    const forms = gribValues(join(out, formName));
    const potential = gribValues(join(out, potName));

    // the inputs as ecCodes decodes them; heights and pressures as himan's hybrid_height and vvms make them
    const pv = ecCodesPv(lnspFile);
    const half = pv.length / 2;
    const ps = gribValues(lnspFile).map(Math.exp);
    const [t, rh, n, omega] = [tFile, rFile, ccFile, wFile].map(decodeAll);
    const [t2, tp5, tp6] = decodeAll(sfcFile);
    const grib2Form = [11, 1, 7, 5, 12, 3];
    const seen = new Set<number>();
    for (let i = 0; i < forms.length; i++) {
      const p = mlLevels.map(
        (level) => (pv[level - 1] + pv[level] + (pv[half + level - 1] + pv[half + level]) * ps[i]) / 2,
      );
      const z: number[] = [];
      mlLevels.forEach((_, k) => {
        const [below, tBelow] = k === 0 ? [ps[i], t[0][i]] : [p[k - 1], t[k - 1][i]];
        z.push((z[k - 1] ?? 0) + 14.628 * (tBelow + t[k][i]) * Math.log(below / p[k]));
      });
      const column = (fields: Float64Array[], f: (v: number, k: number) => number) =>
        fields.map((field, k) => f(field[i], k));
      const inputs = expectedInputs(
        z,
        column(t, (v) => v - 273.15),
        column(rh, (v) => v),
        column(n, (v) => v),
        column(omega, (v, k) => ((-v * 287 * t[k][i]) / (9.80665 * p[k])) * 1000),
      );
      const rrr = Math.max(0, (tp6[i] - tp5[i]) * 1000);
      const rr = rrr < 0.01 ? 0 : rrr;
      const form = formOf({ ...inputs, rr, t2: t2[i] - 273.15 });
      assert.equal(potential[i], form, `point ${i}: POTPRECF-N ${potential[i]}, expected ${form}`);
      const written = rr === 0 ? Number.NaN : grib2Form[form];
      assert.ok(Object.is(forms[i], written), `point ${i}: PRECFORM2-N ${forms[i]}, expected ${written}`);
      if (rr > 0) seen.add(form);
    }
    assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4, 5]);
    fmiForms = potential.map((f, i) => (Number.isNaN(forms[i]) ? Number.NaN : f));
  });

  it("is FMI's table 203 code 255 in GRIB1, forms as they are; POTPRECF-N, without a GRIB1 code, is refused", async () => {
    const queue = configuration.processqueue.map((item, j) =>
      j === 2 ? { ...item, plugins: [{ name: "preform_hybrid" }] } : item,
    );
    const config = join(dir, "preform_hybrid_grib1.json");
    writeFileSync(config, JSON.stringify({ ...configuration, processqueue: queue }));
    const out = tempDir("cb-preform-hybrid-out-");
    const result = await processFiles(config, out, files, "grib");
    assert.equal(result.code, 0, result.stderr);
    const file = join(out, "PRECFORM2-N_height_0_ll_36_19_0_006.grib");
    assert.deepEqual(readdirSync(out), ["PRECFORM2-N_height_0_ll_36_19_0_006.grib"]);
    assert.deepEqual(gribKeys(file, ["table2Version", "indicatorOfParameter"]), {
      table2Version: "203",
      indicatorOfParameter: "255",
    });
    const ours = gribValues(file);
    assert.equal(fmiForms.length, ours.length);
    for (let i = 0; i < ours.length; i++)
      assert.ok(Object.is(ours[i], fmiForms[i]), `point ${i}: ${ours[i]}, expected ${fmiForms[i]}`);
    const withPotential = join(dir, "preform_hybrid_ec.json");
    writeFileSync(withPotential, JSON.stringify(configuration));
    const refused = await processFiles(withPotential, out, files, "grib");
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /POTPRECF-N has no GRIB1 code: write GRIB2 \(-t grib2\)/);
  });

  it("is skipped, naming what is missing, without the model levels' heights", async () => {
    const queue = configuration.processqueue.map((item, j) =>
      j === 0 ? { ...item, plugins: [{ name: "hybrid_pressure" }, { name: "vvms" }] } : item,
    );
    const config = join(dir, "preform_hybrid_noheight.json");
    writeFileSync(config, JSON.stringify({ ...configuration, processqueue: queue }));
    const out = tempDir("cb-preform-hybrid-out-");
    const result = await processFiles(config, out, files, "grib2");
    assert.equal(result.code, 1);
    assert.match(result.stderr, /preform_hybrid height 0 step 6: skipped, missing .*HL-M hybrid 137 step 6h/);
  });
});
