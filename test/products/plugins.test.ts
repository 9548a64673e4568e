// Each plugin's computation against himan's own results (the oracles in shared/data/himan-dev).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { decodeMessage, scanBuffer } from "../../src/grib/index.ts";
import type { GridDefinition } from "../../src/grib/types.ts";
import type { FieldKey, LevelType } from "../../src/products/fields.ts";
import { plugins } from "../../src/products/plugins/index.ts";
import type { InputField, OutputField, Target } from "../../src/products/plugins/types.ts";
import { gribValues, himanDev, maxDiff, run } from "./oracle.ts";

const anyGrid = { gridType: "other", uvRelativeToGrid: 0 } as unknown as GridDefinition;

function target(levelType: LevelType, level: number, step: number, extra: Partial<Target> = {}): Target {
  return {
    levelType,
    level,
    levelIndex: 0,
    step,
    forecastType: { kind: "det" },
    configStep: 1,
    targetProducer: 0,
    ...extra,
  };
}

/** Runs a plugin with inputs given as param(@step) -> values; picks the first complete input set. */
function compute(
  name: string,
  options: Record<string, unknown>,
  t: Target,
  given: Record<string, Float64Array>,
  grid: GridDefinition = anyGrid,
): OutputField[] {
  const instance = plugins.get(name)!.configure({ name, ...options });
  const has = (k: FieldKey) => `${k.param}@${k.step}` in given || (k.step === t.step && k.param in given);
  const sets = instance.inputs(t);
  const inputSet = sets.findIndex((s) => s.every(has));
  assert.ok(inputSet >= 0, `no complete input set among ${JSON.stringify(sets)}`);
  return instance.compute({
    target: t,
    inputSet,
    input(param, step = t.step): InputField {
      const values = given[`${param}@${step}`] ?? (step === t.step ? given[param] : undefined);
      assert.ok(values, `${param}@${step} not given`);
      return { key: { param, levelType: t.levelType, level: t.level, step }, values, grid };
    },
  });
}

describe("dewpoint against himan (harmonie, tolerance 0.01 K as dewpoint/harmonie.sh)", () => {
  const src = join(himanDev, "dewpoint/source.grib");
  for (const [level, type, tMsg, rhMsg, result] of [
    [2, "height", 1, 2, "harmonie_result_height.grib"],
    [700, "pressure", 3, 4, "harmonie_result_pressure.grib"],
  ] as const) {
    it(`TD-K on ${type} ${level} from T-K and RH as a fraction`, () => {
      const [td] = compute("dewpoint", {}, target(type, level, 24), {
        "T-K": gribValues(src, tMsg),
        "RH-0TO1": gribValues(src, rhMsg),
      });
      assert.equal(td.param.name, "TD-K");
      const { max, missingMismatch } = maxDiff(td.values, gribValues(join(himanDev, "dewpoint", result)));
      assert.equal(missingMismatch, 0);
      assert.ok(max < 0.01, `max difference ${max}`);
    });
  }
});

describe("relative_humidity against himan (tolerance 0.01 % as the .sh files)", () => {
  it("from T, Q and P on hybrid level 44 (harmonie)", () => {
    const src = join(himanDev, "relative_humidity/source_harmonie.grib");
    const [rh] = compute("relative_humidity", {}, target("hybrid", 44, 1), {
      "T-K": gribValues(src, 1),
      "Q-KGKG": gribValues(src, 2),
      "P-PA": gribValues(src, 3),
    });
    const { max } = maxDiff(rh.values, gribValues(join(himanDev, "relative_humidity/result_harmonie.grib")));
    assert.ok(max < 0.01, `max difference ${max}`);
  });
  it("from T and Q on pressure level 700 (GEM, JPEG-packed source)", () => {
    const src = join(himanDev, "relative_humidity/source_gem.grib");
    const [rh] = compute("relative_humidity", {}, target("pressure", 700, 6), {
      "Q-KGKG": gribValues(src, 1),
      "T-K": gribValues(src, 2),
    });
    const { max } = maxDiff(rh.values, gribValues(join(himanDev, "relative_humidity/result_gem.grib")));
    assert.ok(max < 0.01, `max difference ${max}`);
  });
  it("from T and TD is 100 % at saturation and falls as the dew point drops", () => {
    const [rh] = compute("relative_humidity", {}, target("height", 2, 0), {
      "T-K": Float64Array.of(283.15, 283.15, Number.NaN),
      "TD-K": Float64Array.of(283.15, 273.15, 270),
    });
    assert.equal(rh.values[0], 100);
    assert.ok(Math.abs(rh.values[1] - 49.8) < 0.5, `${rh.values[1]}`);
    assert.ok(Number.isNaN(rh.values[2]));
  });
});

