// `npm run bench grib-codec [--runs N] [--encode-only | --only PACKING]`: decode a 0.1-degree global field (6,483,600
// points) in every packing (or only PACKING, e.g. grid_ccsds, with no encoding) vs ecCodes (`grib_get -p max`), and
// encode it with simple and CCSDS packing vs `grib_set -r`.
// The fields are made once with CDO and grib_set (as make-grib-testdata.sh --big does) and cached under
// bench/out/grib-codec/. Ours: in-process (read file, find sections, unpack, take the max), median of N
// runs after one warm-up; "decode-only" is the same on bytes already in memory. ecCodes: the command run N
// times, per-run wall and CPU time; its "decode-only" subtracts the CPU time of the same command for a key
// that needs no decoding (`grib_get -p edition`: start-up, definitions, reading the file).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { unpackGrib2 } from "../src/grib/packing/index.ts";
import type { RegularLatLonGrid } from "../src/grib/types.ts";
import { encodeGrib2 } from "../src/grib/write/index.ts";

const outDir = join(import.meta.dirname, "out", "grib-codec");
const PACKINGS = [
  "grid_simple",
  "grid_ieee",
  "grid_complex",
  "grid_complex_spatial_differencing",
  "grid_ccsds",
  "grid_png",
  "grid_jpeg",
  "grid_second_order",
] as const;

function sh(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { cwd: outDir, stdio: ["ignore", "ignore", "inherit"] });
}

/** The 0.1-degree field in `packings` (the first is always grid_simple, the others repacked from it). */
function makeData(packings: readonly string[]): void {
  mkdirSync(outDir, { recursive: true });
  if (packings.every((p) => existsSync(join(outDir, `t2m_0p1_${p}.grb2`)))) return;
  process.stdout.write("making the 0.1-degree test fields (once, cached in bench/out/grib-codec)...\n");
  writeFileSync(
    join(outDir, "grid_0p1.txt"),
    "gridtype=lonlat\nxsize=3600\nysize=1801\nxfirst=0\nxinc=0.1\nyfirst=90\nyinc=-0.1\n",
  );
  sh("cdo", [
    "-s",
    "-f",
    "grb2",
    "-b",
    "P16",
    "-add",
    "-expr,t=273.15+30*cos(rad(clat(topo)))-0.0065*((topo>0)?topo:0)",
    "-topo,grid_0p1.txt",
    "-mulc,1.5",
    "-random,grid_0p1.txt,42",
    "tmp_field.grb2",
  ]);
  sh("grib_set", ["-s", "paramId=167,centre=98", "tmp_field.grb2", "t2m_0p1_grid_simple.grb2"]);
  rmSync(join(outDir, "tmp_field.grb2"));
  for (const p of packings.slice(1)) {
    sh("grib_set", ["-r", "-s", `packingType=${p}`, "t2m_0p1_grid_simple.grb2", `t2m_0p1_${p}.grb2`]);
  }
}

/** Sections 5 and 7 of the first GRIB2 message (a minimal walk; the reader proper lives elsewhere). */
function sections(bytes: Uint8Array): { template: number; s5: Uint8Array; s7: Uint8Array; count: number } {
  const u = (o: number, n: number) => {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + bytes[o + i];
    return v;
  };
  let p = 16;
  let s5: Uint8Array | undefined;
  for (;;) {
    const len = u(p, 4);
    const num = bytes[p + 4];
    if (num === 5) s5 = bytes.subarray(p, p + len);
    if (num === 7) {
      const s = s5!;
      return { template: s[9] * 256 + s[10], s5: s, s7: bytes.subarray(p, p + len), count: readCount(s) };
    }
    p += len;
  }
}
function readCount(s5: Uint8Array): number {
  return ((s5[5] << 24) >>> 0) + (s5[6] << 16) + (s5[7] << 8) + s5[8];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface Timing {
  /** wall-clock milliseconds per run */
  wall: number;
  /** CPU (user + system) milliseconds per run: steadier than wall time on a shared machine */
  cpu: number;
}

/** Run a command `runs` times in one shell loop under /usr/bin/time: per-run wall and CPU time. */
function timeCommand(cmd: string, args: string[], runs: number): Timing {
  const quoted = [cmd, ...args].map((a) => `'${a}'`).join(" ");
  const t0 = performance.now();
  const r = spawnSync(
    "/usr/bin/time",
    ["-f", "%U %S", "bash", "-c", `for i in $(seq ${runs}); do ${quoted} >/dev/null || exit 1; done`],
    { cwd: outDir, encoding: "utf8" },
  );
  const wall = (performance.now() - t0) / runs;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  const [user, sys] = r.stderr.trim().split("\n").at(-1)!.split(" ").map(Number);
  return { wall, cpu: ((user + sys) * 1000) / runs };
}

function timeOurs(fn: () => void, runs: number): Timing {
  fn();
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    walls.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
  }
  return { wall: median(walls), cpu: median(cpus) };
}

