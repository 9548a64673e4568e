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
  const configured = plugins.get(name)!.configure({ name, ...options });
  const has = (k: FieldKey) => `${k.param}@${k.step}` in given || (k.step === t.step && k.param in given);
  return (configured.parts ?? [configured]).flatMap((instance) => {
    if (instance.outputs(t).length === 0) return [];
    const sets = instance.inputs(t);
    const inputSet = sets.findIndex((s) => s.every(has));
    assert.ok(inputSet >= 0, `no complete input set among ${JSON.stringify(sets)}`);
    return instance.compute({
      target: t,
      inputSet,
      input(param, step = t.step, levelType = t.levelType, level = t.level): InputField {
        const values = given[`${param}@${step}`] ?? (step === t.step ? given[param] : undefined);
        assert.ok(values, `${param}@${step} not given`);
        return { key: { param, levelType, level, step }, values, grid };
      },
    });
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
    for (const part of instance.parts ?? []) assert.deepEqual(part.inputs(target("height", 0, 0)), []);
    assert.deepEqual(
      instance.outputs(target("height", 0, 2)).map((p) => p.name),
      ["RRR-KGM2"],
    );
  });
  it("turns radiation sums (J/m2) into mean fluxes (W/m2)", () => {
    const [glo] = compute("split_sum", { glob: true }, target("height", 0, 2), {
      "RADGLOA-JM2@1": Float64Array.of(0, 3600),
      "RADGLOA-JM2@2": Float64Array.of(360000, 3600),
    });
    assert.deepEqual([...glo.values], [100, 0]);
    assert.equal(glo.interval, undefined, "a mean flux, not an accumulation");
    const [rr] = compute("split_sum", { rr1h: true }, target("height", 0, 2), {
      "RR-KGM2@1": Float64Array.of(1, Number.NaN),
      "RR-KGM2@2": Float64Array.of(3, 1),
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

describe("stability indices (himan's metutil formulas)", () => {
  it("K-index, cross, vertical and total totals from T and TD on 850, 700 and 500 hPa", () => {
    const given = (values: Record<string, number>) =>
      Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Float64Array.of(v)]));
    const t = target("height", 0, 12);
    const instance = plugins.get("stability")!.configure({ name: "stability" });
    const keys = instance.inputs(t)[0];
    assert.deepEqual(
      keys.map((k) => `${k.param} ${k.levelType} ${k.level}`),
      ["T-K pressure 850", "T-K pressure 700", "T-K pressure 500", "TD-K pressure 850", "TD-K pressure 700"],
    );
    const values = given({ t850: 285, t700: 275, t500: 258, td850: 280, td700: 268 });
    const byLevel: Record<string, Float64Array> = {
      "T-K 850": values.t850,
      "T-K 700": values.t700,
      "T-K 500": values.t500,
      "TD-K 850": values.td850,
      "TD-K 700": values.td700,
    };
    const out = instance.compute({
      target: t,
      inputSet: 0,
      input: (param, step = 12, levelType = "pressure", level = 0): InputField => ({
        key: { param, levelType, level, step },
        values: byLevel[`${param} ${level}`],
        grid: anyGrid,
      }),
    });
    const by = (n: string) => out.find((o) => o.param.name === n)!.values[0];
    assert.ok(Math.abs(by("KINDEX-N") - (285 - 258 + 280 - (275 - 268) - 273.15)) < 1e-9);
    assert.equal(by("CTI-N"), 280 - 258);
    assert.equal(by("VTI-N"), 285 - 258);
    assert.equal(by("TTI-N"), 285 + 280 - 2 * 258);
  });
});

describe("icing, vvms both ways, hybrid height by the hypsometric equation", () => {
  it("icing: classes of cloud water, updraft and temperature, 0 above freezing or without cloud water", () => {
    const [ice] = compute("icing", {}, target("pressure", 850, 6), {
      "T-K": Float64Array.of(268.15, 275, 268.15, Number.NaN),
      "VV-MS": Float64Array.of(0.06, 0.06, 0.06, 0.06),
      "CLDWAT-KGKG": Float64Array.of(0.0005, 0.0005, 0, 0.0005),
    });
    // ln(0.5 g/kg) + 6 = 5.31 -> 5; 60 mm/s -> +1; -5 °C -> +1
    assert.deepEqual([...ice.values.slice(0, 3)], [7, 0, 0]);
    assert.ok(Number.isNaN(ice.values[3]));
  });

  it("vvms and its reverse give back the pressure tendency", () => {
    const t = target("pressure", 925, 192);
    const omega = Float64Array.of(-0.5, 0.2);
    const temperature = Float64Array.of(280, 260);
    const [w] = compute("vvms", {}, t, { "T-K": temperature, "VV-PAS": omega });
    assert.ok(Math.abs(w.values[0] - (287 * 0.5 * 280) / (9.80665 * 92500)) < 1e-12);
    const [back] = compute("vvms", { reverse: true }, t, { "T-K": temperature, "VV-MS": w.values });
    assert.ok(Math.abs(back.values[0] + 0.5) < 1e-12 && Math.abs(back.values[1] - 0.2) < 1e-12);
  });

  it("hybrid height from the lowest model level up: 14.628 (T1 + T2) ln(p1/p2) per layer", () => {
    // Three levels with a 2-level-coefficient pv (a in Pa, b): full levels 1..3 of a made-up model.
    const pv = Float64Array.of(0, 5000, 20000, 0, 0, 0.3, 0.7, 1);
    const instance = plugins
      .get("hybrid_height")!
      .configure({ name: "hybrid_height", last_hybrid_level: "3" });
    const t = target("hybrid", 2, 3);
    const sets = instance.inputs(t);
    assert.deepEqual(
      sets[1].map((k) => `${k.param} ${k.levelType} ${k.level}`),
      ["T-K hybrid 3", "T-K hybrid 2", "LNSP-N hybrid 1"],
    );
    const ps = 100000;
    const temps: Record<number, number> = { 3: 280, 2: 270 };
    const [hl] = instance.compute({
      target: t,
      inputSet: 1,
      input: (param, step = 3, levelType = "hybrid", level = 0): InputField => ({
        key: { param, levelType, level, step },
        values: Float64Array.of(param === "LNSP-N" ? Math.log(ps) : temps[level]),
        grid: anyGrid,
        pv,
      }),
    });
    const p = (k: number) => (pv[k - 1] + pv[k]) / 2 + ((pv[4 + k - 1] + pv[4 + k]) / 2) * ps;
    const expected =
      14.628 * (280 + 280) * Math.log(ps / p(3)) + 14.628 * (280 + 270) * Math.log(p(3) / p(2));
    assert.ok(Math.abs(hl.values[0] - expected) < 1e-9, `${hl.values[0]} vs ${expected}`);
  });
});
