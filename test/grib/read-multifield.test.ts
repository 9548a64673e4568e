// GRIB2 messages holding several fields (sections 4-7 repeated), including a bitmap "same as previous"
// (indicator 254): every field is read like ecCodes reads it (grib_ls counts each as a message).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { decodeFields, isGribError, scanBuffer } from "../../src/grib/index.ts";
import { getKey } from "../../src/grib/keys.ts";
import { runCli } from "../helpers/cli.ts";
import { assertKeyEqual, ecCodesData, ecCodesKeys, maxDifference, sharedData } from "./read-oracle.ts";

const dir = mkdtempSync(join(tmpdir(), "cb-grib-multifield-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const u32 = (b: Uint8Array, o: number) =>
  ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];

/** Sections of a single-field GRIB2 message, by number. */
function sections(msg: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  let p = 16;
  while (p < msg.length - 4) {
    const len = u32(msg, p);
    out.set(msg[p + 4], msg.subarray(p, p + len));
    p += len;
  }
  return out;
}

/** One GRIB2 message: section 0, 1, 3 of `a`, then 4-7 of every field, the second bitmap as 254. */
function multiField(fields: Uint8Array[]): Uint8Array {
  const first = sections(fields[0]);
  const parts: Uint8Array[] = [fields[0].subarray(0, 16), first.get(1)!, first.get(3)!];
  fields.forEach((f, i) => {
    const s = sections(f);
    parts.push(s.get(4)!, s.get(5)!);
    if (i === 0) parts.push(s.get(6)!);
    else parts.push(new Uint8Array([0, 0, 0, 6, 6, 254])); // same bitmap as before
    parts.push(s.get(7)!);
  });
  parts.push(new TextEncoder().encode("7777"));
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  new DataView(out.buffer).setBigUint64(8, BigInt(total));
  return out;
}

describe("multi-field GRIB2 messages", () => {
  it("reads each field (with a 254 bitmap) as ecCodes does", () => {
    const iasi = new Uint8Array(readFileSync(join(sharedData, "iasi/source.grib")));
    const messages = [...scanBuffer(iasi)].filter((m) => !isGribError(m)) as Array<{ bytes: Uint8Array }>;
    assert.equal(messages.length, 3);
    const bytes = multiField(messages.map((m) => m.bytes));
    const file = join(dir, "multi.grib2");
    writeFileSync(file, bytes);

    const scanned = [...scanBuffer(bytes)];
    assert.equal(scanned.length, 1, "one message");
    const fields = decodeFields(bytes);
    assert.equal(fields.length, 3, "three fields");

    const keys = [
      "shortName",
      "paramId",
      "level",
      "bitmapPresent",
      "numberOfValues",
      "numberOfMissing",
      "totalLength",
      "offset",
      "gridType",
    ];
    const theirs = ecCodesKeys(file, keys);
    assert.equal(theirs.length, 3, "ecCodes counts three messages");
    for (let i = 0; i < 3; i++) {
      for (const k of keys)
        assertKeyEqual(getKey(fields[i].metadata, k), theirs[i][k], `field ${i + 1} ${k}`);
      // grib_get_data's count= counts messages, not fields: select the field by name
      const ref = ecCodesData(file, i + 1, `shortName=${fields[i].metadata.shortName}`);
      const ours = fields[i].values();
      assert.ok(maxDifference(ours, ref.values, `field ${i + 1}`) <= 1e-6 * 110000);
    }
    // the same values as the separate messages
    const separate = decodeFields(messages[2].bytes)[0].values();
    assert.deepEqual(fields[2].values(), separate);
  });

  it("split writes each field as a message of its own, byte for byte like grib_copy", async () => {
    const iasi = new Uint8Array(readFileSync(join(sharedData, "iasi/source.grib")));
    const messages = [...scanBuffer(iasi)].filter((m) => !isGribError(m)) as Array<{ bytes: Uint8Array }>;
    const file = join(dir, "multi2.grib2");
    writeFileSync(file, multiField(messages.map((m) => m.bytes)));
    mkdirSync(join(dir, "ours"));
    mkdirSync(join(dir, "theirs"));
    const r = await runCli(["grib", "split", file, join(dir, "ours"), "--template", "[shortName].grib2"]);
    assert.equal(r.code, 0, r.stderr);
    execFileSync("grib_copy", [file, join(dir, "theirs", "[shortName].grib2")]);
    const names = readdirSync(join(dir, "theirs")).sort();
    assert.deepEqual(readdirSync(join(dir, "ours")).sort(), names);
    assert.equal(names.length, 3);
    for (const n of names) {
      assert.ok(
        readFileSync(join(dir, "ours", n)).equals(readFileSync(join(dir, "theirs", n))),
        `${n} differs`,
      );
    }
  });

  it("a 254 bitmap with no bitmap before it is a typed error naming its offset", () => {
    const iasi = new Uint8Array(readFileSync(join(sharedData, "iasi/source.grib")));
    const [m] = [...scanBuffer(iasi)] as Array<{ bytes: Uint8Array }>;
    const bytes = m.bytes.slice();
    const s6 = 16 + 21 + 65 + 34 + 21; // sections 0,1,3,4,5 of this message
    assert.equal(bytes[s6 + 4], 6);
    bytes[s6 + 5] = 254;
    assert.throws(
      () => decodeFields(bytes),
      (e: Error & { offset?: number; code?: string }) => {
        assert.equal(e.name, "GribError");
        assert.equal(e.offset, s6);
        return true;
      },
    );
  });
});