/** The least CPU milliseconds of `runs` calls after a warm-up: the code's own cost, the least disturbed. */
function bestCpu(fn: () => void, runs: number): number {
  fn();
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1000);
  }
  return best;
}

function decodeMax(file: string): { max: number; bytes: number } {
  return decodeMaxOf(new Uint8Array(readFileSync(file)));
}

function decodeMaxOf(bytes: Uint8Array): { max: number; bytes: number } {
  const { template, s5, s7, count } = sections(bytes);
  const values = unpackGrib2(template, s5, s7, count);
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  return { max, bytes: values.byteLength };
}

const grid: RegularLatLonGrid = {
  gridType: "regular_ll",
  Ni: 3600,
  Nj: 1801,
  numberOfDataPoints: 3600 * 1801,
  latitudeOfFirstGridPointInDegrees: 90,
  longitudeOfFirstGridPointInDegrees: 0,
  latitudeOfLastGridPointInDegrees: -90,
  longitudeOfLastGridPointInDegrees: 359.9,
  iDirectionIncrementInDegrees: 0.1,
  jDirectionIncrementInDegrees: 0.1,
  scanning: { iScansNegatively: 0, jScansPositively: 0, jPointsAreConsecutive: 0, alternativeRowScanning: 0 },
  shapeOfTheEarth: 6,
  earth: { shape: "sphere", radius: 6371229 },
  uvRelativeToGrid: 0,
};

/** Peak RSS of a Node process that reads `file` and decodes it, minus that of one that only reads it. */
function peakDecodeMemory(file: string): number {
  const packing = new URL("../src/grib/packing/index.ts", import.meta.url).href;
  const script = (decode: boolean) => `
    import { closeSync, fstatSync, openSync, readSync } from "node:fs";
    import { unpackGrib2 } from "${packing}";
    const fd = openSync(${JSON.stringify(file)}, "r");
    const b = new Uint8Array(fstatSync(fd).size);
    readSync(fd, b, 0, b.length, 0);
    closeSync(fd);
    const u = (o, n) => { let v = 0; for (let i = 0; i < n; i++) v = v * 256 + b[o + i]; return v; };
    let p = 16, s5;
    for (;;) { const len = u(p, 4); if (b[p + 4] === 5) s5 = b.subarray(p, p + len);
      if (b[p + 4] === 7) { ${decode ? "globalThis.v = unpackGrib2(u(s5.byteOffset + 9 - b.byteOffset, 2), s5, b.subarray(p, p + len), u(s5.byteOffset + 5 - b.byteOffset, 4));" : ""} break; }
      p += len; }`;
  const rss = (decode: boolean) => {
    const r = spawnSync(
      "/usr/bin/time",
      ["-f", "%M", process.execPath, "--input-type=module", "-e", script(decode)],
      {
        encoding: "utf8",
      },
    );
    if (r.status !== 0) throw new Error(r.stderr);
    return Number(r.stderr.trim().split("\n").at(-1)) * 1024;
  };
  return rss(true) - rss(false);
}

