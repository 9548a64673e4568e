// `npm run bench process [--quick] [--repeats N]`: whole `cloudburst process` runs (a fresh process:
// start-up, reading, decoding, computing, encoding, writing) on the simulated ECMWF stream's step 6 (and
// step 5, which the hourly sums need) at 0.1° (6.48 M points a field; --quick: 1°), against CDO making
// the same products from the same files in the same run (one `cdo` per product group, as a script would):
// the cycle's whole built-in product set, and wind speed and direction at 10 m alone (`cdo expr`). CPU
// seconds (user + system) by /usr/bin/time; each pair interleaved, best of 3.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
function cdoCommands(step5: string, step6: string, dir: string): Record<string, string[]> {
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
  return {
    tc: ["-f", "grb", "-b", "P16", "-expr,tc=t-273.15", ...sel(167, "t"), join(dir, "cdo-tc.grb")],
    wind10: expr("wind10", wind, sel(165, "u"), sel(166, "v")),
    windpl: expr("windpl", wind, sel(131, "u", step6, "85000,50000"), sel(132, "v", step6, "85000,50000")),
    rh2: expr("rh2", `rh=min(100,${magnus("t", "td")})`, sel(167, "t"), sel(168, "td")),
    rhpl: expr(
      "rhpl",
      `rh=${rhq("0.01*clev(t)")}`,
      sel(130, "t", step6, "85000,70000"),
      sel(133, "q", step6, "85000,70000"),
    ),
    rr: expr("rr", "rr=((b-a)*1000<0.01)?0:(b-a)*1000;rrr=rr", sel(228, "a", step5), sel(228, "b")),
    pml: [
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
    rhml: expr("rhml", `rh=${rhq("100")}`, modelLevel("t"), modelLevel("q"), "grb2"),
    tw: expr(
      "tw",
      "_td=t/(1-t*log(0.01*r)*0.0001846);_tl=1/(1/(_td-56)+log(t/_td)/800)+56;_e=6.107*exp(2.302585*7.5*(_td-273.15)/(_td-36.15));_w=621.97*_e/(850-_e);_te=t*(1000/850)^(0.2854*(1-0.00028*_w))*exp((3.376/_tl-0.00254)*_w*(1+0.00081*_w));_x=_te/273.15;tw=_te-exp((7.101574-20.68208*_x+16.11182*_x*_x+2.574631*_x*_x*_x-5.205688*_x*_x*_x*_x)/(1-3.552497*_x+3.781782*_x*_x-0.6899655*_x*_x*_x-0.592934*_x*_x*_x*_x))",
      sel(130, "t", step6, "85000"),
      sel(157, "r", step6, "85000"),
    ),
  };
}

interface Pair {
  name: string;
  /** `cloudburst process` arguments after the command name. */
  ours: string[];
  cdo: string[][];
  best: { ours: Timing; cdo: Timing };
}

interface Timing {
  cpu: number;
  wall: number;
}

/** One repeat of a pair: our whole process, then CDO's commands, each with its output cleared first. */
function timePair(pair: Pair, dir: string, outDir: string): void {
  rmSync(outDir, { recursive: true, force: true });
  const ours = timed(process.execPath, [join(root, "bin/cloudburst.js"), "process", ...pair.ours], dir);
  if (ours.cpu < pair.best.ours.cpu) pair.best.ours = ours;
  const cdo = { cpu: 0, wall: 0 };
  for (const command of pair.cdo) {
    const c = timed("cdo", ["-s", "-P", "1", ...command], dir);
    cdo.cpu += c.cpu;
    cdo.wall += c.wall;
  }
  if (cdo.cpu < pair.best.cdo.cpu) pair.best.cdo = cdo;
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
    const [step5, step6] = [5, 6].map((step) => {
      const file = join(dir, `step${step}.grib`);
      writeFileSync(file, encodeStep(defaultContent, grid, base, step, accumulation));
      return file;
    }) as [string, string];
    const config = join(dir, "products.json");
    writeFileSync(config, combinedConfig(6));
    const windConfig = join(dir, "wind10.json");
    const wind10 = { leveltype: "height", levels: "10", plugins: [{ name: "windvector" }] };
    writeFileSync(windConfig, JSON.stringify({ source_producer: "131", hours: "6", processqueue: [wind10] }));
    const outDir = join(dir, "out");
    const cdo = cdoCommands(step5, step6, dir);
    const none = { cpu: Number.POSITIVE_INFINITY, wall: 0 };
    const pairs: Pair[] = [
      {
        name: "the built-in product set of step 6",
        ours: ["-f", config, "--output", outDir, step5, step6],
        cdo: Object.values(cdo),
        best: { ours: none, cdo: none },
      },
      {
        name: "wind speed and direction at 10 m alone",
        ours: ["-f", windConfig, "--output", outDir, step6],
        cdo: [cdo["wind10"]!],
        best: { ours: none, cdo: none },
      },
    ];
    // Interleaved, so that a busy moment of the machine falls on both sides of a pair.
    for (let r = 0; r < repeats; r++) for (const pair of pairs) timePair(pair, dir, outDir);
    const points = grid.ni * grid.nj;
    const rows = pairs.flatMap(({ name, best }) => [
      `| ${name}: cloudburst process (one run, start-up included) | ${best.ours.cpu.toFixed(2)} | ${best.ours.wall.toFixed(2)} |`,
      `| ${name}: cdo, one command per product group | ${best.cdo.cpu.toFixed(2)} | ${best.cdo.wall.toFixed(2)} |`,
      `| ${name}: ratio ours / CDO | ${(best.ours.cpu / best.cdo.cpu).toFixed(2)} | ${(best.ours.wall / best.cdo.wall).toFixed(2)} |`,
    ]);
    process.stdout.write(
      `process benchmark: ${increment}° (${(points / 1e6).toFixed(2)} M points), best of ${repeats}\n\n` +
        `| run | CPU s | wall s |\n|---|---:|---:|\n${rows.join("\n")}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
