// Issue 17: a corpus of damaged GRIB files (test/grib/mutated-corpus.ts, fixed seed) through
// `cloudburst grib ls`, `grib get-data` and `grib compare`: no stack trace, no hang, no exit 0 without
// output; where grib_get_data refuses a file, no values with exit 0; every refusal non-zero, naming the
// byte offset (and, for headers that contradict each other, the key and the contradiction); a file with
// no GRIB at all exits 1 saying no messages were found. The commands run through the CLI's main() in one
// child process (test/grib/cli-batch.ts: hundreds of runs, one Node start-up); a few run as the real
// `cloudburst` binary.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { runCli } from "../helpers/cli.ts";
import { type Mutant, mutatedCorpus, sources } from "./mutated-corpus.ts";

const SEED = 17;
const dir = mkdtempSync(join(tmpdir(), "cb-mutated-"));
after(() => rmSync(dir, { recursive: true, force: true }));

type Tool = "ls" | "get-data" | "compare";
interface Run {
  file: string;
  tool: Tool;
  code: number | "hang";
  stdout: string;
  stderr: string;
}

const sourceOf = (m: Mutant) => join(dir, "sources", `${m.name.split(".")[0]}.grib`);
const pathOf = (m: Mutant) => join(dir, m.name);

function commandLine(m: Mutant, tool: Tool): string[] {
  return tool === "compare" ? ["grib", "compare", sourceOf(m), pathOf(m)] : ["grib", tool, pathOf(m)];
}

