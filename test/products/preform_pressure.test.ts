// himan's precipitation form from pressure levels (preform_pressure): each class from hand-made columns
// at and across himan's thresholds, then FMI's chain on ECMWF's data as ECMWF encodes it (GRIB1 table 128
// with its local section, by CDO and ecCodes) through the real `cloudburst process`: RH at 2 m from 2t/2d,
// w on 925/850 hPa from ω, the hour's precipitation and snowfall from tp and sf, all kept in the cache,
// then preform_pressure at height 0, every point checked against himan's rules applied here to ecCodes'
// decoding of the inputs.
import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import {
  precipitationForm as form,
  type PressureColumn,
  preformPressure,
} from "../../src/products/plugins/preform_pressure.ts";
import { tempDir } from "../helpers/cli.ts";
import { appendEcmwfGrib1 } from "./ecmwf-data.ts";
import { gribKeys, gribValues } from "./oracle.ts";
import { processFiles } from "./process-cli.ts";

/** Rain from a moist low level under a moist middle level, warm at the ground, no snowfall. */
const rainy: PressureColumn = {
  t2: 4,
  t925: 2,
  t850: -1,
  t700: -6,
  rh2: 80,
  rh925: 85,
  rh850: 85,
  rh700: 85,
  w925: 5,
  w850: 5,
  surfacePressure: 1005,
  precipitation: 1,
  snowfall: 0,
};
/** Stratus at the ground and at 925 hPa under a dry middle level, weak precipitation: drizzle. */
const drizzly: PressureColumn = { ...rainy, rh2: 95, rh925: 95, rh700: 60, precipitation: 0.2 };
/** The same stratus freezing, with lift, at a freezing surface: freezing drizzle. */
const freezingDrizzly: PressureColumn = { ...drizzly, t2: -3, t925: -5, w925: 10, precipitation: 0.1 };
/** A moist melting layer at 925 hPa over a freezing surface: freezing rain. */
const freezingRainy: PressureColumn = { ...rainy, t2: -2, t925: 2, rh925: 95 };

