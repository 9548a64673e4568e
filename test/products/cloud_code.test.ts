// himan's cloud_code plugin: the cloud symbol's rules on hand-made cases, then through the real
// `cloudburst process` on ECMWF's data (GRIB1 table 128 with its local section, by CDO and ecCodes: t and
// r on 850, 700 and 500 hPa, tcc and skt at the surface) in the chain FMI would write: dewpoint and
// stability kept in the cache for the K-index, skt as the surface temperature by transformer, then
// cloud_code at height 0; results read back by ecCodes and checked against the rules on ecCodes' decoding.
import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { cloudSymbol } from "../../src/products/plugins/cloud_code.ts";
import { lowConvection } from "../../src/products/plugins/meteo.ts";
import { tempDir } from "../helpers/cli.ts";
import { appendEcmwfGrib1 } from "./ecmwf-data.ts";
import { gribKeys, gribValues } from "./oracle.ts";
import { processFiles } from "./process-cli.ts";
import { runPlugin, targetAt } from "./run-plugin.ts";

const c = (celsius: number) => celsius + 273.15;

/**
 * himan's rules written as one priority list (the plugin overwrites a code step by step; here the
 * strongest rule of each band of cloud cover is asked first).
 */
function expectedSymbol(
  t0: number,
  n: number,
  k: number,
  t850: number,
  rh850: number,
  rh700: number,
  rh500: number,
) {
  const s0 = t0 - 273.15;
  const s850 = t850 - 273.15;
  const summer = s0 >= 8 && s0 - s850 >= 10;
  const winter = !summer && s0 >= 0 && s850 <= 0 && s0 - s850 >= 10;
  const cover = n * 100;
  if (cover > 90) {
    if (rh850 > 60 && rh700 > 80) return 3604;
    if (k > 25) return 3309;
    if (k > 20 || (k <= 15 && winter)) return 2303;
    if (k > 15) return 2302;
    if (rh850 > 60) return 3307;
    if (rh700 > 80) return 3405;
    return rh500 > 65 ? 3502 : 3306;
  }
  if (cover > 50) {
    if (k > 25) return 3309;
    if (k > 20 || (k <= 15 && winter)) return 2303;
    if (k > 15) return 2302;
    if (rh850 > 80) return 2307;
    if (rh700 > 80) return 2403;
    return rh500 > 65 ? 2501 : 2305;
  }
  if (cover > 10) {
    if (k > 25) return 1309;
    if (k > 20 || (k <= 15 && winter)) return 1303;
    if (k > 15) return 1302;
    if (summer) return 1301;
    if (rh850 > 80) return 1305;
    if (rh700 > 70) return 1403;
    return rh500 > 60 ? 1501 : 1305;
  }
  return winter ? 1303 : 0;
}

