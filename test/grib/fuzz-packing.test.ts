// Fuzzing the values codec: random truncation, bit flips and garbage in sections 5/7 (GRIB2) and 4
// (GRIB1) never crash with anything but a typed error naming the section and offset, and never hang.
// Fixed seed, bounded iterations.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CcsdsError, ccsdsDecode, ccsdsEncode } from "../../src/grib/ccsds/index.ts";
import { PackingError, unpackGrib1, unpackGrib2 } from "../../src/grib/packing/index.ts";
import type { RegularLatLonGrid } from "../../src/grib/types.ts";
import { encodeField, type FieldPacking } from "../../src/grib/write/index.ts";
import { rawMessages, run } from "./packing-fixtures.ts";

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

const grid: RegularLatLonGrid = {
  gridType: "regular_ll",
  Ni: 40,
  Nj: 25,
  numberOfDataPoints: 1000,
  latitudeOfFirstGridPointInDegrees: 60,
  longitudeOfFirstGridPointInDegrees: 0,
  latitudeOfLastGridPointInDegrees: 36,
  longitudeOfLastGridPointInDegrees: 39,
  iDirectionIncrementInDegrees: 1,
  jDirectionIncrementInDegrees: 1,
  scanning: { iScansNegatively: 0, jScansPositively: 0, jPointsAreConsecutive: 0, alternativeRowScanning: 0 },
  shapeOfTheEarth: 6,
  earth: { shape: "sphere", radius: 6371229 },
  uvRelativeToGrid: 0,
};

function message(edition: 1 | 2, packing: FieldPacking, seed: number): Uint8Array {
  const rand = rng(seed);
  const values = Float64Array.from({ length: 1000 }, (_, i) =>
    rand() < 0.3 ? 0 : 280 + 10 * Math.sin(i / 30) + rand(),
  );
  const base = {
    centre: 98,
    referenceTime: new Date("2026-11-24T00:00:00Z"),
    step: { start: 0, end: 0, units: "h", type: "instant" },
    level: { type: 1, value: 0 },
    grid,
    values,
    packing,
  } as const;
  return edition === 2
    ? encodeField({
        ...base,
        edition: 2,
        parameter: { discipline: 0, parameterCategory: 0, parameterNumber: 0 },
      })
    : encodeField({ ...base, edition: 1, parameter: { table2Version: 128, indicatorOfParameter: 167 } });
}

/** Run the decoder on mutated sections: allowed outcomes are values or a PackingError with a section. */
function attempt(decode: () => Float64Array, expectedLength: number): "ok" | "error" {
  try {
    const out = decode();
    assert.equal(out.length, expectedLength);
    return "ok";
  } catch (e) {
    if (e instanceof PackingError) {
      assert.ok([4, 5, 7].includes(e.section), `section ${e.section}`);
      assert.ok(Number.isInteger(e.sectionOffset) && e.sectionOffset >= 0, "offset");
      assert.match(e.message, /section \d+: .*at byte offset \d+/);
      return "error";
    }
    throw e;
  }
}

function mutate(bytes: Uint8Array, rand: () => number, protect: number): Uint8Array {
  const kind = Math.floor(rand() * 3);
  if (kind === 0) return bytes.slice(0, Math.floor(rand() * bytes.length)); // truncation
  const out = bytes.slice();
  if (kind === 1) {
    const flips = 1 + Math.floor(rand() * 8);
    for (let i = 0; i < flips; i++) {
      const p = protect + Math.floor(rand() * Math.max(1, out.length - protect));
      if (p < out.length) out[p] ^= 1 << Math.floor(rand() * 8);
    }
    return out;
  }
  // garbage run
  const start = protect + Math.floor(rand() * Math.max(1, out.length - protect));
  const len = Math.floor(rand() * 64);
  for (let i = start; i < Math.min(out.length, start + len); i++) out[i] = Math.floor(rand() * 256);
  return out;
}

const packings: [1 | 2, FieldPacking][] = [
  [2, { type: "simple", bitsPerValue: 13 }],
  [2, { type: "ccsds", bitsPerValue: 16 }],
  [2, { type: "ccsds", bitsPerValue: 7, blockSize: 8, rsi: 3 }],
  [1, { type: "simple", decimalScaleFactor: 2 }],
];

test("mutated sections give values or a typed error naming section and offset (fixed seed)", () => {
  const rand = rng(20261124);
  const outcomes = { ok: 0, error: 0 };
  const started = Date.now();
  for (const [edition, packing] of packings) {
    const [m] = rawMessages(message(edition, packing, 1));
    for (let iter = 0; iter < 400; iter++) {
      if (edition === 2) {
        // mutate section 7 (data) most of the time, section 5 (parameters) sometimes
        const target = rand() < 0.75 ? 7 : 5;
        const s5 = target === 5 ? mutate(m.section5!, rand, 11) : m.section5!;
        const s7 = target === 7 ? mutate(m.section7!, rand, 5) : m.section7!;
        const template = s5.length >= 11 ? s5[9] * 256 + s5[10] : m.template;
        outcomes[attempt(() => unpackGrib2(template, s5, s7, m.packedCount), m.packedCount)]++;
      } else {
        const s4 = mutate(m.section4!, rand, 3);
        outcomes[attempt(() => unpackGrib1(s4, m.packedCount, m.decimalScaleFactor), m.packedCount)]++;
      }
    }
  }
  assert.ok(outcomes.ok > 0 && outcomes.error > 0, JSON.stringify(outcomes));
  assert.ok(Date.now() - started < 30_000, "no hang");
});