describe("preform_pressure's classes on hand-made columns", () => {
  const classify = (changes: Partial<PressureColumn>, base = rainy) =>
    preformPressure({ ...base, ...changes });

  it("rain, and drizzle only from a stratus at the level the surface pressure puts it, weak and under dry air", () => {
    assert.equal(classify({}), form.rain);
    assert.equal(classify({}, drizzly), form.drizzle);
    assert.equal(classify({ precipitation: 0.3 }, drizzly), form.drizzle);
    assert.equal(classify({ precipitation: 0.31 }, drizzly), form.rain);
    assert.equal(classify({ rh700: 80 }, drizzly), form.rain);
    assert.equal(classify({ rh2: 90 }, drizzly), form.rain);
    // surface between 850 and 925 hPa: the stratus must be at 850 hPa
    assert.equal(classify({ surfacePressure: 920 }, drizzly), form.rain);
    assert.equal(classify({ surfacePressure: 920, rh850: 95 }, drizzly), form.drizzle);
    // surface above 850 hPa: no drizzle at all
    assert.equal(classify({ surfacePressure: 840, rh850: 95 }, drizzly), form.rain);
    // drizzle with up to 15 % snowfall, sleet above
    assert.equal(classify({ snowfall: 0.03 }, drizzly), form.drizzle);
    assert.equal(classify({ snowfall: 0.031 }, drizzly), form.sleet);
  });

  it("sleet and snow by the snowfall's fraction, snow wherever the surface freezes", () => {
    assert.equal(classify({ snowfall: 0.16 }), form.sleet);
    assert.equal(classify({ snowfall: 0.79 }), form.sleet);
    assert.equal(classify({ snowfall: 0.8 }), form.snow);
    assert.equal(classify({ snowfall: 1 }), form.snow);
    assert.equal(classify({ t2: 0, t925: -1 }), form.snow);
    assert.equal(classify({ t2: 0.01, t925: -1 }), form.rain);
  });

  it("freezing drizzle from a freezing stratus with lift, within himan's limits", () => {
    assert.equal(classify({}, freezingDrizzly), form.freezingDrizzle);
    assert.equal(classify({ t2: -9.9 }, freezingDrizzly), form.freezingDrizzle);
    // out of his limits it is snow (the surface freezes and no melting layer is above)
    assert.equal(classify({ t2: -10 }, freezingDrizzly), form.snow);
    assert.equal(classify({ w925: 0 }, freezingDrizzly), form.snow);
    assert.equal(classify({ w925: 50 }, freezingDrizzly), form.snow);
    assert.equal(classify({ t925: -12 }, freezingDrizzly), form.snow);
    assert.equal(classify({ t925: 0 }, freezingDrizzly), form.snow);
    assert.equal(classify({ precipitation: 0.21 }, freezingDrizzly), form.snow);
    assert.equal(classify({ rh925: 90 }, freezingDrizzly), form.snow);
    // the stratus needs 15 hPa below 925 hPa; between 865 and 940 hPa it is looked for at 850 hPa
    assert.equal(classify({ surfacePressure: 940 }, freezingDrizzly), form.snow);
    const at850 = { surfacePressure: 940, t850: -4, rh850: 95, w850: 20 };
    assert.equal(classify(at850, freezingDrizzly), form.freezingDrizzle);
    assert.equal(classify({ ...at850, surfacePressure: 865 }, freezingDrizzly), form.snow);
    // a freezing stratus takes precedence over a moist melting layer above it
    assert.equal(classify({ t850: 2, rh850: 95 }, freezingDrizzly), form.freezingDrizzle);
  });

  it("freezing rain from a moist melting layer above a freezing surface, at the levels above the ground", () => {
    assert.equal(classify({}, freezingRainy), form.freezingRain);
    assert.equal(classify({ rh925: 89.9 }, freezingRainy), form.snow);
    assert.equal(classify({ t925: -1, t850: 1, rh850: 90 }, freezingRainy), form.freezingRain);
    // 925 hPa under the ground (surface at 900 hPa): only a layer at 850 hPa counts
    assert.equal(classify({ surfacePressure: 900 }, freezingRainy), form.snow);
    assert.equal(classify({ surfacePressure: 900, t850: 1, rh850: 95 }, freezingRainy), form.freezingRain);
    // surface between 715 and 865 hPa: a layer at 700 hPa
    const high = { surfacePressure: 800, t700: 1, rh700: 90 };
    assert.equal(classify(high, freezingRainy), form.freezingRain);
    assert.equal(classify({ ...high, surfacePressure: 715 }, freezingRainy), form.snow);
    // at a surface above 940 hPa a warm 700 hPa alone is not enough
    assert.equal(classify({ t925: -1, t700: 1, rh700: 95 }, freezingRainy), form.snow);
  });

  it("missing without precipitation or with any missing input but the snowfall (then all water)", () => {
    assert.ok(Number.isNaN(classify({ precipitation: 0 })));
    assert.ok(Number.isNaN(classify({ precipitation: Number.NaN })));
    for (const key of Object.keys(rainy) as Array<keyof PressureColumn>) {
      if (key === "snowfall" || key === "precipitation") continue;
      assert.ok(Number.isNaN(classify({ [key]: Number.NaN })), key);
    }
    assert.equal(classify({ snowfall: Number.NaN }, drizzly), form.drizzle);
    assert.equal(classify({ snowfall: Number.NaN }), form.rain);
  });
});

/** himan's rules as his preform_pressure.cpp orders them (°C, %, mm/s, hPa, mm/h); NaN: no form. */
function himanForm(c: PressureColumn): number {
  const { t2: T, t925: T925, t850: T850, t700: T700, rh2: RH, rh925, rh850, rh700, w925, w850 } = c;
  const { surfacePressure: P, precipitation: RR, snowfall: SNR } = c;
  if (RR === 0 || Number.isNaN(RR)) return Number.NaN;
  if ([T, T925, T850, T700, RH, rh925, rh850, rh700, w925, w850, P].some(Number.isNaN)) return Number.NaN;
  let f = Number.NaN;
  if (T <= 0 && T > -10 && rh700 < 80 && RH > 90 && RR <= 0.2) {
    if (P > 940 && rh925 > 90 && T925 < 0 && T925 > -12 && w925 > 0 && w925 < 50) f = 4;
    if (P <= 940 && P > 865 && rh850 > 90 && T850 < 0 && T850 > -12 && w850 > 0 && w850 < 50) f = 4;
  }
  if (Number.isNaN(f) && T <= 0 && (T925 > 0 || T850 > 0 || T700 > 0)) {
    if (P > 940 && ((T925 > 0 && rh925 >= 90) || (T850 > 0 && rh850 >= 90))) f = 5;
    if (P <= 940 && P > 865 && T850 > 0 && rh850 >= 90) f = 5;
    if (P <= 865 && P > 715 && T700 > 0 && rh700 >= 90) f = 5;
  }
  const ratio = Number.isNaN(SNR) ? 0 : SNR / RR;
  if (Number.isNaN(f) && (ratio >= 0.8 || T <= 0)) f = 3;
  if (Number.isNaN(f) && ratio > 0.15 && ratio < 0.8) f = 2;
  if (Number.isNaN(f) && ratio <= 0.15) {
    if (rh700 < 80 && RH > 90 && RR <= 0.3) {
      if (P > 925 && rh925 > 90) f = 0;
      if (P <= 925 && P > 850 && rh850 > 90) f = 0;
    }
    if (Number.isNaN(f)) f = 1;
  }
  return f;
}

