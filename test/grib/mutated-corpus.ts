// A corpus of damaged GRIB files, the same for the same seed: truncations, bit flips in each section,
// garbage, huge lengths and headers that contradict the data (Ni 65535, Nj 0, bitsPerValue 33,
// numberOfValues 0, a section running past the end). The sources are small fields written by the
// codec's own writer (GRIB1 and GRIB2, simple and CCSDS packing, with and without a bitmap) and one
// real message (polar stereographic with a bitmap), and a JPEG 2000 field repacked by ecCodes' grib_set.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ScannedMessage, scanBuffer } from "../../src/grib/index.ts";
import type { RegularLatLonGrid } from "../../src/grib/types.ts";
import { encodeField, type FieldPacking } from "../../src/grib/write/index.ts";
import { seededRandom } from "../../src/sim/cloudsigma/clock.ts";
import { sharedData } from "./read-oracle.ts";

export interface Mutant {
  /** File name: source, kind of damage and where (e.g. "g2-ccsds-bitmap.flip-s5-1.grib"). */
  name: string;
  bytes: Uint8Array;
}

const grid: RegularLatLonGrid = {
  gridType: "regular_ll",
  Ni: 16,
  Nj: 12,
  numberOfDataPoints: 192,
  latitudeOfFirstGridPointInDegrees: 70,
  longitudeOfFirstGridPointInDegrees: 10,
  latitudeOfLastGridPointInDegrees: 59,
  longitudeOfLastGridPointInDegrees: 25,
  iDirectionIncrementInDegrees: 1,
  jDirectionIncrementInDegrees: 1,
  scanning: { iScansNegatively: 0, jScansPositively: 0, jPointsAreConsecutive: 0, alternativeRowScanning: 0 },
  shapeOfTheEarth: 6,
  earth: { shape: "sphere", radius: 6371229 },
  uvRelativeToGrid: 0,
};

