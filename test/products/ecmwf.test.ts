// ECMWF's data as himan reads it, through the real `cloudburst process` with configurations written as FMI
// writes them for ECMWF (source producer 131, ECMWF's own geometries): inputs made the way ECMWF encodes
// them (GRIB1 table 128 with ECMWF's local section by ecCodes and CDO; ECMWF's own GRIB2 model levels with
// their pv), results read back by ecCodes and checked against the formulas on ecCodes' decoding.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { tempDir } from "../helpers/cli.ts";
import { appendEcmwfGrib1, ecCodesPv, ecmwfGrib2Like, ecmwfLnsp, ecmwfT99 } from "./ecmwf-data.ts";
import { gribKeys, gribLatLons, gribValues } from "./oracle.ts";
import { processFiles } from "./process-cli.ts";

/** A himan configuration as FMI writes one for ECMWF data (producer 131 in, 240 out). */
function himanConfig(dir: string, name: string, steps: Record<string, string>, queue: unknown[]): string {
  const file = join(dir, name);
  const config = {
    source_geom_name: "ECEUR0125",
    target_geom_name: "ECEUR0125",
    source_producer: "131",
    target_producer: "240",
    ...steps,
    file_write: "multiple",
    origintime: "2026-11-24 00:00:00",
    read_data_from_database: "false",
    processqueue: queue,
  };
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

const item = (leveltype: string, levels: string, ...plugins: object[]) => ({ leveltype, levels, plugins });

async function process(config: string, out: string, ...inputs: string[]) {
  return processFiles(config, out, inputs, "grib2");
}

/** Largest difference where both are present; NaN where either is (must agree). */
function worst(ours: Float64Array, expected: (i: number) => number): number {
  assert.equal(ours.length > 0, true);
  let max = 0;
  for (let i = 0; i < ours.length; i++) {
    const e = expected(i);
    assert.equal(Number.isNaN(ours[i]), Number.isNaN(e), `point ${i}: ours ${ours[i]}, expected ${e}`);
    if (!Number.isNaN(e)) max = Math.max(max, Math.abs(ours[i] - e));
  }
  return max;
}

describe("ECMWF's surface fields (GRIB1 table 128) as himan reads them", () => {
  let dir: string;
  let surface: string;
  before(() => {
    dir = tempDir("cb-ecmwf-");
    surface = join(dir, "surface.grib");
    const fields = [
      { parameter: 165, expr: "8*sin(rad(2*clon(v)))*cos(rad(clat(v)))+2" }, // 10u
      { parameter: 166, expr: "-6*cos(rad(3*clon(v)))+1" }, // 10v
      { parameter: 167, expr: "273.15+15*cos(rad(clat(v)))+3*sin(rad(4*clon(v)))" }, // 2t
      { parameter: 168, expr: "273.15+15*cos(rad(clat(v)))+3*sin(rad(4*clon(v)))-4-3*cos(rad(5*clon(v)))" }, // 2d
    ];
    for (const f of fields) appendEcmwfGrib1(dir, surface, { ...f, step: 6 });
  });

  it("windvector at height 10 from 10u and 10v coded at the surface", async () => {
    const config = himanConfig(dir, "windvector_ec.json", { hours: "6" }, [
      item("height", "10", { name: "windvector" }),
    ]);
    const out = tempDir("cb-ecmwf-out-");
    const result = await process(config, out, surface);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(readdirSync(out).sort(), [
      "DD-D_height_10_rll_529_461_0_006.grib2",
      "FF-MS_height_10_rll_529_461_0_006.grib2",
    ]);
    const ff = join(out, "FF-MS_height_10_rll_529_461_0_006.grib2");
    assert.deepEqual(gribKeys(ff, ["typeOfLevel", "level", "stepRange", "shortName"]), {
      typeOfLevel: "heightAboveGround",
      level: "10",
      stepRange: "6",
      shortName: "10si",
    });
    const u = gribValues(surface, 1);
    const v = gribValues(surface, 2);
    assert.ok(worst(gribValues(ff), (i) => Math.hypot(u[i], v[i])) < 0.001);
    const dd = gribValues(join(out, "DD-D_height_10_rll_529_461_0_006.grib2"));
    const angle = worst(dd, (i) => (Math.atan2(u[i], v[i]) * 180) / Math.PI + 180);
    assert.ok(angle <= 0.5 + 0.01 || angle >= 359.5, `direction off by ${angle}°`);
    // The product is on ECMWF's own grid, point for point as ecCodes places the source's.
    assert.deepEqual(gribLatLons(ff), gribLatLons(surface, 1));
  });

  it("relative humidity at height 2 from 2t and 2d (Magnus over water)", async () => {
    const config = himanConfig(
      dir,
      "relative_humidity_ecmwf.json",
      { start_hour: "6", stop_hour: "6", step: "1" },
      [item("height", "2", { name: "relative_humidity" })],
    );
    const out = tempDir("cb-ecmwf-out-");
    const result = await process(config, out, surface);
    assert.equal(result.code, 0, result.stderr);
    const t = gribValues(surface, 3);
    const td = gribValues(surface, 4);
    const magnus = (c: number) => (17.27 * c) / (c + 237.3);
    const expected = (i: number) =>
      100 * Math.min(1, Math.max(0, Math.exp(magnus(td[i] - 273.15) - magnus(t[i] - 273.15))));
    const rh = gribValues(join(out, "RH-PRCNT_height_2_rll_529_461_0_006.grib2"));
    assert.ok(worst(rh, expected) < 0.01);
  });

  it("says what is missing when 10v is absent, naming the parameter, level and step", async () => {
    const onlyU = join(dir, "only-10u.grib");
    appendEcmwfGrib1(dir, onlyU, { parameter: 165, expr: "2+0*clon(v)", step: 6 });
    const config = himanConfig(dir, "windvector_ec.json", { hours: "6" }, [
      item("height", "10", { name: "windvector" }),
    ]);
    const result = await process(config, tempDir("cb-ecmwf-out-"), onlyU);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /windvector height 10 step 6: skipped, missing V-MS height 10 step 6h/);
  });
});

