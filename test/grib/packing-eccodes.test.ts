// Decoded values equal ecCodes' (grib_get_data) for every GRIB file in shared/data/himan-dev and for a
// small set made like make-grib-testdata.sh (every packing, GRIB1, bitmaps, reduced Gaussian).
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  PackingError,
  type PrecisionChoice,
  quantise,
  unpackGrib1,
  unpackGrib2,
} from "../../src/grib/packing/index.ts";
import {
  applyBitmap,
  ecCodesGridValues,
  ecCodesKeys,
  makeSmallTestData,
  maxDifference,
  type RawMessage,
  rawMessages,
  readBytes,
  run,
  tolerance,
} from "./packing-fixtures.ts";

const himan = join(import.meta.dirname, "../../../shared/data/himan-dev");

function gribFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...gribFiles(path));
    else if (/\.grib2?$|\.grb2?$/.test(name)) out.push(path);
  }
  return out.sort();
}

function decode(m: RawMessage): Float64Array {
  const packed =
    m.edition === 2
      ? unpackGrib2(m.template, m.section5!, m.section7!, m.packedCount)
      : unpackGrib1(m.section4!, m.packedCount, m.decimalScaleFactor);
  assert.equal(packed.length, m.packedCount);
  return applyBitmap(packed, m);
}

function checkFile(file: string): void {
  const messages = rawMessages(readBytes(file));
  const theirs = ecCodesGridValues(file);
  assert.equal(messages.length, theirs.length, `${file}: message count`);
  messages.forEach((m, i) => {
    const ours = decode(m);
    const diff = maxDifference(ours, theirs[i]);
    assert.ok(diff <= tolerance(theirs[i]), `${file} message ${i + 1}: max difference ${diff}`);
  });
}

describe("values equal grib_get_data for every file in himan-dev", () => {
  for (const file of gribFiles(himan)) {
    test(file.slice(himan.length + 1), () => checkFile(file));
  }
});

describe("values equal grib_get_data for synthetic files in every packing", () => {
  let dir = "";
  let files: string[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "cb-grib-packing-"));
    files = makeSmallTestData(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  test("every packing ecCodes writes decodes to ecCodes' values", () => {
    let checked = 0;
    for (const f of files) {
      const messages = rawMessages(readBytes(join(dir, f)));
      // ecCodes' second-order packing is its local template 5.50002 in GRIB2
      if (f === "t2m_grid_second_order.grb2") assert.equal(messages[0].template, 50002);
      checkFile(join(dir, f));
      checked++;
    }
    assert.equal(checked, files.length);
    assert.ok(checked >= 17);
  });
  test("every packing fills a caller's array that held other values as it fills a new one", () => {
    // what a tool walking files does: one array for field after field (ValuesBuffer)
    const messages = files.flatMap((f) => rawMessages(readBytes(join(dir, f))));
    const into = new Float64Array(Math.max(...messages.map((m) => m.packedCount)) + 7);
    const templates = new Set<number>();
    messages.forEach((m, k) => {
      const unpack = (out?: Float64Array) =>
        m.edition === 2
          ? unpackGrib2(m.template, m.section5!, m.section7!, m.packedCount, out)
          : unpackGrib1(m.section4!, m.packedCount, m.decimalScaleFactor, out);
      const fresh = unpack();
      into.fill(k % 2 ? Number.NaN : -1234.5); // an earlier field's leftovers
      const reused = unpack(into);
      assert.equal(reused.buffer, into.buffer, `message ${k + 1}: not decoded into the caller's array`);
      assert.equal(reused.length, fresh.length);
      for (let i = 0; i < fresh.length; i++) {
        if (!Object.is(reused[i], fresh[i])) {
          assert.fail(
            `message ${k + 1} (template ${m.template}): value ${i} is ${reused[i]}, not ${fresh[i]}`,
          );
        }
      }
      templates.add(m.template);
    });
    // complex with spatial differencing, PNG, second order, JPEG 2000, CCSDS, IEEE, simple, GRIB1
    for (const t of [3, 41, 50002, 40, 42, 4, 0, -1]) assert.ok(templates.has(t), `no template ${t}`);
  });
  test("quantisation at a chosen precision picks ecCodes' reference value, scale factors and width", () => {
    const source = join(dir, "t2m_grid_simple.grb2");
    const [m] = rawMessages(readBytes(source));
    const values = unpackGrib2(m.template, m.section5!, m.section7!, m.packedCount);
    const settings: [string, PrecisionChoice][] = [
      ["bitsPerValue=12", { bitsPerValue: 12 }],
      ["bitsPerValue=24", { bitsPerValue: 24 }],
      ["bitsPerValue=5", { bitsPerValue: 5 }],
      ["changeDecimalPrecision=2", { decimalScaleFactor: 2 }],
      ["changeDecimalPrecision=1", { decimalScaleFactor: 1 }],
    ];
    for (const [set, choice] of settings) {
      const out = join(dir, "q.grb2");
      run("grib_set", ["-r", "-s", set, source, out]);
      const [[R, E, D, bits]] = ecCodesKeys(out, [
        "referenceValue:d",
        "binaryScaleFactor",
        "decimalScaleFactor",
        "bitsPerValue",
      ]);
      const q = quantise(values, choice);
      assert.deepEqual(
        [q.binaryScaleFactor, q.decimalScaleFactor, q.bitsPerValue],
        [Number(E), Number(D), Number(bits)],
        set,
      );
      assert.ok(
        Math.abs(q.referenceValue - Number(R)) <= Math.abs(q.referenceValue) * 1e-9,
        `${set}: R ${q.referenceValue} vs ${R}`,
      );
    }
  });
  for (const packing of [
    "grid_simple",
    "grid_png",
    "grid_jpeg",
    "grid_complex_spatial_differencing",
    "grid_ieee",
    "grid_second_order",
  ]) {
    // ecCodes writes JPEG 2000 up to 31 bits
    const widths = packing === "grid_jpeg" ? [1, 12, 20, 24] : [1, 12, 24, 32];
    test(`${packing} at ${widths.join(", ")} bits per value`, () => {
      for (const bits of widths) {
        const mid = join(dir, `b${bits}.grb2`);
        const out = join(dir, `${packing}_${bits}.grb2`);
        run("grib_set", ["-r", "-s", `bitsPerValue=${bits}`, join(dir, "t2m_grid_simple.grb2"), mid]);
        run("grib_set", ["-r", "-s", `packingType=${packing}`, mid, out]);
        if (packing === "grid_jpeg" && bits > 16) {
          const [m] = rawMessages(readBytes(out));
          assert.throws(
            () => decode(m),
            (e: unknown) =>
              e instanceof PackingError && e.code === "unsupported" && /at most 16/.test(e.message),
          );
          continue;
        }
        checkFile(out);
      }
    });
  }
});

test("an unsupported template names itself", () => {
  const s5 = new Uint8Array(21);
  const s7 = new Uint8Array(5);
  assert.throws(
    () => unpackGrib2(50, s5, s7, 1),
    (e: unknown) =>
      e instanceof PackingError && e.code === "unsupported" && /5\.50 \(spectral_simple\)/.test(e.message),
  );
});