function written(edition: 1 | 2, packing: FieldPacking, missing: boolean): Uint8Array {
  const values = Float64Array.from({ length: grid.numberOfDataPoints }, (_, i) =>
    missing && i % 7 === 3 ? Number.NaN : 273 + 15 * Math.sin(i / 9) + (i % 5) / 10,
  );
  const base = {
    centre: 98,
    referenceTime: new Date("2026-11-24T00:00:00Z"),
    step: { start: 6, end: 6, units: "h", type: "instant" },
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

/** The message repacked by ecCodes' grib_set (JPEG 2000: the codec has no writer of its own for it). */
function repacked(bytes: Uint8Array, packingType: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "cb-repack-"));
  try {
    writeFileSync(join(dir, "in.grib"), bytes);
    execFileSync("grib_set", [
      "-r",
      "-s",
      `packingType=${packingType}`,
      join(dir, "in.grib"),
      join(dir, "out.grib"),
    ]);
    return new Uint8Array(readFileSync(join(dir, "out.grib")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function firstMessage(path: string): Uint8Array {
  for (const m of scanBuffer(new Uint8Array(readFileSync(path)))) {
    if ((m as ScannedMessage).bytes) return (m as ScannedMessage).bytes.slice();
  }
  throw new Error(`${path}: no GRIB message`);
}

/** The undamaged messages the corpus is made from, by name. */
export function sources(): Array<{ name: string; bytes: Uint8Array }> {
  return [
    { name: "g1-simple", bytes: written(1, { type: "simple", decimalScaleFactor: 1 }, false) },
    { name: "g1-simple-bitmap", bytes: written(1, { type: "simple", bitsPerValue: 12 }, true) },
    { name: "g2-simple", bytes: written(2, { type: "simple", bitsPerValue: 13 }, false) },
    { name: "g2-simple-bitmap", bytes: written(2, { type: "simple", bitsPerValue: 11 }, true) },
    { name: "g2-ccsds-bitmap", bytes: written(2, { type: "ccsds", bitsPerValue: 16 }, true) },
    { name: "g2-polar-bitmap", bytes: firstMessage(join(sharedData, "iasi/source.grib")) },
    {
      name: "g2-jpeg",
      bytes: repacked(written(2, { type: "simple", bitsPerValue: 13 }, false), "grid_jpeg"),
    },
  ];
}

interface Section {
  number: number;
  offset: number;
  length: number;
}

const u = (b: Uint8Array, o: number, n: number) => {
  let v = 0;
  for (let k = 0; k < n; k++) v = v * 256 + b[o + k]!;
  return v;
};

function put(b: Uint8Array, o: number, n: number, v: number): void {
  for (let k = n - 1; k >= 0; k--) {
    b[o + k] = v % 256;
    v = Math.floor(v / 256);
  }
}

/** The sections of an undamaged message (GRIB1: 0 IS, 1 PDS, 2 GDS, 3 BMS, 4 BDS, 5 end). */
function sectionsOf(m: Uint8Array): Section[] {
  const out: Section[] = [];
  if (m[7] === 1) {
    out.push({ number: 0, offset: 0, length: 8 });
    let o = 8;
    const flags = m[o + 7]!;
    out.push({ number: 1, offset: o, length: u(m, o, 3) });
    o += u(m, o, 3);
    if (flags & 0x80) {
      out.push({ number: 2, offset: o, length: u(m, o, 3) });
      o += u(m, o, 3);
    }
    if (flags & 0x40) {
      out.push({ number: 3, offset: o, length: u(m, o, 3) });
      o += u(m, o, 3);
    }
    out.push({ number: 4, offset: o, length: u(m, o, 3) });
    out.push({ number: 5, offset: m.length - 4, length: 4 });
    return out;
  }
  out.push({ number: 0, offset: 0, length: 16 });
  let o = 16;
  while (o < m.length - 4) {
    out.push({ number: m[o + 4]!, offset: o, length: u(m, o, 4) });
    o += u(m, o, 4);
  }
  out.push({ number: 8, offset: m.length - 4, length: 4 });
  return out;
}

/** Headers set to values that contradict the rest of the message, each at its own octets. */
function contradictions(m: Uint8Array): Array<{ what: string; apply: (b: Uint8Array) => void }> {
  const s = sectionsOf(m);
  const at = (n: number) => s.find((x) => x.number === n);
  const out: Array<{ what: string; apply: (b: Uint8Array) => void }> = [];
  const add = (what: string, section: number | undefined, octet: number, bytes: number, value: number) => {
    const sec = section === undefined ? undefined : at(section);
    if (sec) out.push({ what, apply: (b) => put(b, sec.offset + octet - 1, bytes, value) });
  };
  if (m[7] === 1) {
    const polarOrLl = at(2) ? m[at(2)!.offset + 5] : undefined;
    if (polarOrLl === 0) {
      add("Ni-65535", 2, 7, 2, 65535);
      add("Nj-0", 2, 9, 2, 0);
      add("Nj-1", 2, 9, 2, 1);
    }
    add("bitsPerValue-33", 4, 11, 1, 33);
    add("bitsPerValue-255", 4, 11, 1, 255);
    add("bds-length-0", 4, 1, 3, 0);
    add("bds-length-past-end", 4, 1, 3, 0xfffff0);
    add("pds-length-past-end", 1, 1, 3, 0xfffff0);
    add("total-length-huge", 0, 5, 3, 0x7fffff);
    add("total-length-small", 0, 5, 3, 40);
    return out;
  }
  const template3 = at(3) ? u(m, at(3)!.offset + 12, 2) : -1;
  const ni = template3 === 0 ? 31 : template3 === 20 || template3 === 30 ? 31 : undefined;
  if (ni) {
    add(template3 === 0 ? "Ni-65535" : "Nx-65535", 3, ni, 4, 65535);
    add(template3 === 0 ? "Nj-0" : "Ny-0", 3, ni + 4, 4, 0);
  }
  add("numberOfDataPoints-1", 3, 7, 4, 1);
  add("numberOfValues-0", 5, 6, 4, 0);
  add("numberOfValues-huge", 5, 6, 4, 0x7fffffff);
  add("bitsPerValue-33", 5, 20, 1, 33);
  add("bitsPerValue-64", 5, 20, 1, 64);
  add("section3-length-past-end", 3, 1, 4, 0x7ffffff0);
  add("section7-length-past-end", 7, 1, 4, 0x7ffffff0);
  add("section5-length-0", 5, 1, 4, 0);
  add("bitmapIndicator-0-without-bitmap", 6, 6, 1, 0);
  add("total-length-huge", 0, 9, 8, 2 ** 40);
  add("total-length-small", 0, 9, 8, 60);
  return out;
}

function garbage(n: number, rand: () => number): Uint8Array {
  const g = new Uint8Array(n);
  for (let i = 0; i < n; i++) g[i] = Math.floor(rand() * 256);
  return g;
}

const text = (s: string) => new TextEncoder().encode(s);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Files that hold no GRIB message at all. */
function noGrib(rand: () => number): Mutant[] {
  return [
    { name: "empty.grib", bytes: new Uint8Array(0) },
    { name: "text.grib", bytes: text("This is not a GRIB file, just a note left in the incoming folder.\n") },
    { name: "garbage-100.grib", bytes: garbage(100, rand) },
    { name: "garbage-70000.grib", bytes: garbage(70_000, rand) },
    { name: "zeros-4096.grib", bytes: new Uint8Array(4096) },
    { name: "word-GRIB-only.grib", bytes: text("GRIB") },
    { name: "word-GRIB-in-text.grib", bytes: text("log line: GRIB file received, 7777 bytes\n") },
  ];
}

/** The corpus for `seed`: every source damaged in every way, plus files with no GRIB at all. */
export function mutatedCorpus(seed: number): Mutant[] {
  const rand = seededRandom(seed);
  const out: Mutant[] = noGrib(rand);
  for (const { name, bytes } of sources()) {
    const add = (what: string, b: Uint8Array) => out.push({ name: `${name}.${what}.grib`, bytes: b });
    const magic = bytes.slice();
    magic[3] = 0x43; // "GRIC"
    add("magic-GRIC", magic);
    for (let k = 0; k < 4; k++) add(`cut-${k}`, bytes.slice(0, Math.floor(rand() * bytes.length)));
    add("cut-before-7777", bytes.slice(0, bytes.length - 4));
    for (const s of sectionsOf(bytes)) {
      for (let k = 0; k < 2; k++) {
        const b = bytes.slice();
        const flips = 1 + Math.floor(rand() * 3);
        for (let f = 0; f < flips; f++) {
          // section headers hold the lengths and keys: flip there mostly, the data now and then
          const span = Math.min(s.length, rand() < 0.8 ? 64 : s.length);
          b[s.offset + Math.floor(rand() * span)] ^= 1 << Math.floor(rand() * 8);
        }
        add(`flip-s${s.number}-${k}`, b);
      }
    }
    for (const c of contradictions(bytes)) {
      const b = bytes.slice();
      c.apply(b);
      add(c.what, b);
    }
    const at = Math.floor(rand() * bytes.length);
    add(
      "garbage-inside",
      concat(bytes.subarray(0, at), garbage(1 + Math.floor(rand() * 200), rand), bytes.subarray(at)),
    );
    add("garbage-around", concat(garbage(50, rand), bytes, garbage(30, rand)));
    add("twice-second-cut", concat(bytes, bytes.subarray(0, bytes.length >> 1)));
  }
  return out;
}