describe("split_sum against himan", () => {
  it("harmonie: RR-1-MM at 1, 2, 3 h and RR-3-MM at 3 h from accumulated precipitation (0.01 mm)", () => {
    const src = join(himanDev, "split_sum/harmonie_source.grib");
    const acc = {
      "RR-KGM2@0": gribValues(src, 1),
      "RR-KGM2@1": gribValues(src, 2),
      "RR-KGM2@2": gribValues(src, 3),
      "RR-KGM2@3": gribValues(src, 5),
    };
    for (const [step, file] of [
      [1, "harmonie_result_1_60.grib"],
      [2, "harmonie_result_1_120.grib"],
      [3, "harmonie_result_1_180.grib"],
    ] as const) {
      const out = compute("split_sum", { rr1h: true, rr3h: "true" }, target("height", 0, step), acc);
      const rr1 = out.find((o) => o.param.name === "RR-1-MM")!;
      assert.deepEqual(rr1.interval, [step - 1, step]);
      const { max } = maxDiff(rr1.values, gribValues(join(himanDev, "split_sum", file)));
      assert.ok(max < 0.01, `step ${step}: max difference ${max}`);
      assert.equal(
        out.some((o) => o.param.name === "RR-3-MM"),
        step === 3,
      );
    }
    const rr3 = compute("split_sum", { rr3h: true }, target("height", 0, 3), acc)[0];
    assert.ok(
      maxDiff(rr3.values, gribValues(join(himanDev, "split_sum/harmonie_result_3_180.grib"))).max < 0.01,
    );
  });
  it("meps: RR-3-MM, RR-6-MM and the rate RRR-KGM2 at 6 h from CCSDS-packed sums", () => {
    const src = join(himanDev, "split_sum/meps_source.grib");
    const acc = {
      "RR-KGM2@3": gribValues(src, 1),
      "RR-KGM2@6": gribValues(src, 2),
      "RR-KGM2@0": gribValues(src, 3),
      "RR-KGM2@5": gribValues(src, 4),
    };
    const out = compute("split_sum", { rr3h: true, rr6h: true, rrr: true }, target("height", 0, 6), acc);
    const by = (n: string) => out.find((o) => o.param.name === n)!;
    assert.ok(
      maxDiff(by("RR-3-MM").values, gribValues(join(himanDev, "split_sum/meps_result_rr3h.grib2"))).max <
        0.01,
    );
    assert.ok(
      maxDiff(by("RR-6-MM").values, gribValues(join(himanDev, "split_sum/meps_result_rr6h.grib2"))).max <
        0.01,
    );
    const rrr = maxDiff(
      by("RRR-KGM2").values,
      gribValues(join(himanDev, "split_sum/meps_result_rrr.grib2")),
    ).max;
    assert.ok(rrr < 0.0001, `RRR max difference ${rrr}`);
    assert.deepEqual(by("RRR-KGM2").interval, [5, 6]);
  });
  it("makes nothing at step 0 and no 3 h sum before 3 h", () => {
    const instance = plugins.get("split_sum")!.configure({ name: "split_sum", rr3h: true, rrr: true });
    assert.deepEqual(instance.outputs(target("height", 0, 0)), []);
    assert.deepEqual(instance.inputs(target("height", 0, 0)), []);
    assert.deepEqual(
      instance.outputs(target("height", 0, 2)).map((p) => p.name),
      ["RRR-KGM2"],
    );
  });
  it("turns radiation sums (J/m2) into mean fluxes (W/m2) and metres of water into millimetres", () => {
    const [glo] = compute("split_sum", { glob: true }, target("height", 0, 2), {
      "RADGLOA-JM2@1": Float64Array.of(0, 3600),
      "RADGLOA-JM2@2": Float64Array.of(360000, 3600),
    });
    assert.deepEqual([...glo.values], [100, 0]);
    const [rr] = compute("split_sum", { rr1h: true }, target("height", 0, 2), {
      "RR-M@1": Float64Array.of(0.001, Number.NaN),
      "RR-M@2": Float64Array.of(0.003, 0.001),
    });
    assert.ok(Math.abs(rr.values[0] - 2) < 1e-9);
    assert.ok(Number.isNaN(rr.values[1]));
  });
});

