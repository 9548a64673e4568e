// `npm run bench grib -- --whole-process [--runs N]`: decoding every field of a set of files as whole
// processes, ours (`cloudburst grib get -p max FILES`, the pinned Node, no npx) against ecCodes'
// `grib_get -p max FILES`, both under /usr/bin/time: user+sys CPU, peak RSS and wall time, the two
// commands interleaved run by run, medians reported. Their outputs must be identical. Sets: every GRIB
// file of ../shared/data (real data: GRIB1 and GRIB2, simple, JPEG 2000, CCSDS) and make-grib-testdata.sh's
// default output (every packing at 0.25°, bitmaps, reduced Gaussian, 200 CCSDS messages), made once under
// bench/out/grib-mix/. Then start-up: `grib ls` of one small file against grib_ls, with `node -e 0` as
// the floor Node itself sets. `--jpeg` runs only the JPEG 2000 files of ../shared/data (issue 19): decoding
// them against `grib_get -p edition` of the same files, which reads every key but decodes no value, so
// that the decoding's own cost is the difference of the two rows.
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const shared = resolve(root, "../shared");
const cli = join(root, "bin/cloudburst.js");
const mixDir = join(import.meta.dirname, "out", "grib-mix");

interface Sample {
  wall: number;
  cpu: number;
  /** peak resident set, MiB */
  rss: number;
  out: string;
}

/** One run of a command under /usr/bin/time: wall and CPU seconds, peak RSS, what it printed. */
function timed(cmd: string, args: string[]): Sample {
  const r = spawnSync("/usr/bin/time", ["-f", "%e %U %S %M", cmd, ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 4).join(" ")} ... failed: ${r.stderr}`);
  const [wall, user, sys, kb] = r.stderr.trim().split("\n").at(-1)!.split(" ").map(Number) as [
    number,
    number,
    number,
    number,
  ];
  return { wall, cpu: user + sys, rss: kb / 1024, out: r.stdout };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function isGrib(file: string): boolean {
  const fd = openSync(file, "r");
  try {
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head.toString("latin1") === "GRIB";
  } finally {
    closeSync(fd);
  }
}

function sharedFiles(): string[] {
  const dir = join(shared, "data");
  return (readdirSync(dir, { recursive: true }) as string[])
    .map((f) => join(dir, f))
    .filter((f) => !f.endsWith(".md") && !f.endsWith(".def") && existsSync(f) && isGribFile(f))
    .sort();
}

function isGribFile(f: string): boolean {
  try {
    return isGrib(f);
  } catch {
    return false; // a directory
  }
}

function mixFiles(): string[] {
  if (!existsSync(join(mixDir, "multi_200_ccsds.grb2"))) {
    process.stdout.write("making make-grib-testdata.sh's files (once, cached in bench/out/grib-mix)...\n");
    mkdirSync(mixDir, { recursive: true });
    execFileSync("bash", [join(shared, "tools/make-grib-testdata.sh"), mixDir], { stdio: "ignore" });
  }
  return readdirSync(mixDir)
    .filter((f) => /\.grb2?$/.test(f))
    .map((f) => join(mixDir, f))
    .sort();
}

/** The files of ../shared/data with a JPEG 2000 field (GRIB2 template 5.40), as ecCodes sees them. */
function jpegFiles(files: string[]): string[] {
  return files.filter((f) =>
    execFileSync("grib_get", ["-p", "packingType", f], { encoding: "utf8" }).includes("grid_jpeg"),
  );
}

interface Row {
  name: string;
  ours: Sample[];
  theirs: Sample[];
}

/** `runs` interleaved runs of ours and the peer; the first pair must print the same. */
function compare(name: string, ours: [string, string[]], theirs: [string, string[]], runs: number): Row {
  const row: Row = { name, ours: [], theirs: [] };
  for (let r = 0; r < runs; r++) {
    row.ours.push(timed(...ours));
    row.theirs.push(timed(...theirs));
  }
  if (row.ours[0]!.out !== row.theirs[0]!.out) {
    throw new Error(`${name}: ours and the peer printed different output`);
  }
  return row;
}

function line(s: string): void {
  process.stdout.write(`${s}\n`);
}

function report(rows: Row[], runs: number): void {
  const f2 = (x: number) => x.toFixed(2);
  line(
    "\n| case | ours CPU s | peer CPU s | CPU ratio | ours peak RSS MiB | peer peak RSS MiB | RSS ratio | ours wall s | peer wall s | wall ratio |",
  );
  line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    const m = (s: Sample[], k: "cpu" | "rss" | "wall") => median(s.map((x) => x[k]));
    const [oc, tc] = [m(r.ours, "cpu"), m(r.theirs, "cpu")];
    const [or, tr] = [m(r.ours, "rss"), m(r.theirs, "rss")];
    const [ow, tw] = [m(r.ours, "wall"), m(r.theirs, "wall")];
    line(
      `| ${r.name} | ${f2(oc)} | ${f2(tc)} | ${f2(oc / tc)} | ${or.toFixed(0)} | ${tr.toFixed(0)} | ${f2(or / tr)} | ${f2(ow)} | ${f2(tw)} | ${f2(ow / tw)} |`,
    );
  }
  line(`\nmedians of ${runs} interleaved runs; load average after: ${loadavg().map(f2).join(" ")}`);
}

function loadLine(): void {
  line(
    `load average before: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
}

/** Only the JPEG 2000 files: every field decoded, then only their keys read (no value decoded). */
function runJpeg(runs: number): void {
  const node = process.execPath;
  const files = jpegFiles(sharedFiles());
  loadLine();
  const rows = ["max", "edition"].map((key) =>
    compare(
      `the ${files.length} files of ../shared/data with JPEG 2000 fields: \`grib get -p ${key}\``,
      [node, [cli, "grib", "get", "-p", key, ...files]],
      ["grib_get", ["-p", key, ...files]],
      runs,
    ),
  );
  report(rows, runs);
}

export function runWholeProcess(runs: number, jpegOnly: boolean): void {
  if (jpegOnly) {
    runJpeg(runs);
    return;
  }
  const node = process.execPath;
  const real = sharedFiles();
  const mix = mixFiles();
  loadLine();
  const rows = [
    compare(
      `decode every field of ../shared/data (${real.length} files) + max: \`grib get -p max\` vs \`grib_get -p max\``,
      [node, [cli, "grib", "get", "-p", "max", ...real]],
      ["grib_get", ["-p", "max", ...real]],
      runs,
    ),
    compare(
      `decode every field of make-grib-testdata.sh's files (${mix.length} files, 200 CCSDS messages) + max`,
      [node, [cli, "grib", "get", "-p", "max", ...mix]],
      ["grib_get", ["-p", "max", ...mix]],
      runs,
    ),
  ];
  const small = join(shared, "data/himan-tests-dev/precipitation-rate/result_rain_harmonie.grib");
  rows.push(
    compare(
      "`grib ls` of one small file (622 bytes) vs `grib_ls`",
      [node, [cli, "grib", "ls", small]],
      ["grib_ls", [small]],
      runs * 2,
    ),
  );
  const floor: Row = {
    name: "`node -e 0` (Node's own start-up) vs `grib_ls` of the small file",
    ours: [],
    theirs: [],
  };
  for (let r = 0; r < runs * 2; r++) {
    floor.ours.push(timed(node, ["-e", "0"]));
    floor.theirs.push(timed("grib_ls", [small]));
  }
  rows.push(floor);
  report(rows, runs);
}