describe("cloud_code's rules", () => {
  it("classifies low convection as himan's LowConvection_, at its bounds", () => {
    assert.equal(lowConvection(c(8), c(-2)), 2); // 8 °C and 10 K: summer lability
    assert.equal(lowConvection(c(20), c(10.5)), 0); // 9.5 K apart
    assert.equal(lowConvection(c(7.9), c(-2.1)), 1); // under 8 °C, 850 hPa below freezing
    assert.equal(lowConvection(c(0), c(-10)), 1);
    assert.equal(lowConvection(c(-0.1), c(-15)), 0); // surface below freezing
    assert.equal(lowConvection(c(5), c(0.1)), 0);
  });

  // [N 0..1, RH850, RH700, RH500 %, K-index, surface °C, 850 hPa °C, code]
  const quiet = [c(5), c(0)] as const; // 5 K apart: no low convection
  const winter = [c(2), c(-10)] as const;
  const summer = [c(20), c(6)] as const;
  const cases: Array<[number, number, number, number, number, readonly [number, number], number, string]> = [
    [0.95, 50, 50, 70, 0, quiet, 3502, "overcast, moist 500 hPa: high cloud"],
    [0.95, 50, 50, 65, 0, quiet, 3306, "overcast, 500 hPa at 65 % (not over): low cloud"],
    [0.9, 50, 50, 50, 0, quiet, 2305, "N 0.9 is 90 % (not over): broken"],
    [0.95, 50, 85, 70, 0, quiet, 3405, "overcast, moist 700 hPa: middle cloud"],
    [0.95, 65, 85, 70, 30, quiet, 3604, "overcast, moist 850 and 700 hPa: thick layers, convection ignored"],
    [0.95, 65, 50, 70, 0, quiet, 3307, "overcast, moist 850 hPa only: low cloud"],
    [0.95, 65, 50, 70, 25.5, quiet, 3309, "overcast, K over 25: large shower cloud"],
    [0.95, 50, 50, 50, 21, quiet, 2303, "overcast, K over 20"],
    [0.95, 50, 50, 50, 16, quiet, 2302, "overcast, K over 15"],
    [0.95, 50, 50, 50, 15, winter, 2303, "overcast, K 15 (not over), winter lability"],
    [0.95, 50, 50, 50, 0, summer, 3306, "overcast: summer lability has no code of its own"],
    [0.7, 50, 50, 70, 0, quiet, 2501, "broken, moist 500 hPa: cirrus"],
    [0.7, 50, 50, 60, 0, quiet, 2305, "broken: stratocumulus"],
    [0.7, 50, 85, 60, 0, quiet, 2403, "broken, moist 700 hPa"],
    [0.7, 85, 85, 70, 0, quiet, 2307, "broken, moist 850 hPa wins over 700 hPa"],
    [0.7, 85, 85, 70, 26, quiet, 3309, "broken, K over 25"],
    [0.7, 50, 50, 50, 0, winter, 2303, "broken, winter lability"],
    [0.7, 50, 50, 50, 0, summer, 2305, "broken, summer lability ignored"],
    [0.3, 50, 50, 62, 0, quiet, 1501, "scattered, 500 hPa over 60 %: thin cirrus"],
    [0.3, 50, 50, 55, 0, quiet, 1305, "scattered: low cloud"],
    [0.3, 50, 75, 55, 0, quiet, 1403, "scattered, 700 hPa over 70 %"],
    [0.3, 85, 75, 62, 0, quiet, 1305, "scattered, 850 hPa over 80 % wins"],
    [0.3, 50, 50, 50, 30, quiet, 1309, "scattered, K over 25"],
    [0.3, 50, 50, 50, 22, quiet, 1303, "scattered, K over 20"],
    [0.3, 50, 50, 50, 18, quiet, 1302, "scattered, K over 15"],
    [0.3, 50, 50, 50, 0, summer, 1301, "scattered, summer lability: fair-weather cumulus"],
    [0.3, 50, 50, 50, 0, winter, 1303, "scattered, winter lability"],
    [0.1, 90, 90, 90, 30, quiet, 0, "N 0.1 is 10 %: clear, whatever the rest"],
    [0.05, 50, 50, 50, 0, winter, 1303, "clear but winter lability"],
    [0.05, 50, 50, 50, 0, summer, 0, "clear, summer lability ignored"],
  ];
  for (const [n, rh850, rh700, rh500, k, [t0, t850], code, why] of cases) {
    it(`${code}: ${why}`, () => {
      assert.equal(cloudSymbol(t0, n, k, t850, rh850, rh700, rh500), code);
      assert.equal(expectedSymbol(t0, n, k, t850, rh850, rh700, rh500), code);
    });
  }

  it("reads humidity as a fraction (RH-0TO1) times 100, as himan for a unit other than percent", () => {
    const one = (v: number) => Float64Array.of(v);
    const common = {
      "T-K height 0": one(c(5)),
      "N-0TO1 height 0": one(0.95),
      "KINDEX-N height 0": one(0),
      "T-K pressure 850": one(c(0)),
    };
    const percent = {
      "RH-PRCNT pressure 850": one(50),
      "RH-PRCNT pressure 700": one(85),
      "RH-PRCNT pressure 500": one(70),
    };
    const fraction = {
      "RH-0TO1 pressure 850": one(0.5),
      "RH-0TO1 pressure 700": one(0.85),
      "RH-0TO1 pressure 500": one(0.7),
    };
    for (const humidity of [percent, fraction]) {
      const [out] = runPlugin("cloud_code", {}, targetAt("height", 0), { ...common, ...humidity });
      assert.equal(out.param.name, "CLDSYM-N");
      assert.deepEqual([...out.values], [3405]);
    }
  });

  it("is missing where any input is", () => {
    assert.ok(Number.isNaN(cloudSymbol(c(5), Number.NaN, 0, c(0), 50, 50, 50)));
    assert.ok(Number.isNaN(cloudSymbol(c(5), 0.05, 0, c(0), 50, 50, Number.NaN)));
  });
});

const step = 12;
/** Lawrence (2005) as himan's dewpoint writes it. */
const dewPoint = (t: number, rh: number) => t / (1 - t * Math.log(rh / 100) * (461.5 / 2.5e6));