describe("ECMWF's precipitation on its 6-hourly steps (rates over the enclosing steps)", () => {
  let dir: string;
  let tp: string;
  before(() => {
    dir = tempDir("cb-ecmwf-");
    tp = join(dir, "tp.grib");
    // tp in metres, accumulated from the start: 162 h and 168 h, ECMWF's steps after 144.
    appendEcmwfGrib1(dir, tp, {
      parameter: 228,
      expr: "0.02+0.01*sin(rad(clon(v)))",
      step: 162,
      accumulated: true,
      bits: 24,
    });
    appendEcmwfGrib1(dir, tp, {
      parameter: 228,
      expr: "0.02+0.01*sin(rad(clon(v)))+0.006*(1+cos(rad(3*clat(v))))",
      step: 168,
      accumulated: true,
      bits: 24,
    });
  });

  it("rrr at steps 164 and 165 is the mean rate between 162 and 168, in mm/h", async () => {
    const config = himanConfig(
      dir,
      "precipitation_ec_rate_6.json",
      { start_hour: "164", stop_hour: "165", step: "1" },
      [item("ground", "0", { name: "split_sum", rrr: true })],
    );
    const out = tempDir("cb-ecmwf-out-");
    const result = await process(config, out, tp);
    assert.equal(result.code, 0, result.stderr);
    const before162 = gribValues(tp, 1);
    const after168 = gribValues(tp, 2);
    const rate = (i: number) => {
      const r = ((after168[i] - before162[i]) * 1000) / 6;
      return r < 0.01 ? 0 : r;
    };
    for (const step of ["164", "165"]) {
      const file = join(out, `RRR-KGM2_ground_0_rll_529_461_0_${step}.grib2`);
      assert.ok(worst(gribValues(file), rate) < 0.001, step);
      // Labelled as himan labels a rate: the hour ending at the step.
      assert.equal(gribKeys(file, ["stepRange"]).stepRange, `${Number(step) - 1}-${step}`);
    }
  });

  it("skips a rate whose later step has not come, saying which field it waits for", async () => {
    const config = himanConfig(dir, "precipitation_ec_rate_6.json", { hours: "170" }, [
      item("ground", "0", { name: "split_sum", rrr: true }),
    ]);
    const result = await process(config, tempDir("cb-ecmwf-out-"), tp);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /split_sum ground 0 step 170: skipped, missing RR-KGM2 ground 0 step 169h, RR-KGM2 ground 0 step 170h \(nor is any/,
    );
  });
});

