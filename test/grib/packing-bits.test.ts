import assert from "node:assert/strict";
import { test } from "node:test";
import {
  BitReader,
  BitWriter,
  ibmFloatBitsNotGreater,
  ibmFloatFromBits,
  packBits,
  readIbmFloat,
  readSignMagnitude,
  unpackBits,
  writeSignMagnitude,
} from "../../src/grib/bits.ts";
import { packSimpleData, packSimpleValues, quantise } from "../../src/grib/packing/index.ts";
import { bitsSet } from "../../src/grib/values.ts";

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

test("unpackBits agrees with a bit-by-bit reference for every width, aligned and not", () => {
  const rand = rng(1);
  for (let n = 1; n <= 32; n++) {
    for (const offset of [0, 3, 8, 13]) {
      for (const count of [0, 1, 7, 8, 9, 63, 200]) {
        const values = Array.from({ length: count }, () => Math.floor(rand() * 2 ** n));
        const w = new BitWriter();
        w.write(0, offset);
        for (const v of values) w.write(v, n);
        const bytes = w.bytes();
        // reference: bit by bit
        const ref: number[] = [];
        for (let i = 0; i < count; i++) {
          let v = 0;
          for (let b = 0; b < n; b++) {
            const p = offset + i * n + b;
            v = v * 2 + ((bytes[p >> 3] >> (7 - (p & 7))) & 1);
          }
          ref.push(v);
        }
        assert.deepEqual(ref, values, `writer n=${n}`);
        assert.deepEqual(
          Array.from(unpackBits(bytes, offset, n, count)),
          values,
          `n=${n} off=${offset} c=${count}`,
        );
        const scaled = unpackBits(bytes, offset, n, count, new Float64Array(count), 0, 10, 0.5);
        assert.deepEqual(
          Array.from(scaled),
          values.map((v) => 10 + 0.5 * v),
        );
        if (offset % 8 === 0) {
          const out = new Uint8Array(Math.ceil((offset + n * count) / 8));
          packBits(values, n, out, offset);
          assert.deepEqual(out, bytes.subarray(0, out.length), `packBits n=${n}`);
        }
        const r = new BitReader(bytes, offset);
        for (const v of values) assert.equal(r.read(n), v);
      }
    }
  }
});

test("unpackBits rejects a read past the end with an offset", () => {
  assert.throws(() => unpackBits(new Uint8Array(3), 0, 12, 3), /need 5 bytes, have 3/);
});

test("sign-magnitude and IBM floats", () => {
  const b = new Uint8Array(4);
  writeSignMagnitude(b, 0, 2, -5);
  assert.deepEqual(Array.from(b.subarray(0, 2)), [0x80, 5]);
  assert.equal(readSignMagnitude(b, 0, 2), -5);
  // 0x4110_0000 = 1.0; 0xC276_A000 = -118.625 (classic example)
  assert.equal(ibmFloatFromBits(0x41100000), 1);
  assert.equal(ibmFloatFromBits(0xc276a000), -118.625);
  assert.equal(readIbmFloat(new Uint8Array([0xc2, 0x76, 0xa0, 0]), 0), -118.625);
  const rand = rng(2);
  for (let i = 0; i < 2000; i++) {
    const x = (rand() - 0.5) * 10 ** Math.floor(rand() * 20 - 8);
    const bits = ibmFloatBitsNotGreater(x);
    const y = ibmFloatFromBits(bits);
    assert.ok(y <= x, `${y} <= ${x}`);
    assert.ok(Math.abs(x - y) <= Math.abs(x) * 2 ** -20, `${x} ~ ${y}`);
  }
  assert.equal(ibmFloatFromBits(ibmFloatBitsNotGreater(273.15)) <= 273.15, true);
});

test("widths above 32 bits (up to 53) take the generic path both ways", () => {
  const rand = rng(4);
  for (const n of [33, 40, 47, 53]) {
    for (const offset of [0, 5]) {
      const values = Array.from({ length: 37 }, () => Math.floor(rand() * 2 ** n));
      const w = new BitWriter();
      w.write(0, offset);
      for (const v of values) w.write(v, n);
      assert.deepEqual(Array.from(unpackBits(w.bytes(), offset, n, values.length)), values, `n=${n}`);
      const out = new Uint8Array(Math.ceil((offset + n * values.length) / 8));
      packBits(values, n, out, offset);
      assert.deepEqual(out, w.bytes().subarray(0, out.length));
    }
  }
});

test("packing values on the fly gives the bytes of quantise + packSimpleData, missing values skipped", () => {
  const rand = rng(5);
  for (const bits of [1, 3, 8, 12, 16, 17, 24, 25, 31, 32]) {
    for (const missing of [0, 0.2]) {
      const values = Float64Array.from({ length: 1001 }, () =>
        rand() < missing ? Number.NaN : 200 + rand() * 100,
      );
      for (const precision of [{ bitsPerValue: bits }, { decimalScaleFactor: bits % 4 }]) {
        const full = quantise(values, precision);
        const scalingOnly = quantise(values, precision, "ieee32", false);
        assert.equal(scalingOnly.integers.length, 0);
        assert.equal(scalingOnly.count, full.integers.length);
        assert.deepEqual(
          packSimpleValues(values, scalingOnly),
          packSimpleData(full),
          JSON.stringify(precision),
        );
      }
    }
  }
});

test("bitsSet counts a bitmap's set bits from any byte, to any bit", () => {
  const next = rng(42);
  const bytes = Uint8Array.from({ length: 4099 }, () => Math.floor(next() * 256));
  bytes.fill(0xff, 100, 140);
  bytes.fill(0, 200, 260);
  for (const [start, bits] of [
    [0, 4099 * 8],
    [1, 4000 * 8 + 3],
    [3, 7],
    [2, 33],
    [0, 0],
    [97, 50 * 8 + 1],
  ] as const) {
    let expected = 0;
    for (let i = 0; i < bits; i++) expected += (bytes[start + (i >> 3)]! >> (7 - (i & 7))) & 1;
    assert.equal(bitsSet(bytes, start, bits), expected, `from byte ${start}, ${bits} bits`);
  }
});
