// The default cycle's products (src/cycle/products/*.json, himan configurations as FMI writes them for
// ECMWF data) run unchanged by `cloudburst process` on the simulated stream's steps 5 and 6, which encode
// as ECMWF does (GRIB1 table 128 surface fields, GRIB2/CCSDS model levels with pv and lnsp): every
// product of step 6 is made, none skipped, and values read back by ecCodes match the formulas on ecCodes'
// decoding of the sources.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { builtInProductFiles } from "../../src/cycle/products.ts";
import { encodeStep } from "../../src/sim/ecmwf/encode.ts";
import { defaultContent, globalGrid, newAccumulation } from "../../src/sim/ecmwf/fields.ts";
import { runCli, tempDir } from "../helpers/cli.ts";
import { ecCodesPv } from "./ecmwf-data.ts";
import { gribKeys, gribValues, maxDiff } from "./oracle.ts";

/** The one message of `file` that ecCodes selects with `where` (grib_copy -w), in a file of its own. */
function select(file: string, where: string, dir: string): string {
  const out = join(dir, `${where.replace(/[^a-z0-9]+/gi, "_")}.grib`);
  execFileSync("grib_copy", ["-w", where, file, out]);
  assert.equal(execFileSync("grib_count", [out], { encoding: "utf8" }).trim(), "1", where);
  return out;
}

describe("the default cycle's products, run unchanged on the simulated ECMWF stream", () => {
  const dir = tempDir("cb-builtin-");
  const out = join(dir, "out");
  const step6 = join(dir, "step6.grib");
  const warnings: string[] = [];
  before(async () => {
    const grid = globalGrid(2);
    const accumulation = newAccumulation(grid);
    const base = new Date("2026-11-24T00:00:00Z");
    const step5 = join(dir, "step5.grib");
    writeFileSync(step5, encodeStep(defaultContent, grid, base, 5, accumulation));
    writeFileSync(step6, encodeStep(defaultContent, grid, base, 6, accumulation));
    for (const { file } of builtInProductFiles()) {
      const result = await runCli(["process", "-f", file, "--json", "--output", out, step5, step6]);
      assert.equal(result.code, 0, `${file}: ${result.stderr}`);
      warnings.push(...(JSON.parse(result.stdout) as { warnings: string[] }).warnings);
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("makes every product of step 6 and skips none there", () => {
    // The configurations list ECMWF's whole step range; only steps 5 and 6 were given.
    assert.deepEqual(
      warnings.filter((w) => / step 6: /.test(w)),
      [],
    );
    const made = readdirSync(out).filter((f) => f.includes("_006."));
    for (const product of [
      "T-C_height_2",
      "RH-PRCNT_height_2",
      "FF-MS_height_10",
      "DD-D_height_10",
      "FF-MS_pressure_850",
      "RH-PRCNT_pressure_700",
      "RR-1-MM_ground_0",
      "RRR-KGM2_ground_0",
      "P-HPA_hybrid_137",
      "RH-PRCNT_hybrid_100",
      "TPW-K_pressure_850",
    ])
      assert.ok(
        made.some((f) => f.startsWith(`${product}_`)),
        `${product} not among ${made.join(", ")}`,
      );
  });

  it("reads 2t, 10u and 10v at their heights, and lnsp with the pv for model levels, as ecCodes decodes them", () => {
    const file = (prefix: string) =>
      join(out, readdirSync(out).find((f) => f.startsWith(prefix) && f.includes("_006."))!);
    const t2 = gribValues(select(step6, "shortName=2t", dir));
    const tc = gribValues(file("T-C_height_2_"));
    assert.ok(
      maxDiff(
        tc,
        t2.map((t) => t - 273.15),
      ).max < 0.01,
    );

    const u = gribValues(select(step6, "shortName=10u", dir));
    const v = gribValues(select(step6, "shortName=10v", dir));
    const ff = gribValues(file("FF-MS_height_10_"));
    assert.ok(
      maxDiff(
        ff,
        u.map((x, i) => Math.hypot(x, v[i])),
      ).max < 0.01,
    );

    const pml = file("P-HPA_hybrid_137_");
    assert.equal(gribKeys(pml, ["typeOfLevel", "level"]).typeOfLevel, "hybrid");
    const pv = ecCodesPv(pml);
    const half = pv.length / 2; // a[0..137], then b[0..137]
    const a = (pv[136]! + pv[137]!) / 2;
    const b = (pv[half + 136]! + pv[half + 137]!) / 2;
    const lnsp = gribValues(select(step6, "shortName=lnsp", dir));
    assert.ok(
      maxDiff(
        gribValues(pml),
        lnsp.map((l) => 0.01 * (a + b * Math.exp(l))),
      ).max < 0.05,
    );
  });
});
