// `npm run bench process [--quick] [--repeats N]`: the cycle's whole built-in product set for one step, as one
// `cloudburst process` run (a fresh process: start-up, reading, decoding, computing, encoding, writing)
// on the simulated ECMWF stream's step 6 (and step 5, which the hourly sums need) at 0.1° (6.48 M points
// a field; --quick: 1°), against CDO making the same products from the same files in the same run (one
// `cdo` per product group, as a script would). CPU seconds (user + system) by /usr/bin/time; best of 3.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtInProductFiles } from "../src/cycle/products.ts";
import { encodeStep } from "../src/sim/ecmwf/encode.ts";
import { defaultContent, globalGrid, newAccumulation } from "../src/sim/ecmwf/fields.ts";
import { l137a, l137b } from "../src/sim/ecmwf/l137.ts";

const root = join(import.meta.dirname, "..");

/** CPU and wall seconds of one command, by GNU time. */
function timed(command: string, args: string[], cwd: string): { cpu: number; wall: number } {
  const out = join(cwd, "time.txt");
  execFileSync("/usr/bin/time", ["-o", out, "-f", "%U %S %e", command, ...args], {
    cwd,
    stdio: ["ignore", "ignore", "pipe"],
    maxBuffer: 1 << 26,
  });
  const [user, system, wall] = readFileSync(out, "utf8").trim().split(/\s+/).map(Number);
  return { cpu: user + system, wall };
}

/** The built-in configurations' processqueues in one himan configuration, for one step. */
function combinedConfig(step: number): string {
  const queue = builtInProductFiles().flatMap(
    ({ file }) => (JSON.parse(readFileSync(file, "utf8")) as { processqueue: unknown[] }).processqueue,
  );
  return JSON.stringify({
    source_producer: "131",
    target_producer: "240",
    hours: String(step),
    processqueue: queue,
  });
}

const magnus = (t: string, td: string) =>
  `100*exp(17.27*(${td}-273.15)/(${td}-35.85)-17.27*(${t}-273.15)/(${t}-35.85))`;
const es = (t: string) =>
  `((${t}>268.15)?6.107*exp(2.302585*7.5*(${t}-273.15)/(${t}-36.15)):6.107*exp(2.302585*9.5*(${t}-273.15)/(${t}-7.65)))`;
const rhq = (p: string) =>
  `max(0,min(1,(${p}*q/0.622/${es("t")})*(${p}-${es("t")})/(${p}-q*${p}/0.622)))*100`;

/** CDO making the same products, one command per group: an expression over two selected fields. */
function cdoCommands(step5: string, step6: string, dir: string): string[][] {
  const sel = (code: number, name: string, file = step6, levels?: string) => [
    `-setname,${name}`,
    ...(levels ? [`-sellevel,${levels}`] : []),
    `-selcode,${code}`,
    file,
  ];
  const expr = (name: string, expression: string, a: string[], b: string[], format = "grb") => [
    ...["-f", format, "-b", "P16", `-expr,${expression}`, "-merge", ...a, ...b],
    join(dir, `cdo-${name}.grb`),
  ];
  const fullLevel = (k: number) => ({
    a: (l137a[k - 1]! + l137a[k]!) / 2,
    b: (l137b[k - 1]! + l137b[k]!) / 2,
  });
  const pressure = [137, 130, 120, 100]
    .map((k, i) => `p${i}=0.01*(${fullLevel(k).a}+${fullLevel(k).b}*exp(lnsp))`)
    .join(";");
  const wind = "ff=sqrt(u*u+v*v);dd=atan2(u,v)*57.29578+180";
  const modelLevel = (name: string) => [
    `-setname,${name}`,
    `-selname,${name}`,
    "-sellevel,137,130,120,100",
    step6,
  ];
  return [
    ["-f", "grb", "-b", "P16", "-expr,tc=t-273.15", ...sel(167, "t"), join(dir, "cdo-tc.grb")],
    expr("wind10", wind, sel(165, "u"), sel(166, "v")),
    expr("windpl", wind, sel(131, "u", step6, "85000,50000"), sel(132, "v", step6, "85000,50000")),
    expr("rh2", `rh=min(100,${magnus("t", "td")})`, sel(167, "t"), sel(168, "td")),
    expr(
      "rhpl",
      `rh=${rhq("0.01*clev(t)")}`,
      sel(130, "t", step6, "85000,70000"),
      sel(133, "q", step6, "85000,70000"),
    ),
    expr("rr", "rr=((b-a)*1000<0.01)?0:(b-a)*1000;rrr=rr", sel(228, "a", step5), sel(228, "b")),
    [
      "-f",
      "grb2",
      "-b",
      "P16",
      `-expr,${pressure}`,
      "-setname,lnsp",
      "-selname,lnsp",
      step6,
      join(dir, "cdo-pml.grb"),
    ],
    expr("rhml", `rh=${rhq("100")}`, modelLevel("t"), modelLevel("q"), "grb2"),
    expr(
      "tw",
      "_td=t/(1-t*log(0.01*r)*0.0001846);_tl=1/(1/(_td-56)+log(t/_td)/800)+56;_e=6.107*exp(2.302585*7.5*(_td-273.15)/(_td-36.15));_w=621.97*_e/(850-_e);_te=t*(1000/850)^(0.2854*(1-0.00028*_w))*exp((3.376/_tl-0.00254)*_w*(1+0.00081*_w));_x=_te/273.15;tw=_te-exp((7.101574-20.68208*_x+16.11182*_x*_x+2.574631*_x*_x*_x-5.205688*_x*_x*_x*_x)/(1-3.552497*_x+3.781782*_x*_x-0.6899655*_x*_x*_x-0.592934*_x*_x*_x*_x))",
      sel(130, "t", step6, "85000"),
      sel(157, "r", step6, "85000"),
    ),
  ];
}

