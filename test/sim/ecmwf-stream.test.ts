import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDisseminationName } from "../../src/ingest/names.ts";
import {
  defaultContent,
  fieldsOfStep,
  fieldValues,
  globalGrid,
  newAccumulation,
} from "../../src/sim/ecmwf/fields.ts";
import { legacyDisseminationName } from "../../src/sim/ecmwf/names.ts";
import { selectSteps, stepArrivals } from "../../src/sim/ecmwf/schedule.ts";

describe("simulated ECMWF stream", () => {
  it("has ECMWF's steps: hourly to 90, 3-hourly to 144, 6-hourly to 240, on the dissemination schedule", () => {
    const arrivals = stepArrivals();
    const steps = arrivals.map((a) => a.step);
    assert.equal(steps.length, 91 + 18 + 16);
    assert.deepEqual(steps.slice(89, 93), [89, 90, 93, 96]);
    assert.equal(steps.at(-1), 240);
    assert.equal(arrivals[0]!.minute, 345); // T+5:45
    assert.equal(arrivals.find((a) => a.step === 90)!.minute, 372); // T+6:12
    for (let i = 1; i < arrivals.length; i++) assert.ok(arrivals[i]!.minute >= arrivals[i - 1]!.minute);
    assert.deepEqual(
      selectSteps(arrivals, "0-6/3,96").map((a) => a.step),
      [0, 3, 6, 96],
    );
    assert.throws(() => selectSteps(arrivals, "six"), /range/);
  });

  it("names files with LEGACY dissemination names that parse back to cycle and step", () => {
    const base = new Date("2026-11-24T00:00:00Z");
    assert.equal(legacyDisseminationName("A1", "D", base, 6), "A1D11240000112406001");
    assert.equal(legacyDisseminationName("A1", "D", base, 0), "A1D11240000112400011");
    for (const step of [0, 1, 90, 240]) {
      const parsed = parseDisseminationName(legacyDisseminationName("A1", "D", base, step), base);
      assert.equal(parsed?.step, step);
      assert.equal(parsed?.baseTime.toISOString(), base.toISOString());
    }
  });

  it("makes plausible fields: dewpoint below temperature, humidity positive, precipitation never decreasing", () => {
    const grid = globalGrid(5);
    assert.equal(grid.ni * grid.nj, 72 * 37);
    const base = new Date("2026-11-24T00:00:00Z");
    const accumulation = newAccumulation(grid);
    const field = (
      shortName: "2t" | "2d" | "q" | "tp",
      step: number,
      levelKind: "surface" | "isobaricInhPa" = "surface",
      level = 0,
    ) => fieldValues({ shortName, levelKind, level }, grid, base, step, accumulation);
    const t2 = field("2t", 6);
    const d2 = field("2d", 6);
    for (let k = 0; k < t2.length; k++) {
      assert.ok(t2[k]! > 200 && t2[k]! < 330, `2t ${t2[k]}`);
      assert.ok(d2[k]! < t2[k]!);
    }
    for (const q of field("q", 6, "isobaricInhPa", 850)) assert.ok(q > 0 && q < 0.03);
    let previous = field("tp", 0);
    assert.ok(
      previous.every((v) => v === 0),
      "nothing has fallen at step 0",
    );
    for (const step of [1, 2, 3, 6, 12]) {
      const current = field("tp", step);
      for (let k = 0; k < current.length; k++) assert.ok(current[k]! >= previous[k]!);
      previous = current;
    }
    assert.ok(
      previous.some((v) => v > 0),
      "it rains somewhere within 12 hours",
    );
    assert.ok(fieldsOfStep(defaultContent).length >= 6 + 4 * 4);
  });
});
