// Complex packing with missing values coded inside the data (templates 5.2/5.3, missing value management
// 1 and 2, spatial differencing of order 1 and 2), as NCEP and others write it: messages built here bit by
// bit, decoded by ecCodes (grib_get_data) and by us to the same values and the same missing points.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { BitWriter, bitWidth } from "../../src/grib/bits.ts";
import { unpackGrib2 } from "../../src/grib/packing/index.ts";
import type { RegularLatLonGrid } from "../../src/grib/types.ts";
import { encodeGrib2 } from "../../src/grib/write/index.ts";
import { ecCodesGridValues, maxDifference, rawMessages } from "./packing-fixtures.ts";

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

const Ni = 31;
const Nj = 17;
const grid: RegularLatLonGrid = {
  gridType: "regular_ll",
  Ni,
  Nj,
  numberOfDataPoints: Ni * Nj,
  latitudeOfFirstGridPointInDegrees: 60,
  longitudeOfFirstGridPointInDegrees: 0,
  latitudeOfLastGridPointInDegrees: 44,
  longitudeOfLastGridPointInDegrees: 30,
  iDirectionIncrementInDegrees: 1,
  jDirectionIncrementInDegrees: 1,
  scanning: { iScansNegatively: 0, jScansPositively: 0, jPointsAreConsecutive: 0, alternativeRowScanning: 0 },
  shapeOfTheEarth: 6,
  earth: { shape: "sphere", radius: 6371229 },
  uvRelativeToGrid: 0,
};

/** Integer field with primary (-1) and secondary (-2) missing markers. */
function field(seed: number): number[] {
  const rand = rng(seed);
  let x = 500;
  return Array.from({ length: Ni * Nj }, (_, i) => {
    x = Math.max(0, x + Math.round((rand() - 0.5) * 40));
    if (i >= 100 && i < 140) return -1; // a whole run missing: all-missing groups
    const r = rand();
    return r < 0.1 ? -1 : r < 0.15 ? -2 : x;
  });
}

/** Sections 5 and 7 of template 5.2 (order 0) or 5.3 (order 1, 2), groups of 9 values. */
function complexSections(values: number[], mvm: 1 | 2, order: 0 | 1 | 2): { s5: Uint8Array; s7: Uint8Array } {
  const isMissing = (v: number) => v === -1 || (mvm === 2 && v === -2);
  const coded = values.map((v) => (v === -2 && mvm === 1 ? -1 : v));
  // spatial differencing over present values
  const present = coded.filter((v) => !isMissing(v));
  const diffs = present.map((v, i) => {
    if (order === 0) return v;
    if (i < order) return 0;
    return order === 1 ? v - present[i - 1] : v - 2 * present[i - 1] + present[i - 2];
  });
  const minimum = order ? Math.min(...diffs.slice(order)) : 0;
  let k = 0;
  const packed = coded.map((v) => {
    if (isMissing(v)) return v;
    const d = diffs[k];
    return k++ < order ? 0 : d - minimum;
  });
  const L = 9;
  const groups: { ref: number; width: number; values: number[] }[] = [];
  for (let g = 0; g < packed.length; g += L) {
    const vs = packed.slice(g, g + L);
    const real = vs.filter((v) => v >= 0);
    const extra = mvm === 2 ? 2 : 1; // codes reserved at the top of each group for missing values
    if (real.length === 0) groups.push({ ref: -1, width: 0, values: vs });
    else {
      const ref = Math.min(...real);
      const span = Math.max(...real) - ref;
      // the top code(s) of every group's width mean missing, so they are never used for a value
      const hasMissing = vs.some((v) => v < 0);
      groups.push({ ref, width: !hasMissing && span === 0 ? 0 : bitWidth(span + extra), values: vs });
    }
  }
  const maxRef = Math.max(...groups.map((g) => g.ref));
  const nbits = bitWidth(maxRef + 2);
  const allMissingRef = (code: number) => 2 ** nbits - (code === -1 ? 1 : 2);
  const widthBits = bitWidth(Math.max(...groups.map((g) => g.width)));
  const lengthBits = bitWidth(L);
  const w = new BitWriter();
  const extraBytes = 2;
  const sm = (v: number, bytes: number) => w.write(v < 0 ? 2 ** (8 * bytes - 1) - v : v, 8 * bytes);
  if (order) {
    for (let i = 0; i < order; i++) sm(present[i], extraBytes);
    sm(minimum, extraBytes);
  }
  for (const g of groups) w.write(g.ref < 0 ? allMissingRef(-1) : g.ref, nbits);
  w.align();
  for (const g of groups) w.write(g.width, widthBits);
  w.align();
  for (const g of groups) w.write(g.values.length, lengthBits);
  w.align();
  for (const g of groups) {
    if (g.width === 0) continue;
    for (const v of g.values) {
      const code = v === -1 ? 2 ** g.width - 1 : v === -2 ? 2 ** g.width - 2 : v - g.ref;
      w.write(code, g.width);
    }
  }
  w.align();
  const data = w.bytes();
  const s7 = new Uint8Array(5 + data.length);
  new DataView(s7.buffer).setUint32(0, s7.length);
  s7[4] = 7;
  s7.set(data, 5);
  const s5 = new Uint8Array(order ? 49 : 47);
  const v5 = new DataView(s5.buffer);
  v5.setUint32(0, s5.length);
  s5[4] = 5;
  v5.setUint32(5, values.length);
  v5.setUint16(9, order ? 3 : 2);
  v5.setFloat32(11, 0); // R = 0, E = 0, D = 0
  s5[19] = nbits;
  s5[20] = 1; // integers
  s5[21] = 1; // general group splitting
  s5[22] = mvm;
  v5.setFloat32(23, 9999);
  v5.setFloat32(27, 9998);
  v5.setUint32(31, groups.length);
  s5[35] = 0;
  s5[36] = widthBits;
  v5.setUint32(37, 0);
  s5[41] = 1;
  v5.setUint32(42, groups[groups.length - 1].values.length);
  s5[46] = lengthBits;
  if (order) {
    s5[47] = order;
    s5[48] = extraBytes;
  }
  return { s5, s7 };
}

