// Test helpers for the values codec: a minimal section walker (independent of the reader), ecCodes as an
// oracle, and small synthetic GRIB files made with CDO and grib_set.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface RawMessage {
  edition: 1 | 2;
  offset: number;
  /** GRIB2: data representation template; GRIB1: -1 */
  template: number;
  /** GRIB2 sections 5 and 7, GRIB1 section 4 */
  section5?: Uint8Array;
  section7?: Uint8Array;
  section4?: Uint8Array;
  /** Values packed (section 5's numberOfValues, or GRIB1's count from the bitmap/grid) */
  packedCount: number;
  /** Points in the grid */
  dataPoints: number;
  /** Bitmap (1 = present), when there is one */
  bitmap?: Uint8Array;
  decimalScaleFactor: number;
}

const u = (b: Uint8Array, o: number, n: number): number => {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + b[o + i];
  return v;
};
const sm = (b: Uint8Array, o: number, n: number): number => {
  const v = u(b, o, n);
  const s = 2 ** (8 * n - 1);
  return v >= s ? -(v - s) : v;
};

function expandBitmap(bytes: Uint8Array, points: number): Uint8Array {
  const out = new Uint8Array(points);
  for (let i = 0; i < points; i++) out[i] = (bytes[i >> 3] >> (7 - (i & 7))) & 1;
  return out;
}

/** Every message of a file (only the first field of a multi-field GRIB2 message). */
export function rawMessages(bytes: Uint8Array): RawMessage[] {
  const out: RawMessage[] = [];
  let p = 0;
  while (p + 8 <= bytes.length) {
    if (!(bytes[p] === 0x47 && bytes[p + 1] === 0x52 && bytes[p + 2] === 0x49 && bytes[p + 3] === 0x42)) {
      p++;
      continue;
    }
    const edition = bytes[p + 7];
    if (edition === 2) {
      const total = u(bytes, p + 8, 8);
      const end = p + total;
      let q = p + 16;
      let dataPoints = 0;
      let section5: Uint8Array | undefined;
      let bitmap: Uint8Array | undefined;
      while (q < end - 4) {
        const len = u(bytes, q, 4);
        const num = bytes[q + 4];
        const sec = bytes.subarray(q, q + len);
        if (num === 3) dataPoints = u(sec, 6, 4);
        if (num === 5) section5 = sec;
        if (num === 6 && sec[5] === 0) bitmap = expandBitmap(sec.subarray(6), dataPoints);
        if (num === 7) {
          out.push({
            edition: 2,
            offset: p,
            template: u(section5!, 9, 2),
            section5,
            section7: sec,
            packedCount: u(section5!, 5, 4),
            dataPoints,
            bitmap,
            decimalScaleFactor: 0,
          });
          break;
        }
        q += len;
      }
      p = end;
    } else {
      let total = u(bytes, p + 4, 3);
      const s1 = p + 8;
      const s1len = u(bytes, s1, 3);
      const flags = bytes[s1 + 7];
      const D = sm(bytes, s1 + 26, 2);
      let q = s1 + s1len;
      let dataPoints = 0;
      if (flags & 0x80) {
        const gds = bytes.subarray(q, q + u(bytes, q, 3));
        const type = gds[5];
        const ni = u(gds, 6, 2);
        const nj = u(gds, 8, 2);
        if (ni === 0xffff && (type === 4 || type === 0)) {
          // reduced grid: sum pl
          const nv = gds[3];
          const pv = gds[4];
          const plStart = nv > 0 || pv !== 255 ? pv - 1 + 4 * nv : 32;
          for (let j = 0; j < nj; j++) dataPoints += u(gds, plStart + 2 * j, 2);
        } else dataPoints = ni * nj;
        q += gds.length;
      }
      let bitmap: Uint8Array | undefined;
      if (flags & 0x40) {
        const bms = bytes.subarray(q, q + u(bytes, q, 3));
        bitmap = expandBitmap(bms.subarray(6), dataPoints);
        q += bms.length;
      }
      let s4len = u(bytes, q, 3);
      if (total & 0x800000 && s4len < 120) {
        // large GRIB1 message: 120-byte blocks, section 4's length field holds the remainder
        total = (total & 0x7fffff) * 120 - s4len + 4;
        s4len = total - (q - p) - 4;
      }
      const section4 = bytes.subarray(q, q + s4len);
      let packedCount = dataPoints;
      if (bitmap) packedCount = bitmap.reduce((a, b) => a + b, 0);
      out.push({
        edition: 1,
        offset: p,
        template: -1,
        section4,
        packedCount,
        dataPoints,
        bitmap,
        decimalScaleFactor: D,
      });
      p += total;
    }
  }
  return out;
}

/** Put packed values back on the grid (NaN where the bitmap says missing). */
export function applyBitmap(packed: Float64Array, message: RawMessage): Float64Array {
  if (!message.bitmap) return packed;
  const out = new Float64Array(message.dataPoints);
  let k = 0;
  for (let i = 0; i < out.length; i++) out[i] = message.bitmap[i] ? packed[k++] : Number.NaN;
  return out;
}

/** grib_get_data's values for every message of a file (NaN for missing). */
export function ecCodesGridValues(file: string): Float64Array[] {
  const text = execFileSync("grib_get_data", ["-m", "NaN", "-F", "%.15g", file], {
    maxBuffer: 1 << 30,
    encoding: "utf8",
  });
  const messages: Float64Array[] = [];
  let current: number[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("Latitude")) {
      if (current.length) messages.push(Float64Array.from(current));
      current = [];
      continue;
    }
    if (!line.trim()) continue;
    const parts = line.trim().split(/\s+/);
    const v = parts[parts.length - 1];
    current.push(v === "NaN" || v === "nan" ? Number.NaN : Number(v));
  }
  if (current.length) messages.push(Float64Array.from(current));
  return messages;
}