describe("cloud_code on ECMWF's fields (GRIB1 table 128) through the processqueue", () => {
  const dir = tempDir("cb-cloudcode-");
  const input = join(dir, "ec.grib");
  before(() => {
    // Fields vary at different rates across the grid, so that every band meets every humidity and
    // K-index class; r850 spans 45-95 % (the 850 hPa dew point, and so the K-index, with it).
    const fields = [
      { parameter: 130, level: 850, expr: "272+8*cos(rad(3*clat(v)))+3*sin(rad(17*clon(v)))" },
      { parameter: 130, level: 700, expr: "264+6*cos(rad(3*clat(v)))" },
      { parameter: 130, level: 500, expr: "248+4*cos(rad(3*clat(v)))-5*sin(rad(23*clon(v)+7*clat(v)))" },
      { parameter: 157, level: 850, expr: "70+25*sin(rad(9*clat(v)-4*clon(v)))" },
      { parameter: 157, level: 700, expr: "75+12*cos(rad(7*clon(v)+5*clat(v)))" },
      { parameter: 157, level: 500, expr: "62+8*sin(rad(13*clat(v)))" },
    ];
    for (const f of fields) appendEcmwfGrib1(dir, input, { ...f, levelType: 100, step });
    appendEcmwfGrib1(dir, input, { parameter: 164, expr: "0.5+0.5*sin(rad(11*clon(v)))", step });
    appendEcmwfGrib1(dir, input, {
      parameter: 235,
      expr: "280+10*cos(rad(5*clat(v)))+6*sin(rad(8*clon(v)))",
      step,
    });
  });

  const configuration = (withStability: boolean) => ({
    source_producer: "131",
    target_producer: "240",
    hours: String(step),
    file_write: "multiple",
    origintime: "2026-11-24 00:00:00",
    processqueue: [
      { leveltype: "pressure", levels: "850,700", file_write: "cache only", plugins: [{ name: "dewpoint" }] },
      ...(withStability
        ? [{ leveltype: "height", levels: "0", file_write: "cache only", plugins: [{ name: "stability" }] }]
        : []),
      {
        leveltype: "height",
        levels: "0",
        file_write: "cache only",
        plugins: [{ name: "transformer", source_param: "SKT-K", target_param: "T-K" }],
      },
      { leveltype: "height", levels: "0", plugins: [{ name: "cloud_code" }] },
    ],
  });

  it("CLDSYM-N follows himan's rules at every point, coded as himan's", async () => {
    const config = join(dir, "cloud_code_ec.json");
    writeFileSync(config, JSON.stringify(configuration(true)));
    const out = tempDir("cb-cloudcode-out-");
    const result = await processFiles(config, out, [input], "grib2");
    assert.equal(result.code, 0, result.stderr);
    const name = "CLDSYM-N_height_0_rll_529_461_0_012.grib2";
    assert.deepEqual(readdirSync(out), [name]);
    const file = join(out, name);
    assert.deepEqual(gribKeys(file, ["discipline", "parameterCategory", "parameterNumber", "typeOfLevel"]), {
      discipline: "0",
      parameterCategory: "6",
      parameterNumber: "8",
      typeOfLevel: "heightAboveGround",
    });

    const [t850, t700, t500, r850, r700, r500, tcc, skt] = [1, 2, 3, 4, 5, 6, 7, 8].map((m) =>
      gribValues(input, m),
    );
    const symbols = gribValues(file);
    assert.equal(symbols.length, t850.length);
    const seen = new Map<number, number>();
    let checked = 0;
    for (let i = 0; i < symbols.length; i++) {
      const k =
        t850[i] - t500[i] + dewPoint(t850[i], r850[i]) - (t700[i] - dewPoint(t700[i], r700[i])) - 273.15;
      // The K-index is computed in the chain in another order of operations: a hair from a class
      // bound, either class.
      if ([15, 20, 25].some((bound) => Math.abs(k - bound) < 1e-9)) continue;
      const expected = expectedSymbol(skt[i], tcc[i], k, t850[i], r850[i], r700[i], r500[i]);
      assert.equal(symbols[i], expected, `point ${i}: ${symbols[i]}, expected ${expected}`);
      seen.set(expected, (seen.get(expected) ?? 0) + 1);
      checked++;
    }
    assert.ok(checked > symbols.length - 10, `${checked} of ${symbols.length} checked`);
    const codes = [...seen.keys()].sort((a, b) => a - b);
    assert.deepEqual(
      codes,
      [
        0, 1301, 1302, 1303, 1305, 1309, 1403, 1501, 2302, 2303, 2305, 2307, 2403, 2501, 3306, 3307, 3309,
        3405, 3502, 3604,
      ],
      JSON.stringify(Object.fromEntries(seen)),
    );
  });

  it("GRIB1 carries FMI's table 203 code 15; without the K-index the task is skipped, naming it", async () => {
    const config = join(dir, "cloud_code_nok.json");
    writeFileSync(config, JSON.stringify(configuration(false)));
    const out = tempDir("cb-cloudcode-out-");
    const missing = await processFiles(config, out, [input], "grib");
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cloud_code height 0 step 12: skipped, missing KINDEX-N height 0 step 12h/);

    writeFileSync(config, JSON.stringify(configuration(true)));
    const written = await processFiles(config, out, [input], "grib");
    assert.equal(written.code, 0, written.stderr);
    const file = join(out, "CLDSYM-N_height_0_rll_529_461_0_012.grib");
    assert.deepEqual(gribKeys(file, ["centre", "table2Version", "indicatorOfParameter"]), {
      centre: "efkl",
      table2Version: "203",
      indicatorOfParameter: "15",
    });
  });
});