describe("a processqueue whose later plugin reads an earlier one's output (ECMWF pressure levels)", () => {
  it("dewpoint then tpot's θw at 850 hPa from t and r", async () => {
    const dir = tempDir("cb-ecmwf-");
    const pl = join(dir, "pl.grib");
    appendEcmwfGrib1(dir, pl, {
      parameter: 130,
      levelType: 100,
      level: 850,
      step: 12,
      expr: "265+12*cos(rad(clat(v)))",
    });
    appendEcmwfGrib1(dir, pl, {
      parameter: 157,
      levelType: 100,
      level: 850,
      step: 12,
      expr: "60+30*sin(rad(2*clon(v)))",
    });
    const config = himanConfig(dir, "stability_ec.json", { hours: "12" }, [
      item("pressure", "850", { name: "dewpoint" }),
      item("pressure", "850", { name: "tpot", thetaw: true }),
    ]);
    const out = tempDir("cb-ecmwf-out-");
    const result = await process(config, out, pl);
    assert.equal(result.code, 0, result.stderr);
    const t = gribValues(pl, 1);
    const rh = gribValues(pl, 2);
    // Lawrence (2005) as himan writes it, then Bolton's θe (eq. 43) and Davies-Jones's θw (eq. 3.8).
    const td = (i: number) => t[i] / (1 - t[i] * Math.log(rh[i] / 100) * (461.5 / 2.5e6));
    const tdOut = gribValues(join(out, "TD-K_pressure_850_rll_529_461_0_012.grib2"));
    assert.ok(worst(tdOut, td) < 0.01);
    const thetaW = (i: number) => {
      const T = t[i];
      const D = td(i);
      const tl = 1 / (1 / (D - 56) + Math.log(T / D) / 800) + 56;
      const es =
        6.107 *
        10 **
          (((D - 273.15 > -5 ? 7.5 : 9.5) * (D - 273.15)) / ((D - 273.15 > -5 ? 237 : 265.5) + D - 273.15));
      const r = (621.97 * es) / (850 - es);
      const te =
        T *
        (1000 / 850) ** (0.2854 * (1 - 0.00028 * r)) *
        Math.exp((3.376 / tl - 0.00254) * r * (1 + 0.00081 * r));
      const x = te / 273.15;
      const a = 7.101574 - 20.68208 * x + 16.11182 * x * x + 2.574631 * x ** 3 - 5.205688 * x ** 4;
      const b = 1 - 3.552497 * x + 3.781782 * x * x - 0.6899655 * x ** 3 - 0.592934 * x ** 4;
      return te - Math.exp(a / b);
    };
    const tpw = gribValues(join(out, "TPW-K_pressure_850_rll_529_461_0_012.grib2"));
    // θw is computed from our TD before packing; the formula here from TD recomputed in double precision.
    assert.ok(worst(tpw, thetaW) < 0.01);
  });
});

describe("ECMWF's GRIB2 model levels with pv (real ECMWF files)", () => {
  let dir: string;
  let q99: string;
  before(() => {
    dir = tempDir("cb-ecmwf-");
    q99 = ecmwfGrib2Like(dir, ecmwfT99, "q99", 0.00002, 133);
  });

  /** RH from T, Q and the pressure of model level 99 by ECMWF's pv and exp(lnsp), on ecCodes' decoding. */
  function expectedRh(): (i: number) => number {
    const pv = ecCodesPv(ecmwfLnsp);
    assert.equal(pv.length, 276, "ECMWF's L137 pv: 138 a and 138 b");
    const a = (pv[98] + pv[99]) / 2;
    const b = (pv[138 + 98] + pv[138 + 99]) / 2;
    const lnsp = gribValues(ecmwfLnsp);
    const t = gribValues(ecmwfT99);
    const q = gribValues(q99);
    return (i) => {
      const p = (a + b * Math.exp(lnsp[i])) / 100;
      const c = t[i] - 273.15;
      const es = 6.107 * 10 ** (c > -5 ? (7.5 * c) / (237 + c) : (9.5 * c) / (265.5 + c));
      const rh = ((p * q[i]) / 0.622 / es) * ((p - es) / (p - (q[i] * p) / 0.622));
      return Math.min(Math.max(0, rh), 1) * 100;
    };
  }

  for (const [what, queue] of [
    [
      "hybrid_pressure then relative_humidity",
      [
        item("hybrid", "99", { name: "hybrid_pressure" }),
        item("hybrid", "99", { name: "relative_humidity" }),
      ],
    ],
    [
      "relative_humidity alone (pressure from pv and lnsp)",
      [item("hybrid", "99", { name: "relative_humidity" })],
    ],
  ] as const) {
    it(`relative humidity on model level 99: ${what}`, async () => {
      const config = himanConfig(dir, "relative_humidity_hybrid_ecmwf.json", { hours: "3" }, [...queue]);
      const out = tempDir("cb-ecmwf-out-");
      const result = await process(config, out, ecmwfLnsp, ecmwfT99, q99);
      assert.equal(result.code, 0, result.stderr);
      const file = join(out, "RH-PRCNT_hybrid_99_rll_529_461_0_003.grib2");
      assert.ok(worst(gribValues(file), expectedRh()) < 0.01);
      // The same grid as ECMWF's: size and every point where ecCodes puts the source's.
      assert.deepEqual(gribKeys(file, ["Ni", "Nj", "typeOfLevel", "level"]), {
        Ni: "529",
        Nj: "461",
        typeOfLevel: "hybrid",
        level: "99",
      });
      assert.deepEqual(gribLatLons(file), gribLatLons(ecmwfT99));
      // and it carries ECMWF's pv, as himan's products on model levels do
      assert.deepEqual(ecCodesPv(file), ecCodesPv(ecmwfLnsp));
    });
  }

  it("hybrid_pressure from lnsp alone: 0.01 · (A + B · exp(lnsp)) with the full level's A and B", async () => {
    const config = himanConfig(dir, "hybrid_pressure_ec.json", { hours: "3" }, [
      item("hybrid", "99", { name: "hybrid_pressure" }),
    ]);
    const out = tempDir("cb-ecmwf-out-");
    const result = await process(config, out, ecmwfLnsp);
    assert.equal(result.code, 0, result.stderr);
    const pv = ecCodesPv(ecmwfLnsp);
    const lnsp = gribValues(ecmwfLnsp);
    const p = (i: number) => 0.01 * ((pv[98] + pv[99]) / 2 + ((pv[236] + pv[237]) / 2) * Math.exp(lnsp[i]));
    assert.ok(worst(gribValues(join(out, "P-HPA_hybrid_99_rll_529_461_0_003.grib2")), p) < 0.01);
  });
});