/** Every command line through cli-batch.ts; a child that dies or stalls fails naming the run it was on. */
function runBatch(lines: string[][]): Promise<Array<Omit<Run, "file" | "tool">>> {
  const child = spawn(process.execPath, [join(import.meta.dirname, "cli-batch.ts"), "10000"], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const results: Array<Omit<Run, "file" | "tool">> = [];
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  createInterface({ input: child.stdout }).on("line", (line) => {
    results.push(JSON.parse(line) as Omit<Run, "file" | "tool">);
  });
  child.stdin.end(`${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
  return new Promise((resolve, reject) => {
    const watchdog = setTimeout(() => child.kill("SIGKILL"), 150_000);
    child.on("close", (code, signal) => {
      clearTimeout(watchdog);
      if (code === 0 && results.length === lines.length) resolve(results);
      else {
        const at = lines[results.length]?.join(" ");
        reject(new Error(`the batch stopped (${code ?? signal}) at run ${results.length}: ${at}\n${stderr}`));
      }
    });
  });
}

/** grib_get_data's verdict: its exit status, or the signal that ended it (a crash, or killed after 3 s). */
function ecCodes(args: string[]): Promise<number | string> {
  return new Promise((resolve) => {
    const child = spawn("grib_get_data", args, { stdio: "ignore", timeout: 3000 });
    child.on("close", (code, signal) => resolve(signal ?? code ?? "unknown"));
  });
}

async function inParallel<T, R>(items: T[], width: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await run(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return out;
}

/** A failure no code path foresaw: a stack frame, or main()'s catch-all "run again with --debug". */
const unforeseen = /\n\s+at .+[(:]\d+|run again with --debug|TypeError|RangeError|ReferenceError/;
const noGrib = /^(empty|garbage-\d+|zeros-\d+)\.grib$/;
const tools: Tool[] = ["ls", "get-data", "compare"];

describe(`grib tools on ${"a mutated corpus"} (seed ${SEED})`, () => {
  const corpus = mutatedCorpus(SEED);
  const runs: Run[] = [];
  const theirs = new Map<string, number | string>();

  before(async () => {
    mkdirSync(join(dir, "sources"));
    for (const s of sources()) writeFileSync(join(dir, "sources", `${s.name}.grib`), s.bytes);
    for (const m of corpus) writeFileSync(pathOf(m), m.bytes);
    const jobs = corpus.flatMap((m) => tools.map((tool) => ({ m, tool })));
    const [ours, verdicts] = await Promise.all([
      runBatch(jobs.map(({ m, tool }) => commandLine(m, tool))),
      inParallel(corpus, 2, (m) => ecCodes([pathOf(m)])),
    ]);
    ours.forEach((r, i) => {
      runs.push({ ...r, file: jobs[i]!.m.name, tool: jobs[i]!.tool });
    });
    corpus.forEach((m, i) => {
      theirs.set(m.name, verdicts[i]!);
    });
  });

  it("has a few hundred files, the same for the same seed", () => {
    assert.ok(corpus.length >= 200, `${corpus.length} files`);
    const again = mutatedCorpus(SEED);
    assert.deepEqual(
      again.map((m) => m.name),
      corpus.map((m) => m.name),
    );
    assert.ok(again.every((m, i) => Buffer.from(m.bytes).equals(Buffer.from(corpus[i]!.bytes))));
  });

  it("gives no stack trace, no hang and no exit 0 without output", () => {
    const bad = runs.filter(
      (r) =>
        r.code === "hang" ||
        unforeseen.test(r.stderr) ||
        unforeseen.test(r.stdout) ||
        (r.code === 0 && r.tool !== "compare" && !r.stdout.trim()),
    );
    assert.deepEqual(
      bad.map((r) => `${r.tool} ${r.file}: ${r.code} ${r.stderr.slice(0, 300)}`),
      [],
    );
  });

  it("prints no values with exit 0 where grib_get_data refuses the file", (t) => {
    const getData = runs.filter((r) => r.tool === "get-data");
    // killed after 3 s: no verdict (a loaded machine, or ecCodes looping); counted, not compared
    const timedOut = getData.filter((r) => theirs.get(r.file) === "SIGTERM").length;
    const refusedByThem = getData.filter((r) => theirs.get(r.file) !== 0 && theirs.get(r.file) !== "SIGTERM");
    const lies = refusedByThem.filter((r) => r.code === 0);
    assert.deepEqual(
      lies.map((r) => `${r.file}: grib_get_data ${theirs.get(r.file)}, ours 0`),
      [],
    );
    const crashed = refusedByThem.filter((r) => typeof theirs.get(r.file) === "string").length;
    t.diagnostic(
      `${corpus.length} files; get-data refused by us ${getData.filter((r) => r.code !== 0).length}, by grib_get_data ${refusedByThem.length} (${crashed} of them by a crash), ${timedOut} grib_get_data runs killed after 3 s; ours with values where ecCodes refuses: ${lies.length}`,
    );
  });

  it("refuses with a non-zero exit, naming the byte offset; no GRIB at all exits 1 saying so", () => {
    for (const r of runs.filter((r) => r.tool !== "compare" && r.code !== 0)) {
      const where = `${r.tool} ${r.file}: ${r.stderr}`;
      if (noGrib.test(r.file)) assert.match(r.stderr, /no messages found in /, where);
      if (/no messages found in /.test(r.stderr)) assert.equal(r.code, 1, where);
      else assert.match(r.stderr, /\(at byte offset \d+\)/, where);
    }
    for (const r of runs.filter((r) => r.tool === "compare" && noGrib.test(r.file))) {
      assert.equal(r.code, 1, `${r.file}: ${r.stderr}`);
      assert.match(r.stderr, /no messages found in /);
    }
  });

  it("refuses headers that contradict the data with exit 1, the key and the contradiction", () => {
    // kind of damage → the key the refusal must name
    const expected: Array<[RegExp, RegExp]> = [
      [
        /\.N[ix]-65535\.grib$/,
        /: (Ni|Nx): missing|: numberOfDataPoints: N[ix] × N[jy] = 65535 × \d+ gives \d+ points but the message says numberOfDataPoints = \d+/,
      ],
      [/\.N[jy]-0\.grib$/, /: (Nj|Ny): the grid has no rows|: numberOfDataPoints: Nj is 0/],
      [
        /\.numberOfValues-0\.grib$/,
        /: numberOfValues: (0 values are packed for \d+ points|the bitmap marks \d+ points present but 0 values are packed)/,
      ],
      [
        /\.numberOfDataPoints-1\.grib$/,
        /: numberOfDataPoints: .* gives \d+ points but the message says numberOfDataPoints = 1 /,
      ],
      [
        /^g[12]-(simple|simple-bitmap|ccsds-bitmap|polar-bitmap)\.bitsPerValue-(33|64|255)\.grib$/,
        /: (bitsPerValue|section7Length|numberOfCodedValues): .*\b(33|64|255) bits( per value)?\b/,
      ],
      [
        /\.(bds|section7)-length-past-end\.grib$/,
        /section [47] of \d+ bytes .*(runs past the message|the "7777" is at byte)/,
      ],
    ];
    let checked = 0;
    for (const r of runs.filter((r) => r.tool === "get-data")) {
      const rule = expected.find(([file]) => file.test(r.file));
      if (!rule) continue;
      checked++;
      assert.equal(r.code, 1, `${r.file}: exit ${r.code}\n${r.stderr}`);
      assert.match(r.stderr, rule[1], r.file);
      assert.match(r.stderr, /\(at byte offset \d+\)/, r.file);
    }
    assert.ok(checked >= 30, `${checked} files with contradicting headers`);
  });

  it("the real binary: no GRIB, Nj 0 and Ni 65535 refused with exit 1", async () => {
    const cases: Array<[string, Tool, RegExp]> = [
      ["empty.grib", "get-data", /^no messages found in .*empty\.grib$/m],
      ["g2-simple.Nj-0.grib", "get-data", /: Nj: the grid has no rows \(0\)/],
      ["g1-simple.Ni-65535.grib", "compare", /: Ni: missing \(all bits set\)/],
    ];
    for (const [name, tool, message] of cases) {
      const m = corpus.find((c) => c.name === name)!;
      const r = await runCli(commandLine(m, tool), { cwd: dir });
      assert.equal(r.code, 1, `${tool} ${name}: ${r.stderr}`);
      assert.match(r.stderr, message, `${tool} ${name}`);
      assert.doesNotMatch(r.stderr, unforeseen, `${tool} ${name}`);
    }
  });
});
