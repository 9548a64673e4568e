// CCSDS (template 5.42) against libaec through ecCodes, both ways: files ecCodes writes with many bit
// widths, block sizes, RSIs, flags, zero-heavy and constant fields decode to grib_get_data's values; streams
// our encoder writes (inside messages from our writer) decode in ecCodes to the values we meant.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ccsdsDecode, ccsdsEncode } from "../../src/grib/ccsds/index.ts";
import { PackingError, unpackGrib2 } from "../../src/grib/packing/index.ts";
import type { RegularLatLonGrid } from "../../src/grib/types.ts";
import { encodeGrib2 } from "../../src/grib/write/index.ts";
import {
  applyBitmap,
  ecCodesGridValues,
  maxDifference,
  rawMessages,
  readBytes,
  run,
  tolerance,
} from "./packing-fixtures.ts";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function checkAgainstEcCodes(file: string): void {
  const theirs = ecCodesGridValues(file);
  const messages = rawMessages(readBytes(file));
  assert.equal(messages.length, theirs.length);
  messages.forEach((m, i) => {
    assert.equal(m.template, 42, `${file}: template`);
    const ours = applyBitmap(unpackGrib2(m.template, m.section5!, m.section7!, m.packedCount), m);
    const diff = maxDifference(ours, theirs[i]);
    assert.ok(diff <= tolerance(theirs[i]), `${file} message ${i + 1}: max difference ${diff}`);
  });
}

describe("ecCodes-written CCSDS decodes to ecCodes' values", () => {
  let dir = "";
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "cb-ccsds-"));
    writeFileSync(
      join(dir, "g.txt"),
      "gridtype=lonlat\nxsize=240\nysize=121\nxfirst=0\nxinc=1.5\nyfirst=90\nyinc=-1.5\n",
    );
    run(
      "cdo",
      [
        "-s",
        "-f",
        "grb2",
        "-b",
        "P16",
        "-add",
        "-expr,t=273.15+30*cos(rad(clat(topo)))-0.0065*((topo>0)?topo:0)",
        "-topo,g.txt",
        "-mulc,1.5",
        "-random,g.txt,42",
        "s.grb2",
      ],
      dir,
    );
    run("cdo", ["-s", "-f", "grb2", "-b", "P16", "-setrtoc,-1,0.9,0", "-random,g.txt,7", "zero.grb2"], dir);
    run("cdo", ["-s", "-f", "grb2", "-const,5.5,g.txt", "const.grb2"], dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const bits of [1, 2, 3, 5, 8, 11, 12, 16, 17, 20, 24, 25, 31, 32]) {
    test(`${bits} bits per value`, () => {
      run("grib_set", ["-r", "-s", `bitsPerValue=${bits}`, "s.grb2", `b${bits}.grb2`], dir);
      run("grib_set", ["-r", "-s", "packingType=grid_ccsds", `b${bits}.grb2`, `c${bits}.grb2`], dir);
      checkAgainstEcCodes(join(dir, `c${bits}.grb2`));
    });
  }
  for (const [blockSize, rsi] of [
    [8, 7],
    [16, 1],
    [64, 3],
    [32, 4096],
  ]) {
    test(`block size ${blockSize}, RSI ${rsi}`, () => {
      const out = `bs${blockSize}_${rsi}.grb2`;
      run(
        "grib_set",
        ["-r", "-s", `packingType=grid_ccsds,ccsdsBlockSize=${blockSize},ccsdsRsi=${rsi}`, "s.grb2", out],
        dir,
      );
      checkAgainstEcCodes(join(dir, out));
    });
  }
  for (const flags of [6, 30, 12]) {
    test(`ccsdsFlags ${flags}`, () => {
      const out = `f${flags}.grb2`;
      run("grib_set", ["-r", "-s", `packingType=grid_ccsds,ccsdsFlags=${flags}`, "s.grb2", out], dir);
      checkAgainstEcCodes(join(dir, out));
    });
  }
  test("ccsdsFlags 46 (PAD_RSI): ecCodes writes a stream libaec rejects, and so do we, with a typed error", () => {
    run("grib_set", ["-r", "-s", "packingType=grid_ccsds,ccsdsFlags=46", "s.grb2", "f46.grb2"], dir);
    assert.throws(() => ecCodesGridValues(join(dir, "f46.grb2")), /AEC_DATA_ERROR/);
    const [m] = rawMessages(readBytes(join(dir, "f46.grb2")));
    assert.equal(m.section5![21], 46);
    assert.throws(
      () => unpackGrib2(m.template, m.section5!, m.section7!, m.packedCount),
      (e: unknown) => e instanceof PackingError && e.section === 7 && e.code === "corrupt",
    );
  });
  test("zero-heavy field (zero-block runs)", () => {
    run("grib_set", ["-r", "-s", "packingType=grid_ccsds", "zero.grb2", "zc.grb2"], dir);
    checkAgainstEcCodes(join(dir, "zc.grb2"));
    run(
      "grib_set",
      ["-r", "-s", "packingType=grid_ccsds,ccsdsBlockSize=8,ccsdsRsi=200", "zero.grb2", "zc8.grb2"],
      dir,
    );
    checkAgainstEcCodes(join(dir, "zc8.grb2"));
  });
  test("constant field (0 bits per value)", () => {
    run("grib_set", ["-r", "-s", "packingType=grid_ccsds", "const.grb2", "kc.grb2"], dir);
    checkAgainstEcCodes(join(dir, "kc.grb2"));
  });
});