describe("steps in units other than hours", () => {
  it("reads a GRIB2 step of 90 minutes and names the product as himan does (001h30min)", async () => {
    const dir = tempDir("cb-ecmwf-");
    const minutes = join(dir, "t-90min.grib2");
    execFileSync("grib_set", ["-s", "stepUnits=m,step=90", ecmwfT99, minutes]);
    assert.equal(gribKeys(minutes, ["stepRange"]).stepRange, "90");
    const config = himanConfig(dir, "tk2tc_ec.json", { start_minute: "90", stop_minute: "90", step: "15" }, [
      item("hybrid", "99", {
        name: "transformer",
        source_param: "T-K",
        target_param: "T-C",
        base: "-273.15",
      }),
    ]);
    const out = tempDir("cb-ecmwf-out-");
    const result = await process(config, out, minutes);
    assert.equal(result.code, 0, result.stderr);
    const file = join(out, "T-C_hybrid_99_rll_529_461_0_001h30min.grib2");
    const t = gribValues(minutes);
    assert.ok(worst(gribValues(file), (i) => t[i] - 273.15) < 0.05);
    assert.equal(gribKeys(file, ["endStep:i", "stepUnits:i"])["endStep:i"], "90");
  });
});

describe("inputs that disagree", () => {
  it("is an error naming both inputs when one parameter comes in two units (tp in m and in kg m-2)", async () => {
    const dir = tempDir("cb-ecmwf-");
    const tp = join(dir, "tp.grib");
    // step 5 coded in WMO's table 2 (61, kg m-2), step 6 in ECMWF's table 128 (228, m of water)
    appendEcmwfGrib1(dir, tp, { parameter: 61, table: 2, expr: "2+0*clon(v)", step: 5, accumulated: true });
    appendEcmwfGrib1(dir, tp, { parameter: 228, expr: "0.003+0*clon(v)", step: 6, accumulated: true });
    const config = himanConfig(dir, "rr1h.json", { hours: "6" }, [
      item("ground", "0", { name: "split_sum", rr1h: "true" }),
    ]);
    const result = await process(config, tempDir("cb-ecmwf-out-"), tp);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /split_sum ground 0 step 6: RR-KGM2 \S+ 0 step 5h is in kg m\*\*-2 but RR-KGM2 \S+ 0 step 6h is in m × 1000/,
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it("is an error naming both inputs when they are on different grids and no target area is given", async () => {
    const dir = tempDir("cb-ecmwf-");
    const u = appendEcmwfGrib1(dir, join(dir, "u.grib"), { parameter: 165, expr: "1+0*clon(v)", step: 6 });
    // 10v on a 1° global grid instead, as if from another dissemination.
    const v = appendEcmwfGrib1(dir, join(dir, "v.grib"), {
      parameter: 166,
      expr: "2+0*clon(v)",
      step: 6,
      grid: "gridtype=lonlat xsize=360 ysize=181 xfirst=0 xinc=1 yfirst=90 yinc=-1",
    });
    const config = join(dir, "wind.json");
    writeFileSync(
      config,
      JSON.stringify({
        source_producer: "131",
        hours: "6",
        processqueue: [item("height", "10", { name: "windvector" })],
      }),
    );
    const result = await process(config, tempDir("cb-ecmwf-out-"), u, v);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /inputs are on different grids: U-MS height 10 step 6h on rll 529x461.*V-MS height 10 step 6h on ll 360x181/,
    );
  });
});
