// Decoding field after field into one reused array (what the grib tools do) gives every field the values
// a fresh decode gives, also for a field asked again after another took the array; and the statistics
// keys read from one pass (max) or two (standardDeviation) agree with the full computation.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { statistics } from "../../src/grib/definitions/meta/data.ts";
import {
  type DecodedMessage,
  decodeFields,
  isGribError,
  scanBuffer,
  ValuesBuffer,
} from "../../src/grib/index.ts";
import { sharedData } from "./read-oracle.ts";

// CCSDS (1,014,481 values: not whole blocks), GRIB2 with bitmaps, GRIB1 simple
const FILES = ["split_sum/meps_source.grib", "iasi/source.grib", "dewpoint/source.grib"];

function fieldsOf(file: string, values?: ValuesBuffer): DecodedMessage[] {
  const out: DecodedMessage[] = [];
  for (const m of scanBuffer(new Uint8Array(readFileSync(join(sharedData, file))))) {
    if (isGribError(m)) throw m;
    out.push(...decodeFields(m.bytes, { offset: m.offset, values }));
  }
  return out;
}

/** Equal element for element, NaN equal to NaN (missing points). */
function assertSameValues(a: Float64Array, b: Float64Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) assert.fail(`${what}: point ${i} is ${a[i]}, expected ${b[i]}`);
  }
}

describe("values decoded into one reused array", () => {
  it("equal a fresh decode, field after field and when a field is asked again", () => {
    const buffer = new ValuesBuffer();
    const all = FILES.flatMap((f) =>
      fieldsOf(f, buffer).map((field, k) => ({ field, what: `${f} #${k + 1}` })),
    );
    const fresh = FILES.flatMap((f) => fieldsOf(f).map((field) => Float64Array.from(field.values())));
    assert.equal(all.length, fresh.length);
    let missing = 0;
    all.forEach(({ field, what }, k) => {
      const v = field.values();
      missing += v.filter(Number.isNaN).length;
      assertSameValues(v, fresh[k]!, what);
    });
    // the bitmaps of iasi/source.grib leave points missing: the in-place expansion was exercised
    assert.ok(missing > 0, "some points are missing");
    // the first field lost the array long ago: it decodes again into it
    assertSameValues(all[0]!.field.values(), fresh[0]!, `${all[0]!.what} asked again`);
  });

  it("give the statistics keys of the full computation, one pass or two", () => {
    const buffer = new ValuesBuffer();
    for (const file of FILES) {
      for (const field of fieldsOf(file, buffer)) {
        const expected = statistics(Float64Array.from(field.values()));
        assert.equal(field.keys.find("max")!.double(), expected[0]);
        assert.equal(field.keys.find("average")!.double(), expected[2]);
        assert.equal(field.keys.find("standardDeviation")!.double(), expected[4]);
        assert.equal(field.keys.find("kurtosis")!.double(), expected[6]);
      }
    }
  });
});
