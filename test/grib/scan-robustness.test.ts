// Scanning: messages found among garbage; truncated and corrupt messages give typed errors naming their
// byte offsets and the scan goes on; files stream through small windows; GRIB1's large-message length
// coding; a fuzz run (random truncation, bit flips, garbage) never crashes or hangs.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  decodeFields,
  GribError,
  isGribError,
  ScanBuffers,
  type ScannedMessage,
  scanBuffer,
  scanFile,
  scanStream,
} from "../../src/grib/index.ts";
import { sharedData } from "./read-oracle.ts";

const dir = mkdtempSync(join(tmpdir(), "cb-grib-scan-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const iasi = new Uint8Array(readFileSync(join(sharedData, "iasi/source.grib"))); // 3 GRIB2 messages
const gfs = new Uint8Array(readFileSync(join(sharedData, "transformer/gfs_source.grib2"))); // 1 GRIB2 (JPEG)
const grib1 = new Uint8Array(readFileSync(join(sharedData, "split_sum/harmonie_result_1_60.grib"))); // 1 GRIB1

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const text = (s: string) => new TextEncoder().encode(s);

/** A deterministic PRNG (mulberry32) so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function garbage(n: number, rand: () => number): Uint8Array {
  const g = new Uint8Array(n);
  for (let i = 0; i < n; i++) g[i] = Math.floor(rand() * 256);
  return g;
}

type Item =
  | { kind: "msg"; offset: number; length: number; edition: number }
  | { kind: "err"; offset: number; code: string };
function summarise(items: Array<ScannedMessage | GribError>): Item[] {
  return items.map((m) =>
    isGribError(m)
      ? { kind: "err", offset: m.offset, code: m.code }
      : { kind: "msg", offset: m.offset, length: m.length, edition: m.edition },
  );
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("GRIB scanning", () => {
  const lead = concat(text("HTTP/1.1 junk header\r\n\r\n"), new Uint8Array(1000));
  const mid = text("...the word GRIB in a log line...");
  const stream = concat(lead, iasi, mid, grib1, gfs, text("trailing"));
  const gribTextAt = lead.length + iasi.length + mid.indexOf(0x47 /* G of GRIB */, 4);

  it("finds every message among garbage and names a stray 'GRIB' by its offset", () => {
    const items = summarise([...scanBuffer(stream)]);
    const msgs = items.filter((i) => i.kind === "msg");
    assert.equal(msgs.length, 5);
    assert.equal(msgs[0].offset, lead.length);
    assert.deepEqual(
      msgs.map((m) => (m.kind === "msg" ? m.edition : 0)),
      [2, 2, 2, 1, 2],
    );
    const afterIasi = lead.length + iasi.length + mid.length;
    assert.equal(msgs[3].offset, afterIasi);
    assert.equal(msgs[4].offset, afterIasi + grib1.length);
    const errs = items.filter((i) => i.kind === "err");
    assert.deepEqual(errs, [{ kind: "err", offset: gribTextAt, code: "bad-header" }]);
  });

  it("streams a file through small windows with the same result", async () => {
    const file = join(dir, "mixed.grib");
    writeFileSync(file, stream);
    const expected = summarise([...scanBuffer(stream)]);
    for (const chunkSize of [64, 1000, 65536]) {
      assert.deepEqual(
        summarise(await collect(scanFile(file, { chunkSize }))),
        expected,
        `chunkSize ${chunkSize}`,
      );
    }
    const rand = prng(7);
    async function* chunks() {
      let o = 0;
      while (o < stream.length) {
        const n = 1 + Math.floor(rand() * 5000);
        yield stream.subarray(o, o + n);
        o += n;
      }
    }
    assert.deepEqual(summarise(await collect(scanStream(chunks()))), expected, "scanStream");
  });

  it("serves every message's bytes right when one ScanBuffers is kept across files of any size", async () => {
    const mixed = join(dir, "mixed-shared.grib");
    const small = join(dir, "small-shared.grib");
    writeFileSync(mixed, stream);
    writeFileSync(small, grib1);
    const buffers = new ScanBuffers();
    // the small file after the large one, blocks smaller and larger than its messages, then again
    for (const [file, chunkSize] of [
      [mixed, 1000],
      [small, 65536],
      [mixed, 64],
      [small, 1000],
      [mixed, 4 << 20],
    ] as const) {
      const fresh = (await collect(scanFile(file, { chunkSize }))).map((m) =>
        isGribError(m) ? m.code : Buffer.from(m.bytes).toString("hex"),
      );
      const shared: string[] = [];
      for await (const m of scanFile(file, { chunkSize, reuse: buffers })) {
        // a reused message is valid until the next is asked for: read it now
        shared.push(isGribError(m) ? m.code : Buffer.from(m.bytes).toString("hex"));
      }
      assert.deepEqual(shared, fresh, `${file} in blocks of ${chunkSize}`);
    }
  });

  it("reports a truncated last message with its offset", async () => {
    const cut = concat(iasi, gfs.subarray(0, 5000));
    const items = summarise([...scanBuffer(cut)]);
    assert.equal(items.filter((i) => i.kind === "msg").length, 3);
    assert.deepEqual(items.at(-1), { kind: "err", offset: iasi.length, code: "truncated" });
    const file = join(dir, "cut.grib");
    writeFileSync(file, cut);
    assert.deepEqual(summarise(await collect(scanFile(file))), items);
  });

  it("reports a message whose end is not 7777 and goes on with the next one", () => {
    const bad = concat(grib1, gfs);
    bad[grib1.length - 1] = 0x36; // "7776"
    const items = summarise([...scanBuffer(bad)]);
    assert.deepEqual(items[0], { kind: "err", offset: 0, code: "bad-end" });
    assert.deepEqual(items.at(-1), { kind: "msg", offset: grib1.length, length: gfs.length, edition: 2 });
  });

  it("reads GRIB1's large-message length coding (a 19 MB GRIB1 message made by CDO)", async () => {
    const grid = join(dir, "grid.txt");
    writeFileSync(
      grid,
      "gridtype=lonlat\nxsize=3600\nysize=1801\nxfirst=0\nxinc=0.1\nyfirst=90\nyinc=-0.1\n",
    );
    const big = join(dir, "big.grb");
    execFileSync("cdo", ["-s", "-f", "grb", "-b", "P24", `-random,${grid}`, big], { stdio: "ignore" });
    const header = readFileSync(big).subarray(4, 7);
    assert.ok(header[0] & 0x80, "CDO did not use the large-message coding");
    const ecTotal = Number(execFileSync("grib_get", ["-p", "totalLength", big], { encoding: "utf8" }).trim());
    const items = await collect(scanFile(big));
    assert.equal(items.length, 1);
    const m = items[0];
    assert.ok(!isGribError(m));
    if (isGribError(m)) return;
    assert.equal(m.length, ecTotal);
    const f = decodeFields(m.bytes)[0];
    assert.equal(f.metadata.numberOfValues, 3600 * 1801);
    assert.equal(f.values().length, 3600 * 1801);
    // A truncated large message is reported, not misread
    const cut = join(dir, "big-cut.grb");
    writeFileSync(cut, readFileSync(big).subarray(0, 10_000_000));
    assert.deepEqual(summarise(await collect(scanFile(cut))), [
      { kind: "err", offset: 0, code: "truncated" },
    ]);
  });

  it("fuzz: truncations, bit flips and garbage never crash; every error is a GribError with an offset", () => {
    const rand = prng(20261125);
    const sources = [iasi, grib1.subarray(0, Math.min(grib1.length, 200_000)), gfs];
    for (let round = 0; round < 600; round++) {
      const src = sources[round % sources.length];
      let buf: Uint8Array = src.slice();
      const op = round % 3;
      if (op === 0) buf = buf.subarray(0, Math.floor(rand() * buf.length));
      if (op === 1) {
        const flips = 1 + Math.floor(rand() * 20);
        for (let k = 0; k < flips; k++) {
          // mostly in the headers, where they hurt most
          const pos =
            rand() < 0.7 ? Math.floor(rand() * Math.min(buf.length, 400)) : Math.floor(rand() * buf.length);
          buf[pos] ^= 1 << Math.floor(rand() * 8);
        }
      }
      if (op === 2) {
        const at = Math.floor(rand() * buf.length);
        buf = concat(buf.subarray(0, at), garbage(1 + Math.floor(rand() * 300), rand), buf.subarray(at));
      }
      for (const item of scanBuffer(buf)) {
        if (isGribError(item)) {
          assert.ok(Number.isInteger(item.offset) && item.offset >= 0 && item.offset <= buf.length);
          continue;
        }
        try {
          for (const f of decodeFields(item.bytes, { offset: item.offset })) {
            if (f.metadata.numberOfDataPoints > 5e6) continue; // a flipped size bit: not worth allocating
            f.geometry();
            f.values();
          }
        } catch (e) {
          assert.ok(e instanceof GribError, `round ${round}: ${(e as Error).stack}`);
          assert.ok(Number.isInteger(e.offset) && e.offset >= 0, `round ${round}: offset ${e.offset}`);
        }
      }
    }
  });
});