export async function run(args: string[]): Promise<void> {
  const runsArg = args.indexOf("--runs");
  const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 5;
  const encodeOnly = args.includes("--encode-only");
  const onlyArg = args.indexOf("--only");
  const only = onlyArg >= 0 ? args[onlyArg + 1] : undefined;
  if (only !== undefined && !PACKINGS.some((p) => p === only)) {
    throw new Error(`--only ${only}: not one of ${PACKINGS.join(", ")}`);
  }
  const decoded = encodeOnly ? [] : PACKINGS.filter((p) => only === undefined || p === only);
  // grid_simple is made first, the others repacked from it: listed once
  makeData(["grid_simple", ...decoded.filter((p) => p !== "grid_simple")]);
  const line = (s: string) => process.stdout.write(`${s}\n`);
  line(
    "| operation | ours wall ms | ours CPU ms | ours decode-only CPU ms | ecCodes wall ms | ecCodes CPU ms | ecCodes decode-only CPU ms | ratio wall | ratio CPU | ratio decode-only CPU |",
  );
  line("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  const fmt = (x: number) => x.toFixed(0);
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  const notes: string[] = [];
  for (const p of decoded) {
    const file = join(outDir, `t2m_0p1_${p}.grb2`);
    const ours = timeOurs(() => decodeMax(file), runs);
    const loaded = new Uint8Array(readFileSync(file));
    const oursDecodeOnly = timeOurs(() => decodeMaxOf(loaded), runs);
    const theirs = timeCommand("grib_get", ["-p", "max", file], runs);
    const baseline = timeCommand("grib_get", ["-p", "edition", file], runs);
    const decodeOnly = Math.max(1, theirs.cpu - baseline.cpu);
    line(
      `| decode ${p} | ${fmt(ours.wall)} | ${fmt(ours.cpu)} | ${fmt(oursDecodeOnly.cpu)} | ${fmt(theirs.wall)} | ${fmt(theirs.cpu)} | ${fmt(decodeOnly)} | ${ratio(ours.wall, theirs.wall)} | ${ratio(ours.cpu, theirs.cpu)} | ${ratio(oursDecodeOnly.cpu, decodeOnly)} |`,
    );
    const { template, s5, s7, count } = sections(loaded);
    const reused = new Float64Array(count);
    const unpack = bestCpu(() => unpackGrib2(template, s5, s7, count, reused), runs);
    notes.push(
      `${p}: the unpacking alone into a reused array (as the tools decode), least CPU of ${runs}: ${unpack.toFixed(1)} ms = ${((unpack * 1e6) / count).toFixed(2)} ns a value`,
    );
    const peak = peakDecodeMemory(file);
    notes.push(
      `${p}: peak memory of a decode (max RSS of a process that reads the file into one array and decodes it, minus one that only reads it): ${(peak / 2 ** 20).toFixed(0)} MiB = ${(peak / (8 * 3600 * 1801)).toFixed(2)}x the decoded array`,
    );
  }
  // encode: read the simple field, pack it again (ours) vs grib_set -r (ecCodes decodes and repacks)
  const simpleFile = join(outDir, "t2m_0p1_grid_simple.grb2");
  for (const packing of only === undefined ? (["grid_simple", "grid_ccsds"] as const) : []) {
    const ours = timeOurs(() => {
      const bytes = new Uint8Array(readFileSync(simpleFile));
      const { template, s5, s7, count } = sections(bytes);
      const values = unpackGrib2(template, s5, s7, count);
      const out = encodeGrib2({
        edition: 2,
        centre: 98,
        referenceTime: new Date("2026-11-24T00:00:00Z"),
        step: { start: 0, end: 0, units: "h", type: "instant" },
        parameter: { discipline: 0, parameterCategory: 0, parameterNumber: 0 },
        level: { type: 103, value: 2 },
        grid,
        values,
        packing:
          packing === "grid_ccsds"
            ? { type: "ccsds", bitsPerValue: 16 }
            : { type: "simple", bitsPerValue: 16 },
      });
      writeFileSync(join(outDir, `ours_${packing}.grb2`), out);
    }, runs);
    const theirs = timeCommand(
      "grib_set",
      ["-r", "-s", `packingType=${packing}`, simpleFile, join(outDir, `eccodes_${packing}.grb2`)],
      runs,
    );
    line(
      `| encode ${packing} (read simple, repack, write) | ${fmt(ours.wall)} | ${fmt(ours.cpu)} | | ${fmt(theirs.wall)} | ${fmt(theirs.cpu)} | | ${ratio(ours.wall, theirs.wall)} | ${ratio(ours.cpu, theirs.cpu)} | |`,
    );
  }
  const size = (f: string) => readFileSync(join(outDir, f)).length;
  line("");
  for (const n of notes) line(`- ${n}`);
  if (only === undefined) {
    line(
      `- CCSDS output: ours ${size("ours_grid_ccsds.grb2")} bytes, ecCodes ${size("eccodes_grid_ccsds.grb2")} bytes`,
    );
  }
  line(`- command: npm run bench grib-codec -- ${args.join(" ")} (${new Date().toISOString()})`);
}