test("second-order packed messages (made by ecCodes) under mutation: values or typed errors", () => {
  const dir = mkdtempSync(join(tmpdir(), "cb-fuzz-so-"));
  try {
    const rand = rng(99);
    const outcomes = { ok: 0, error: 0 };
    for (const edition of [1, 2] as const) {
      const source = join(dir, `src${edition}.grib`);
      const packed = join(dir, `so${edition}.grib`);
      writeFileSync(source, message(edition, { type: "simple", bitsPerValue: 14 }, 3));
      run("grib_set", ["-r", "-s", "packingType=grid_second_order", source, packed]);
      const [m] = rawMessages(new Uint8Array(readFileSync(packed)));
      for (let iter = 0; iter < 300; iter++) {
        if (edition === 2) {
          const target = rand() < 0.7 ? 7 : 5;
          const s5 = target === 5 ? mutate(m.section5!, rand, 11) : m.section5!;
          const s7 = target === 7 ? mutate(m.section7!, rand, 5) : m.section7!;
          outcomes[attempt(() => unpackGrib2(50002, s5, s7, m.packedCount), m.packedCount)]++;
        } else {
          const s4 = mutate(m.section4!, rand, 4);
          outcomes[attempt(() => unpackGrib1(s4, m.packedCount, m.decimalScaleFactor), m.packedCount)]++;
        }
      }
    }
    assert.ok(outcomes.ok > 0 && outcomes.error > 0, JSON.stringify(outcomes));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("CCSDS decoder on garbage: typed errors with a byte offset, no hang", () => {
  const rand = rng(7);
  let errors = 0;
  for (let iter = 0; iter < 300; iter++) {
    const n = 1 + Math.floor(rand() * 32);
    const options = {
      bitsPerSample: n,
      blockSize: [8, 16, 32, 64][iter % 4],
      rsi: 1 + (iter % 17),
      flags: iter % 3 ? 14 : 6,
    };
    const count = 1 + Math.floor(rand() * 3000);
    let stream: Uint8Array;
    if (iter % 2) {
      stream = Uint8Array.from({ length: Math.floor(rand() * 500) }, () => Math.floor(rand() * 256));
    } else {
      const samples = Array.from({ length: count }, () => Math.floor(rand() * 2 ** n));
      stream = ccsdsEncode(samples, options);
      stream = stream.slice(0, Math.floor(rand() * stream.length));
    }
    try {
      ccsdsDecode(stream, count, options);
    } catch (e) {
      assert.ok(e instanceof CcsdsError, String(e));
      assert.ok(e.offset >= 0 && e.offset <= stream.length + 1024);
      errors++;
    }
  }
  assert.ok(errors > 100);
});

test("all-zero CCSDS stream of a huge count fails fast instead of scanning forever", () => {
  const options = { bitsPerSample: 16, blockSize: 32, rsi: 128, flags: 14 };
  assert.throws(() => ccsdsDecode(new Uint8Array(64), 10_000_000, options), CcsdsError);
});

test("a CCSDS fundamental sequence longer than any encoder writes, ending the stream, decodes", () => {
  // the decoder reads the caller's bytes in place and only the tail from a padded copy; a legal but
  // absurd 65,535-bit sequence in the last block starts far before that tail and ends at the very end
  const bits: number[] = [];
  const put = (v: number, n: number) => {
    for (let b = n - 1; b >= 0; b--) bits.push((v >>> b) & 1);
  };
  const fs = (v: number) => {
    for (let i = 0; i < v; i++) bits.push(0);
    bits.push(1);
  };
  const options = { bitsPerSample: 16, blockSize: 8, rsi: 4, flags: 0 };
  const expected: number[] = [];
  for (let block = 0; block < 63; block++) {
    put(15, 4); // uncompressed (id length 4 for 9..16 bits)
    for (let i = 0; i < 8; i++) {
      const v = ((block * 8 + i) * 4099) & 0xffff;
      put(v, 16);
      expected.push(v);
    }
  }
  put(2, 4); // split sample, k = 1
  const last = [65535, 0, 1, 2, 3, 4, 5, 6];
  for (const v of last) fs(v >>> 1);
  for (const v of last) put(v & 1, 1);
  expected.push(...last);
  const stream = new Uint8Array(Math.ceil(bits.length / 8));
  bits.forEach((b, i) => {
    stream[i >>> 3] |= b << (7 - (i & 7));
  });
  assert.deepEqual(Array.from(ccsdsDecode(stream, expected.length, options)), expected);
  // the same stream cut short by a byte: a typed error, not values
  assert.throws(
    () => ccsdsDecode(stream.subarray(0, stream.length - 1), expected.length, options),
    CcsdsError,
  );
});

test("an absurd value count is refused before anything is allocated", () => {
  for (const [edition, packing] of packings) {
    const [m] = rawMessages(message(edition, packing, 2));
    const huge = 2 ** 32 - 1;
    assert.throws(
      () =>
        edition === 2
          ? unpackGrib2(m.template, m.section5!, m.section7!, huge)
          : unpackGrib1(m.section4!, huge, m.decimalScaleFactor),
      (e: unknown) => e instanceof PackingError && e.code === "corrupt",
    );
  }
});