/** Scalar keys of every message, via grib_get. */
export function ecCodesKeys(file: string, keys: string[]): string[][] {
  const text = execFileSync("grib_get", ["-F", "%.12g", "-p", keys.join(","), file], { encoding: "utf8" });
  return text
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/));
}

/** Largest absolute difference, NaN positions required to agree. */
export function maxDifference(ours: Float64Array, theirs: Float64Array): number {
  if (ours.length !== theirs.length) throw new Error(`length ${ours.length} vs ${theirs.length}`);
  let max = 0;
  for (let i = 0; i < ours.length; i++) {
    const a = ours[i];
    const b = theirs[i];
    if (Number.isNaN(a) || Number.isNaN(b)) {
      if (Number.isNaN(a) !== Number.isNaN(b)) throw new Error(`point ${i}: ours ${a}, ecCodes ${b}`);
      continue;
    }
    const d = Math.abs(a - b);
    if (d > max) max = d;
  }
  return max;
}

/** Tolerance for comparing with grib_get_data's %.15g text: a relative 1e-12 of the field's magnitude. */
export function tolerance(values: Float64Array): number {
  let m = 0;
  for (const v of values) if (Number.isFinite(v) && Math.abs(v) > m) m = Math.abs(v);
  return Math.max(1e-12, m * 1e-11);
}

export function run(cmd: string, args: string[], cwd?: string): void {
  execFileSync(cmd, args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/**
 * A small version of make-grib-testdata.sh's set: a 1-degree temperature-like field in every packing,
 * GRIB1, a bitmap field (simple and CCSDS), a reduced Gaussian field. Returns file names in `dir`.
 */
export function makeSmallTestData(dir: string): string[] {
  writeFileSync(
    join(dir, "grid_1.txt"),
    "gridtype=lonlat\nxsize=360\nysize=181\nxfirst=0\nxinc=1\nyfirst=90\nyinc=-1\n",
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
      "-topo,grid_1.txt",
      "-mulc,1.5",
      "-random,grid_1.txt,42",
      "tmp_field.grb2",
    ],
    dir,
  );
  run("grib_set", ["-s", "paramId=167,centre=98", "tmp_field.grb2", "t2m_grid_simple.grb2"], dir);
  const files = ["t2m_grid_simple.grb2"];
  for (const p of [
    "grid_ccsds",
    "grid_complex_spatial_differencing",
    "grid_complex",
    "grid_second_order",
    "grid_jpeg",
    "grid_png",
    "grid_ieee",
  ]) {
    run("grib_set", ["-r", "-s", `packingType=${p}`, "t2m_grid_simple.grb2", `t2m_${p}.grb2`], dir);
    files.push(`t2m_${p}.grb2`);
  }
  run("cdo", ["-s", "-f", "grb", "-b", "P16", "copy", "t2m_grid_simple.grb2", "tmp1.grb"], dir);
  run(
    "grib_set",
    ["-s", "table2Version=128,indicatorOfParameter=167,centre=98", "tmp1.grb", "t2m_grib1_simple.grb"],
    dir,
  );
  files.push("t2m_grib1_simple.grb");
  run(
    "grib_set",
    ["-r", "-s", "packingType=grid_second_order", "t2m_grib1_simple.grb", "t2m_grib1_second_order.grb"],
    dir,
  );
  files.push("t2m_grib1_second_order.grb");
  run(
    "cdo",
    [
      "-s",
      "-f",
      "grb2",
      "-b",
      "P16",
      "-expr,sst=(topo<0)?(271.35+30*cos(rad(clat(topo)))):missval(topo)",
      "-topo,grid_1.txt",
      "sst_bitmap_simple.grb2",
    ],
    dir,
  );
  files.push("sst_bitmap_simple.grb2");
  for (const p of ["grid_ccsds", "grid_complex_spatial_differencing", "grid_jpeg"]) {
    run("grib_set", ["-r", "-s", `packingType=${p}`, "sst_bitmap_simple.grb2", `sst_bitmap_${p}.grb2`], dir);
    files.push(`sst_bitmap_${p}.grb2`);
  }
  run("cdo", ["-s", "-f", "grb", "copy", "sst_bitmap_simple.grb2", "sst_bitmap_grib1.grb"], dir);
  files.push("sst_bitmap_grib1.grb");
  run(
    "grib_set",
    [
      "-r",
      "-s",
      "packingType=grid_second_order",
      "sst_bitmap_grib1.grb",
      "sst_bitmap_grib1_second_order.grb",
    ],
    dir,
  );
  files.push("sst_bitmap_grib1_second_order.grb");
  const samples =
    execFileSync("codes_info", ["-s"], { encoding: "utf8" }).trim() || "/usr/share/eccodes/samples";
  run(
    "cdo",
    [
      "-s",
      "-f",
      "grb2",
      `-remapbil,${samples}/reduced_gg_pl_96_grib2.tmpl`,
      "t2m_grid_simple.grb2",
      "rgg_simple.grb2",
    ],
    dir,
  );
  run("grib_set", ["-r", "-s", "packingType=grid_ccsds", "rgg_simple.grb2", "rgg_ccsds.grb2"], dir);
  run(
    "cdo",
    [
      "-s",
      "-f",
      "grb",
      `-remapbil,${samples}/reduced_gg_pl_96_grib2.tmpl`,
      "t2m_grid_simple.grb2",
      "rgg_grib1.grb",
    ],
    dir,
  );
  files.push("rgg_simple.grb2", "rgg_ccsds.grb2", "rgg_grib1.grb");
  return files;
}

export function readBytes(file: string): Uint8Array {
  return new Uint8Array(readFileSync(file));
}
