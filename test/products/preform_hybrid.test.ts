// himan's preform_hybrid: the further hitool searches it uses (first height below a limit, n-th and last
// crossing, crossing count, per-point layers).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  verticalAverage,
  verticalCount,
  verticalHeight,
  verticalHeightGreaterThan,
  verticalHeightLessThan,
} from "../../src/products/plugins/hitool.ts";

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