describe("transformer", () => {
  it("turns GFS T-K into T-C (himan's tk2tc) within its 10-bit packing of the result", () => {
    const src = join(himanDev, "transformer/gfs_source.grib2");
    const [tc] = compute(
      "transformer",
      {
        base: "-273.15",
        scale: "1.0",
        source_param: "T-K",
        target_param: "T-C",
        grib_discipline: "0",
        grib_category: "0",
        grib_parameter: "0",
      },
      target("pressure", 1000, 192),
      { "T-K": gribValues(src) },
    );
    assert.equal(tc.param.name, "T-C");
    assert.deepEqual(tc.param.grib2, { discipline: 0, parameterCategory: 0, parameterNumber: 0 });
    assert.equal(tc.keepSourcePrecision, true);
    const { max } = maxDiff(tc.values, gribValues(join(himanDev, "transformer/gfs_result.grib2")));
    assert.ok(max <= 0.0625 + 1e-6, `max difference ${max} (himan packed with 2^-3 steps)`);
  });
  it("reads the n-th source level for the n-th target level", () => {
    const instance = plugins.get("transformer")!.configure({
      name: "transformer",
      source_param: "T-K",
      source_level_type: "hybrid",
      source_levels: "65,64",
    });
    const keys = instance.inputs({ ...target("height", 2, 3), levelIndex: 1 })[0];
    assert.deepEqual(keys, [{ param: "T-K", levelType: "hybrid", level: 64, step: 3 }]);
  });
  it("rejects options that are not numbers", () => {
    assert.throws(
      () => plugins.get("transformer")!.configure({ name: "transformer", source_param: "T-K", scale: "x" }),
      /scale/,
    );
  });
});

describe("tpot", () => {
  it("θ is T at 1000 hPa and grows with height; θe > θw > 0 and θw ~ T for saturated air at 1000 hPa", () => {
    const out = compute("tpot", { theta: true, thetaw: true, thetae: true }, target("pressure", 1000, 0), {
      "T-K": Float64Array.of(288.15, 273.15),
      "TD-K": Float64Array.of(288.15, 263.15),
    });
    const [tp, tpw, tpe] = out.map((o) => o.values);
    assert.ok(Math.abs(tp[0] - 288.15) < 1e-9);
    assert.ok(Math.abs(tpw[0] - 288.15) < 0.5, `θw ${tpw[0]}`);
    assert.ok(tpe[0] > tpw[0] && tpe[1] > tp[1]);
    const [aloft] = compute("tpot", {}, target("pressure", 500, 0), { "T-K": Float64Array.of(253.15) });
    assert.ok(Math.abs(aloft.values[0] - 253.15 * 2 ** 0.28586) < 1e-9);
  });
});

describe("windvector on the MEPS Lambert grid (grid-relative winds)", () => {
  const src = join(himanDev, "windvector/meps_source.grib2");
  const messages = [...scanBuffer(new Uint8Array(readFileSync(src)))].map((m) => {
    assert.ok(!(m instanceof Error));
    return decodeMessage(m.bytes);
  });
  const [u, v] = messages.map((m) => m.values());
  const grid = messages[0].grid;
  const [ff, dd] = compute("windvector", {}, target("height", 10, 6), { "U-MS": u, "V-MS": v }, grid);

  it("speed equals cdo expr sqrt(u*u+v*v) (turning does not change it)", () => {
    const cdo = run("cdo", ["-s", "outputtab,value", "-expr,ff=sqrt(code33*code33+code34*code34)", src])
      .split("\n")
      .filter((l) => l.trim() && !l.startsWith("#"))
      .map(Number);
    const { max } = maxDiff(ff.values, Float64Array.from(cdo));
    assert.ok(max < 1e-4 * 30, `max difference ${max} m/s (CDO prints 7 significant digits)`);
  });
  it("direction, turned earth-relative, equals himan's within its 1 degree tolerance", () => {
    assert.equal(grid.uvRelativeToGrid, 1);
    const { max } = maxDiff(dd.values, gribValues(join(himanDev, "windvector/meps_result_dd.grib2")));
    assert.ok(max <= 1, `max difference ${max}°`);
  });
  it("without turning, directions would be off by up to the cone angle", () => {
    const flat = { ...grid, uvRelativeToGrid: 0 as const };
    const [, raw] = compute("windvector", {}, target("height", 10, 6), { "U-MS": u, "V-MS": v }, flat);
    const { max } = maxDiff(raw.values, gribValues(join(himanDev, "windvector/meps_result_dd.grib2")));
    assert.ok(max > 5, `max difference ${max}°`);
  });
  it("gusts: FFG-MS from WGU-MS and WGV-MS, no direction", () => {
    const out = compute("windvector", { for_gust: "true" }, target("height", 10, 6), {
      "WGU-MS": Float64Array.of(3),
      "WGV-MS": Float64Array.of(4),
    });
    assert.deepEqual(
      out.map((o) => [o.param.name, [...o.values]]),
      [["FFG-MS", [5]]],
    );
  });
  it("direction is where the wind blows from, in whole degrees", () => {
    const [, d] = compute("windvector", {}, target("height", 10, 0), {
      "U-MS": Float64Array.of(0, 1, 0, -1, Number.NaN),
      "V-MS": Float64Array.of(1, 0, -1, 0, 1),
    });
    assert.deepEqual([...d.values].slice(0, 4), [180, 270, 0, 90]);
    assert.ok(Number.isNaN(d.values[4]));
  });
});