describe("our CCSDS encoder, decoded by ecCodes", () => {
  let dir = "";
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "cb-ccsds-enc-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const Ni = 97;
  const Nj = 53;
  const grid: RegularLatLonGrid = {
    gridType: "regular_ll",
    Ni,
    Nj,
    numberOfDataPoints: Ni * Nj,
    latitudeOfFirstGridPointInDegrees: 78,
    longitudeOfFirstGridPointInDegrees: -20,
    latitudeOfLastGridPointInDegrees: 26,
    longitudeOfLastGridPointInDegrees: 76,
    iDirectionIncrementInDegrees: 1,
    jDirectionIncrementInDegrees: 1,
    scanning: {
      iScansNegatively: 0,
      jScansPositively: 0,
      jPointsAreConsecutive: 0,
      alternativeRowScanning: 0,
    },
    shapeOfTheEarth: 6,
    earth: { shape: "sphere", radius: 6371229 },
    uvRelativeToGrid: 0,
  };
  const rand = rng(11);
  const fields: [string, Float64Array][] = [
    ["smooth", Float64Array.from({ length: Ni * Nj }, (_, i) => 280 + 10 * Math.sin(i / 50) + rand())],
    ["noise", Float64Array.from({ length: Ni * Nj }, () => rand() * 1000)],
    ["precipitation", Float64Array.from({ length: Ni * Nj }, () => (rand() < 0.85 ? 0 : rand() * 20))],
    ["steps", Float64Array.from({ length: Ni * Nj }, (_, i) => Math.floor(i / 700))],
    ["constant", new Float64Array(Ni * Nj).fill(3.25)],
    ["missing", Float64Array.from({ length: Ni * Nj }, (_, i) => (i % 7 === 0 ? Number.NaN : i * 0.01))],
  ];
  const settings = [
    { bitsPerValue: 16 },
    { bitsPerValue: 3, blockSize: 8, rsi: 5 },
    { bitsPerValue: 24, blockSize: 64, rsi: 2 },
    { bitsPerValue: 32, blockSize: 16, rsi: 128 },
    { decimalScaleFactor: 2 },
    { bitsPerValue: 12, flags: 14 | 32 },
    { bitsPerValue: 10, flags: 6 },
  ];
  for (const [name, values] of fields) {
    test(`${name} field in ${settings.length} settings`, () => {
      settings.forEach((s, k) => {
        const bytes = encodeGrib2({
          edition: 2,
          centre: 98,
          referenceTime: new Date("2026-11-24T00:00:00Z"),
          step: { start: 6, end: 6, units: "h", type: "instant" },
          parameter: { discipline: 0, parameterCategory: 0, parameterNumber: 0 },
          level: { type: 103, value: 2 },
          grid,
          values,
          packing: { type: "ccsds", ...s },
        });
        const file = join(dir, `${name}_${k}.grb2`);
        writeFileSync(file, bytes);
        const [m] = rawMessages(bytes);
        const ours = applyBitmap(unpackGrib2(m.template, m.section5!, m.section7!, m.packedCount), m);
        const [theirs] = ecCodesGridValues(file);
        const diff = maxDifference(ours, theirs);
        assert.ok(diff <= tolerance(theirs), `${name} ${JSON.stringify(s)}: ecCodes differs by ${diff}`);
        // and the values are the input within the packing's precision
        const d = maxDifference(ours, values);
        assert.ok(
          d <= quantum(values, s) / 2 + 1e-9 * 300,
          `${name} ${JSON.stringify(s)}: off input by ${d}`,
        );
      });
    });
  }
});

function quantum(values: Float64Array, s: { bitsPerValue?: number; decimalScaleFactor?: number }): number {
  if (s.bitsPerValue === undefined) return 10 ** -(s.decimalScaleFactor ?? 0);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  // reference value rounding to float32 may widen the range by one float32 ulp
  return (2 * (max - min + Math.abs(min) * 2 ** -23)) / (2 ** s.bitsPerValue - 1);
}

test("encoder and decoder agree on random streams of every width and option", () => {
  const rand = rng(3);
  for (let n = 1; n <= 32; n++) {
    for (const blockSize of [8, 16, 32, 64]) {
      for (const flags of [14, 6, 14 | 32, 15, 14 | 16]) {
        const rsi = 1 + Math.floor(rand() * 20);
        const count = 1 + Math.floor(rand() * 2000);
        const signed = flags & 1;
        const lo = signed ? -(2 ** (n - 1)) : 0;
        const hi = signed ? 2 ** (n - 1) - 1 : 2 ** n - 1;
        const samples = new Array<number>(count);
        let x = Math.floor((lo + hi) / 2);
        const mode = Math.floor(rand() * 3);
        for (let i = 0; i < count; i++) {
          if (mode === 0) x = lo + Math.floor(rand() * (hi - lo + 1));
          else if (mode === 1) {
            if (rand() < 0.05) x = lo + Math.floor(rand() * (hi - lo + 1));
          } else x = Math.min(hi, Math.max(lo, x + Math.round((rand() - 0.5) * 4)));
          samples[i] = x;
        }
        const options = { bitsPerSample: n, blockSize, rsi, flags };
        const decoded = ccsdsDecode(ccsdsEncode(samples, options), count, options);
        assert.deepEqual(Array.from(decoded), samples, JSON.stringify(options));
      }
    }
  }
});