/** himan's thresholds of each quantity: a point within a hair of one may fall either way. */
const thresholds: Partial<Record<keyof PressureColumn | "ratio", number[]>> = {
  t2: [0, -10],
  t925: [0, -12],
  t850: [0, -12],
  t700: [0],
  rh2: [90],
  rh925: [90],
  rh850: [90],
  rh700: [80, 90],
  w925: [0, 50],
  w850: [0, 50],
  surfacePressure: [940, 925, 865, 850, 715],
  precipitation: [0.2, 0.3],
  ratio: [0.15, 0.8],
};

function nearThreshold(c: PressureColumn): boolean {
  const values: Record<string, number> = { ...c, ratio: c.snowfall / c.precipitation };
  return Object.entries(thresholds).some(([key, limits]) =>
    limits.some((limit) => Math.abs(values[key] - limit) < 1e-6),
  );
}

describe("preform_pressure on ECMWF's data (GRIB1 table 128) through FMI's chain", () => {
  const step = 12;
  const dir = tempDir("cb-preform-");
  const source = join(dir, "ec.grib");
  // ECMWF's regular 0.25° grid over Europe, as disseminated (north to south)
  const grid = "gridtype=lonlat xsize=241 ysize=161 xfirst=-20 xinc=0.25 yfirst=70 yinc=-0.25";
  // Each quantity varies along its own direction, so that the grid holds every combination of them.
  const fields = [
    { parameter: 167, expr: "273.15+5*sin(rad(43*clon(v)))" },
    { parameter: 168, expr: "272.2+5*sin(rad(43*clon(v)))-0.75*sin(rad(47*clat(v)))" },
    { parameter: 134, expr: "96000+8000*sin(rad(31*clat(v)+17*clon(v)))" },
    { parameter: 130, levelType: 100, level: 925, expr: "271.15+5*cos(rad(53*clat(v)))" },
    { parameter: 130, levelType: 100, level: 850, expr: "272.15+4*sin(rad(37*clon(v)+23*clat(v)))" },
    { parameter: 130, levelType: 100, level: 700, expr: "268.15+7*cos(rad(29*clon(v)-19*clat(v)))" },
    { parameter: 157, levelType: 100, level: 925, expr: "92+6*sin(rad(41*clon(v)+27*clat(v)))" },
    { parameter: 157, levelType: 100, level: 850, expr: "92+6*cos(rad(59*clat(v)-13*clon(v)))" },
    { parameter: 157, levelType: 100, level: 700, expr: "65+20*sin(rad(33*clon(v)-39*clat(v)))" },
    { parameter: 135, levelType: 100, level: 925, expr: "-0.1-0.4*sin(rad(61*clat(v)+7*clon(v)))" },
    { parameter: 135, levelType: 100, level: 850, expr: "-0.3*cos(rad(67*clon(v)))" },
    // tp and sf accumulated from step 0 (m of water): an hour of up to 0.42 mm, a part of it snow
    { parameter: 228, accumulated: true, step: step - 1, expr: "0.004+0.001*cos(rad(clat(v)))" },
    {
      parameter: 228,
      accumulated: true,
      expr: "0.004+0.001*cos(rad(clat(v)))+0.0003*(sin(rad(19*clon(v)+44*clat(v)))+0.4)",
    },
    { parameter: 144, accumulated: true, step: step - 1, expr: "0.002+0.0005*sin(rad(clon(v)))" },
    {
      parameter: 144,
      accumulated: true,
      expr: "0.002+0.0005*sin(rad(clon(v)))+0.0003*(sin(rad(19*clon(v)+44*clat(v)))+0.4)*(0.45+0.55*sin(rad(26*clon(v)-34*clat(v))))",
    },
  ];
  const config = (extra: object[]) => ({
    source_producer: "131,240",
    target_producer: "240",
    start_hour: String(step),
    stop_hour: String(step),
    step: "1",
    origintime: "2026-11-24 00:00:00",
    file_write: "multiple",
    processqueue: [...extra, { leveltype: "height", levels: "0", plugins: [{ name: "preform_pressure" }] }],
  });
  const chain = [
    { leveltype: "height", levels: "2", file_write: "cache only", plugins: [{ name: "relative_humidity" }] },
    { leveltype: "pressure", levels: "925,850", file_write: "cache only", plugins: [{ name: "vvms" }] },
    {
      leveltype: "height",
      levels: "0",
      file_write: "cache only",
      plugins: [{ name: "split_sum", rrr: "true", snr: "true" }],
    },
  ];
  before(() => {
    for (const f of fields) appendEcmwfGrib1(dir, source, { step, grid, ...f });
  });

  /** Runs the configuration's processqueue with preform_pressure last; the product's values. */
  async function runPreform(name: string, queue: object[], files: string[]): Promise<Float64Array> {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(config(queue)));
    const out = tempDir("cb-preform-out-");
    const result = await processFiles(file, out, files, "grib");
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(readdirSync(out), ["PRECFORM-N_height_0_ll_241_161_0_012.grib"]);
    const made = join(out, "PRECFORM-N_height_0_ll_241_161_0_012.grib");
    const codes = ["table2Version", "indicatorOfParameter", "indicatorOfTypeOfLevel:l", "level"];
    assert.deepEqual(gribKeys(made, codes), {
      table2Version: "203",
      indicatorOfParameter: "59",
      "indicatorOfTypeOfLevel:l": "105",
      level: "0",
    });
    return gribValues(made);
  }

  type Humidities = Pick<PressureColumn, "rh2" | "rh925" | "rh850" | "rh700">;

  /** Each point's column from ecCodes' decoding of the source, as the chain makes it (RH at 2 m: Magnus). */
  function columns(humidities?: (i: number) => Humidities): (i: number) => PressureColumn {
    const [t2, d2, sp, t925, t850, t700, r925, r850, r700, om925, om850, tp0, tp1, sf0, sf1] = fields.map(
      (_, m) => gribValues(source, m + 1),
    );
    const rhFromTd = (t: number, td: number) => {
      const [tc, tdc] = [t - 273.15, td - 273.15];
      const rh = Math.exp((17.27 * tdc) / (tdc + 237.3) - (17.27 * tc) / (tc + 237.3));
      return 100 * Math.min(1, Math.max(0, rh));
    };
    const mms = (omega: number, t: number, hPa: number) => (-1000 * omega * 287 * t) / (9.80665 * hPa * 100);
    const hourly = (a: number, b: number, floor: number) => {
      const d = Math.max(0, (b - a) * 1000);
      return d < floor ? 0 : d;
    };
    const ecmwf = (i: number) => ({
      rh2: rhFromTd(t2[i], d2[i]),
      rh925: r925[i],
      rh850: r850[i],
      rh700: r700[i],
    });
    return (i) => ({
      t2: t2[i] - 273.15,
      t925: t925[i] - 273.15,
      t850: t850[i] - 273.15,
      t700: t700[i] - 273.15,
      ...(humidities ?? ecmwf)(i),
      w925: mms(om925[i], t925[i], 925),
      w850: mms(om850[i], t850[i], 850),
      surfacePressure: sp[i] / 100,
      precipitation: hourly(tp0[i], tp1[i], 0.01),
      snowfall: hourly(sf0[i], sf1[i], 0),
    });
  }

  /** Every point as himan's rules have it (but a hair from a threshold), each form on many points. */
  function assertHimanForms(got: Float64Array, columnAt: (i: number) => PressureColumn): void {
    const counts = [0, 0, 0, 0, 0, 0];
    let missing = 0;
    let ambiguous = 0;
    for (let i = 0; i < got.length; i++) {
      const column = columnAt(i);
      if (nearThreshold(column)) {
        ambiguous++;
        continue;
      }
      const expected = himanForm(column);
      if (!Object.is(got[i], expected))
        assert.fail(`point ${i}: ${got[i]}, expected ${expected} from ${JSON.stringify(column)}`);
      if (Number.isNaN(expected)) missing++;
      else counts[expected]++;
    }
    assert.ok(ambiguous < got.length / 1000, `${ambiguous} of ${got.length} points at a threshold`);
    assert.ok(missing > 1000, `${missing} points without precipitation`);
    assert.ok(
      counts.every((n) => n > 100),
      `drizzle, rain, sleet, snow, freezing drizzle, freezing rain: ${counts.join(", ")}`,
    );
  }

  it("PRECFORM-N is himan's form at every point, each of the six forms present", async () => {
    assertHimanForms(await runPreform("preform_ec.json", chain, [source]), columns());
  });

  it("reads HIRLAM's relative humidity (table 253, a fraction) as per cent, as himan", async () => {
    // HIRLAM's RH at 2 m and on the levels; without relative_humidity in the queue there is no RH-PRCNT at 2 m
    const hirlam = join(dir, "hirlam.grib");
    const rh = [
      { levelType: 105, level: 2, expr: "0.93+0.06*sin(rad(47*clat(v)))" },
      ...fields.filter((f) => f.parameter === 157).map((f) => ({ ...f, expr: `(${f.expr})/100` })),
    ];
    for (const f of rh)
      appendEcmwfGrib1(dir, hirlam, { step, grid, ...f, hirlam: true, table: 253, parameter: 52 });
    const fractions = rh.map((_, m) => gribValues(hirlam, m + 1));
    const percent = (i: number) => ({
      rh2: fractions[0][i] * 100,
      rh925: fractions[1][i] * 100,
      rh850: fractions[2][i] * 100,
      rh700: fractions[3][i] * 100,
    });
    const queue = chain.filter((item) => item.plugins[0].name !== "relative_humidity");
    assertHimanForms(await runPreform("preform_hirlam.json", queue, [source, hirlam]), columns(percent));
  });

  it("writes GRIB2 as WMO's precipitation type, renumbered as himan's writer does, and names a missing snowfall", async () => {
    const forms = await runPreform("preform_ec1.json", chain, [source]);
    const file = join(dir, "preform_ec2.json");
    writeFileSync(file, JSON.stringify(config(chain)));
    const out = tempDir("cb-preform-out-");
    const grib2 = await processFiles(file, out, [source], "grib2");
    assert.equal(grib2.code, 0, grib2.stderr);
    const [name] = readdirSync(out);
    const made = join(out, name!);
    assert.deepEqual(gribKeys(made, ["discipline", "parameterCategory", "parameterNumber", "shortName"]), {
      discipline: "0",
      parameterCategory: "1",
      parameterNumber: "19",
      shortName: "ptype",
    });
    // WMO code table 4.201: 11 drizzle, 1 rain, 7 rain and snow, 5 snow, 12 freezing drizzle, 3 freezing rain.
    const wmo = [11, 1, 7, 5, 12, 3];
    const types = gribValues(made);
    assert.equal(types.length, forms.length);
    for (let i = 0; i < forms.length; i++)
      if (!Object.is(types[i], Number.isNaN(forms[i]) ? Number.NaN : wmo[forms[i]]))
        assert.fail(`point ${i}: GRIB2 ${types[i]} for FMI's form ${forms[i]}`);
    const withoutSnow = join(dir, "preform_nosnow.json");
    const rrOnly = chain.map((item) =>
      item.plugins[0].name === "split_sum"
        ? { ...item, plugins: [{ name: "split_sum", rrr: "true" }] }
        : item,
    );
    writeFileSync(withoutSnow, JSON.stringify(config(rrOnly)));
    const noSnow = await processFiles(withoutSnow, tempDir("cb-preform-out-"), [source]);
    assert.equal(noSnow.code, 1);
    assert.match(
      noSnow.stderr,
      /preform_pressure height 0 step 12: skipped, missing .*SNR-KGM2 height 0 step 12h/,
    );
  });
});