export async function run(args: string[]): Promise<void> {
  const increment = args.includes("--quick") ? 1 : 0.1;
  const at = args.indexOf("--repeats");
  const repeats = at >= 0 ? Number(args[at + 1]) : 3;
  const dir = mkdtempSync(join(tmpdir(), "cb-bench-process-"));
  try {
    const grid = globalGrid(increment);
    const base = new Date("2026-11-24T00:00:00Z");
    const accumulation = newAccumulation(grid);
    const files = [5, 6].map((step) => {
      const file = join(dir, `step${step}.grib`);
      writeFileSync(file, encodeStep(defaultContent, grid, base, step, accumulation));
      return file;
    });
    const config = join(dir, "products.json");
    writeFileSync(config, combinedConfig(6));
    const outDir = join(dir, "out");
    const cloudburst = [
      join(root, "bin/cloudburst.js"),
      "process",
      "-f",
      config,
      "--output",
      outDir,
      ...files,
    ];
    let ours = { cpu: Number.POSITIVE_INFINITY, wall: 0 };
    let theirs = { cpu: Number.POSITIVE_INFINITY, wall: 0 };
    for (let r = 0; r < repeats; r++) {
      rmSync(outDir, { recursive: true, force: true });
      const t = timed(process.execPath, cloudburst, dir);
      if (t.cpu < ours.cpu) ours = t;
      let cpu = 0;
      let wall = 0;
      for (const command of cdoCommands(files[0]!, files[1]!, dir)) {
        const c = timed("cdo", ["-s", "-P", "1", ...command], dir);
        cpu += c.cpu;
        wall += c.wall;
      }
      if (cpu < theirs.cpu) theirs = { cpu, wall };
    }
    const written = readdirSync(outDir).length;
    const points = grid.ni * grid.nj;
    process.stdout.write(
      `process benchmark: the built-in product set of step 6 (${written} files), ${increment}° (${(points / 1e6).toFixed(2)} M points), best of ${repeats}\n\n` +
        "| run | CPU s | wall s |\n|---|---:|---:|\n" +
        `| cloudburst process (one run, start-up included) | ${ours.cpu.toFixed(2)} | ${ours.wall.toFixed(2)} |\n` +
        `| cdo, one command per product group | ${theirs.cpu.toFixed(2)} | ${theirs.wall.toFixed(2)} |\n` +
        `| ratio ours / CDO | ${(ours.cpu / theirs.cpu).toFixed(2)} | ${(ours.wall / theirs.wall).toFixed(2)} |\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
