// `cloudburst shims DIR`: himan's own test script (density/harmonie.sh, unchanged) run with our
// `himan` and `grib_compare` first on its PATH gives the verdict it gives with ecCodes' grib_compare,
// whether himan's output is his own result (success) or ours, which differs from his in header keys
// radon decides (packing bits, generating process): failure, as ecCodes says.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runCli, tempDir } from "../helpers/cli.ts";
import { himanDev } from "../products/oracle.ts";

const caseDir = join(himanDev, "../himan-tests-dev/density");

describe("cloudburst shims: ecCodes' tools and himan by their names", () => {
  const dir = tempDir("cb-shims-");
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs his script in a copy of his case, with `himan` and the PATH given; its exit code and verdict. */
  function runScript(name: string, himan: string, path: string) {
    const work = join(dir, name);
    cpSync(caseDir, work, { recursive: true });
    const run = spawnSync("sh", ["harmonie.sh"], {
      cwd: work,
      env: { ...process.env, HIMAN: himan, PATH: path },
      encoding: "utf8",
    });
    const verdict = /density\/harmonie (success|failed) on CPU/.exec(run.stdout)?.[1];
    return { status: run.status, verdict, output: `${run.stdout}${run.stderr}` };
  }

  it("writes the tools, and his script gives ecCodes' verdicts with ours", async () => {
    const shims = join(dir, "shims");
    const result = await runCli(["shims", shims, "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const written = (JSON.parse(result.stdout) as { written: string[] }).written;
    for (const name of ["grib_ls", "grib_compare", "grib_get_data", "himan", "ecflow_client"]) {
      assert.ok(written.includes(name) && existsSync(join(shims, name)), name);
    }
    // ecCodes' grib_compare with our himan: a directory holding only the himan shim.
    const onlyHiman = join(dir, "only-himan");
    mkdirSync(onlyHiman);
    cpSync(join(shims, "himan"), join(onlyHiman, "himan"));
    const systemPath = process.env["PATH"] ?? "/usr/bin:/bin";
    // A himan whose output is his own result.
    const his = join(dir, "his-himan");
    writeFileSync(his, "#!/bin/sh\ncp result_harmonie.grib RHO-KGM3_hybrid_65_rll_290_594_0_006.grib\n", {
      mode: 0o755,
    });

    const oursTools = runScript("his-ours", his, `${shims}:${systemPath}`);
    const ecTools = runScript("his-eccodes", his, `${onlyHiman}:${systemPath}`);
    assert.equal(oursTools.verdict, "success", oursTools.output);
    assert.deepEqual([oursTools.status, oursTools.verdict], [ecTools.status, ecTools.verdict]);

    // Our himan (process, his command line as written): his grib_compare, with no -c, compares every
    // key, and radon's packing bits differ from ours; both tools say so.
    const ours = runScript("ours-ours", join(shims, "himan"), `${shims}:${systemPath}`);
    const ecCodes = runScript("ours-eccodes", join(onlyHiman, "himan"), `${onlyHiman}:${systemPath}`);
    assert.match(ours.output, /wrote .*RHO-KGM3_hybrid_65_rll_290_594_0_006\.grib/);
    assert.deepEqual([ours.status, ours.verdict], [ecCodes.status, ecCodes.verdict], ours.output);
    assert.equal(ecCodes.verdict, "failed", ecCodes.output);
  });
});