/** A GRIB2 message from our writer with sections 5 and 7 replaced. */
function message(s5: Uint8Array, s7: Uint8Array): Uint8Array {
  const base = encodeGrib2({
    edition: 2,
    centre: 7,
    referenceTime: new Date("2026-11-24T00:00:00Z"),
    step: { start: 0, end: 0, units: "h", type: "instant" },
    parameter: { discipline: 0, parameterCategory: 0, parameterNumber: 0 },
    level: { type: 103, value: 2 },
    grid,
    values: new Float64Array(Ni * Nj),
    packing: { type: "simple", bitsPerValue: 8 },
  });
  const parts: Uint8Array[] = [base.subarray(0, 16)];
  let p = 16;
  while (p < base.length - 4) {
    const len = new DataView(base.buffer, base.byteOffset + p).getUint32(0);
    const num = base[p + 4];
    parts.push(num === 5 ? s5 : num === 7 ? s7 : base.subarray(p, p + len));
    p += len;
  }
  parts.push(new TextEncoder().encode("7777"));
  const total = parts.reduce((a, b) => a + b.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const part of parts) {
    out.set(part, o);
    o += part.length;
  }
  new DataView(out.buffer).setUint32(12, total); // 8-byte length: the high half stays 0
  return out;
}

let dir = "";
before(() => {
  dir = mkdtempSync(join(tmpdir(), "cb-complex-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

for (const order of [0, 1, 2] as const) {
  for (const mvm of [1, 2] as const) {
    test(`template 5.${order ? 3 : 2}${order ? ` order ${order}` : ""}, missing value management ${mvm}`, () => {
      const values = field(10 * order + mvm);
      const { s5, s7 } = complexSections(values, mvm, order);
      const bytes = message(s5, s7);
      const file = join(dir, `c${order}${mvm}.grib2`);
      writeFileSync(file, bytes);
      const [theirs] = ecCodesGridValues(file);
      const [m] = rawMessages(bytes);
      const ours = unpackGrib2(m.template, m.section5!, m.section7!, m.packedCount);
      assert.equal(maxDifference(ours, theirs), 0);
      const expected = Float64Array.from(values, (v) => (v < 0 ? Number.NaN : v));
      assert.equal(maxDifference(ours, expected), 0);
      assert.ok(ours.some(Number.isNaN) && ours.some((v) => !Number.isNaN(v)));
    });
  }
}
