// `npm run bench grib [--runs N] [--messages N]` (`-- --whole-process [--jpeg]`: see grib-whole-process.ts): the GRIB reader against ecCodes on the same files in
// the same run — scan and index a multi-message file (ours: scan + metadata of every message; ecCodes:
// `grib_ls -p KEYS`), split it (ours: `cloudburst grib split`; ecCodes: `grib_copy` with the same name
// template) and decode every message of it (ours: scan + metadata + values + max; ecCodes:
// `grib_get -p max`). The data is make-grib-testdata.sh's 0.25-degree CCSDS field repeated at N steps
// (default 1,000, about 1.5 GB), made once and cached under bench/out/grib/. Times are wall-clock, best
// of N runs; ratios are ours/ecCodes (< 1: we are faster).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { decodeFields, isGribError, scanFile } from "../src/grib/index.ts";
import { getKey, LS_KEYS } from "../src/grib/keys.ts";
import { runWholeProcess } from "./grib-whole-process.ts";

const outDir = join(import.meta.dirname, "out", "grib");
const root = resolve(import.meta.dirname, "..");
const shared = resolve(root, "../shared");
const cli = join(root, "bin/cloudburst.js");

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

function makeData(messages: number): string {
  mkdirSync(outDir, { recursive: true });
  const field = join(outDir, "t2m_0p25_grid_ccsds.grb2");
  if (!existsSync(field)) {
    process.stdout.write(
      "making the test data with make-grib-testdata.sh (once, cached in bench/out/grib)...\n",
    );
    execFileSync("bash", [join(shared, "tools/make-grib-testdata.sh"), outDir], { stdio: "ignore" });
  }
  const multi = join(outDir, `multi_${messages}_ccsds.grb2`);
  if (!existsSync(multi)) {
    process.stdout.write(`making a ${messages}-message file...\n`);
    writeFileSync(
      join(outDir, "setstep.rules"),
      "set dataDate = 20261124;\nset dataTime = 0;\nset typeOfProcessedData = 1;\nset step = count - 1;\nwrite;\n",
    );
    const dup = join(outDir, "dup.grb2");
    execFileSync("bash", ["-c", `for i in $(seq ${messages}); do cat "${field}"; done > "${dup}"`]);
    execFileSync("grib_filter", ["-o", multi, join(outDir, "setstep.rules"), dup]);
    rmSync(dup);
  }
  return multi;
}

/** Best wall time (ms) of `runs` runs of `work`. */
async function best(runs: number, work: () => Promise<unknown> | unknown): Promise<number> {
  let min = Number.POSITIVE_INFINITY;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await work();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

function command(cmd: string, args: string[]): () => void {
  return () => {
    const r = spawnSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"], maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  };
}

async function scanAndIndex(file: string): Promise<number> {
  let n = 0;
  for await (const m of scanFile(file, { reuse: true })) {
    if (isGribError(m)) throw m;
    for (const f of decodeFields(m.bytes, { offset: m.offset })) {
      for (const k of LS_KEYS) getKey(f.metadata, k);
      n++;
    }
  }
  return n;
}

async function decodeAll(file: string): Promise<number> {
  let max = Number.NEGATIVE_INFINITY;
  for await (const m of scanFile(file, { reuse: true })) {
    if (isGribError(m)) throw m;
    for (const f of decodeFields(m.bytes, { offset: m.offset })) {
      const v = f.values();
      for (let i = 0; i < v.length; i++) if (v[i] > max) max = v[i];
    }
  }
  return max;
}

export async function run(args: string[]): Promise<void> {
  const runs = option(args, "--runs", 3);
  if (args.includes("--whole-process"))
    return runWholeProcess(option(args, "--runs", 5), args.includes("--jpeg"));
  const messages = option(args, "--messages", 1000);
  const file = makeData(messages);
  const gb = statSync(file).size / 1e9;
  const split = (dir: string) => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const template = "[shortName]_[level]_[step].grib";
  const rows: Array<[string, number, number]> = [];
  const measure = async (name: string, ours: () => unknown, theirs: () => unknown) => {
    const a = await best(runs, ours);
    const b = await best(runs, theirs);
    rows.push([name, a, b]);
    process.stdout.write(
      `${name}: ours ${a.toFixed(0)} ms, ecCodes ${b.toFixed(0)} ms, ratio ${(a / b).toFixed(2)}\n`,
    );
  };

  process.stdout.write(`${messages} messages, ${gb.toFixed(2)} GB, best of ${runs}\n`);
  await measure(
    "scan + index (library, in-process) vs grib_ls -p",
    () => scanAndIndex(file),
    command("grib_ls", ["-p", LS_KEYS.join(","), file]),
  );
  await measure(
    "scan + index (`cloudburst grib ls -p`) vs grib_ls -p",
    command(process.execPath, [cli, "grib", "ls", "-p", LS_KEYS.join(","), file]),
    command("grib_ls", ["-p", LS_KEYS.join(","), file]),
  );
  const oursDir = join(outDir, "split-ours");
  const theirDir = join(outDir, "split-ecCodes");
  await measure(
    "split (`cloudburst grib split`) vs grib_copy",
    () => command(process.execPath, [cli, "grib", "split", file, split(oursDir), "--template", template])(),
    () => command("grib_copy", [file, join(split(theirDir), template)])(),
  );
  // decoding every message is the long one: one run of 200 messages at most
  const decodeFile = messages > 200 ? makeData(200) : file;
  await measure(
    `decode all ${Math.min(messages, 200)} CCSDS messages + max (library) vs grib_get -p max`,
    () => decodeAll(decodeFile),
    command("grib_get", ["-p", "max", decodeFile]),
  );
  rmSync(oursDir, { recursive: true, force: true });
  rmSync(theirDir, { recursive: true, force: true });

  process.stdout.write("\n| case | ours ms | ecCodes ms | ratio ours/ecCodes |\n|---|---:|---:|---:|\n");
  for (const [name, a, b] of rows) {
    process.stdout.write(`| ${name} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(a / b).toFixed(2)} |\n`);
  }
}
