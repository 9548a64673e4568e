// himan's own test cases for the plugins FMI runs (shared/data/himan-tests-dev: HIRLAM, HARMONIE and GFS
// sources, himan's configurations, his results and the grib_compare tolerance of each case's script),
// through the real `cloudburst process` run with the `$HIMAN` command line of his own script (his
// options: -d, -s, --no-cuda, -a). Every message of our file is compared with the same message of
// his, point by point as ecCodes decodes both, within his tolerance plus half a packing step of either
// file (his results are often packed coarser than the tolerance), and the parameter codes with his.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runCli, tempDir } from "../helpers/cli.ts";
import { gribKeys, gribLatLons, gribValues, himanDev, maxDiff, run } from "./oracle.ts";

const testsDev = join(himanDev, "../himan-tests-dev");

interface Case {
  dir: string;
  /** His test script: its `$HIMAN` command line is run as written, with our `process` as himan. */
  script: string;
  /** Our file -> himan's result, his tolerance, and whether his GRIB1 parameter codes are his usual ones. */
  checks: Array<[ours: string, result: string, tolerance: number, sameCodes: boolean]>;
  /** Files we also write that his script does not check (a plugin earlier in the processqueue). */
  others?: string[];
}

const cases: Case[] = [
  {
    dir: "hybrid_pressure",
    script: "hybrid_pressure.sh",
    checks: [["hybrid_pressure_hir.json.grib", "result.grib", 0.01, true]],
  },
  {
    dir: "hybrid_height",
    script: "hybrid_height.sh",
    checks: [["HL-M_hybrid_64_polster_290_225_0_003.grib", "result.grib", 0.2, true]],
  },
  {
    dir: "vvms",
    script: "gfs.sh",
    // his result has no parameter code (table 203, number 0): he had no radon mapping for GFS then
    checks: [["VV-MS_pressure_925_ll_720_361_0_192.grib", "vvms_gfs_result.grib", 0.0001, false]],
  },
  {
    dir: "density",
    script: "harmonie.sh",
    checks: [["RHO-KGM3_hybrid_65_rll_290_594_0_006.grib", "result_harmonie.grib", 0.1, true]],
  },
  {
    dir: "density",
    script: "hirlam.sh",
    checks: [["RHO-KGM3_hybrid_65_rll_1030_816_0_006.grib", "result_hirlam.grib", 0.001, true]],
  },
  {
    dir: "absolute_humidity",
    script: "harmonie.sh",
    checks: [["ABSH-KGM3_hybrid_60_rll_290_594_0_006.grib", "harmonie_result.grib", 0.1, true]],
    others: ["RHO-KGM3_hybrid_60_rll_290_594_0_006.grib"],
  },
  {
    dir: "precipitation-rate",
    script: "harmonie.sh",
    checks: [
      ["RSI-KGM2_hybrid_60_rll_290_594_0_006.grib", "result_solidpr_harmonie.grib", 0.01, true],
      ["RRI-KGM2_hybrid_60_rll_290_594_0_006.grib", "result_rain_harmonie.grib", 0.01, true],
      ["RHO-KGM3_hybrid_60_rll_290_594_0_006.grib", "result_density_harmonie.grib", 0.01, true],
    ],
  },
  {
    dir: "fog",
    script: "fog.sh",
    checks: [["fog.json.grib", "result.grib", 0, true]],
  },
  {
    dir: "seaicing",
    script: "seaicing.sh",
    checks: [["seaicing_hir1h.json.grib", "result.grib", 0, true]],
  },
  {
    dir: "frost_point",
    script: "HARMONIE.sh",
    // his result here is GRIB2 coded as temperature (0/0/0), for want of a GRIB2 code: ours stays GRIB1
    checks: [["TF-C_height_0_rll_720_800_0_000h15min.grib", "harmonie_result.grib", 0.001, false]],
  },
  {
    dir: "frost_point",
    script: "HIRLAM.sh",
    checks: [["TF-C_height_0_rll_1030_816_0_001.grib", "hirlam_result.grib", 0.001, true]],
  },
  {
    dir: "relative_humidity_ice",
    script: "HARMONIE.sh",
    // his 15-minute step makes GRIB2 even under -t grib, and so does ours
    checks: [["RHICE-PRCNT_height_0_rll_720_800_0_000h15min.grib2", "harmonie_result.grib", 0.001, true]],
  },
  {
    dir: "relative_humidity_ice",
    script: "HIRLAM.sh",
    checks: [["RHICE-PRCNT_height_0_rll_1030_816_0_001.grib", "hirlam_result.grib", 0.001, true]],
  },
];

/** The first `$HIMAN ...` line of his script, with our `process` standing for himan (his options and all). */
function himanCommandLine(script: string): string[] {
  const line = readFileSync(script, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l.startsWith("$HIMAN "));
  assert.ok(line, `${script} runs himan`);
  return ["process", ...line.split(/\s+/).slice(1)];
}

/** Half the value step of a message's simple packing: the rounding either file may carry. */
function halfStep(file: string, message: number): number {
  const k = gribKeys(file, ["binaryScaleFactor", "decimalScaleFactor"], message);
  return 2 ** Number(k.binaryScaleFactor) / 10 ** Number(k.decimalScaleFactor) / 2;
}

const messageCount = (file: string) => run("grib_count", [file]).trim();

/** His results whose pv is not their source's: an older himan wrote HARMONIE's density with the full level's A and B. */
const pvNotTheSources = new Set(["result_density_harmonie.grib"]);

/** Whether ecCodes finds the same NV and pv in both files, message by message (his script's own tool). */
function samePv(ours: string, theirs: string): boolean {
  // grib_compare cannot compare a pv that neither has
  const keys = gribKeys(theirs, ["NV"]).NV === "0" ? "NV" : "NV,pv";
  try {
    run("grib_compare", ["-c", keys, theirs, ours]);
    return true;
  } catch {
    return false;
  }
}

describe("cloudburst process reproduces himan's tests of the plugins FMI runs", () => {
  for (const c of cases) {
    it(`${c.dir}/${c.script}`, async () => {
      const out = tempDir("cb-himan-");
      const args = [...himanCommandLine(join(testsDev, c.dir, c.script)), "--output", out];
      const result = await runCli(args, { cwd: join(testsDev, c.dir) });
      assert.equal(result.code, 0, result.stderr);
      const names = [...c.checks.map(([name]) => name), ...(c.others ?? [])];
      assert.deepEqual(readdirSync(out).sort(), [...new Set(names)].sort());
      for (const [name, reference, tolerance, sameCodes] of c.checks) {
        const ours = join(out, name);
        const theirs = join(testsDev, c.dir, reference);
        const messages = Number(messageCount(theirs));
        assert.equal(messageCount(ours), String(messages), name);
        for (let m = 1; m <= messages; m++) {
          // The same points (a product keeps the target geometry's scanning, as his do).
          const [a, b] = [gribLatLons(ours, m), gribLatLons(theirs, m)];
          assert.ok(maxDiff(a.lats, b.lats).max < 1e-3 && maxDiff(a.lons, b.lons).max % 360 < 1e-3, name);
          const { max, missingMismatch } = maxDiff(gribValues(ours, m), gribValues(theirs, m));
          const allowed = tolerance + halfStep(ours, m) + halfStep(theirs, m);
          assert.equal(missingMismatch, 0, `${name} message ${m}: missing at other points than his`);
          assert.ok(max <= allowed, `${name} message ${m}: max difference ${max} > ${allowed}`);
          // a field constant where his is constant is written as he (ecCodes) writes it: 0 bits per value
          if (gribKeys(theirs, ["bitsPerValue"], m).bitsPerValue === "0")
            assert.equal(
              gribKeys(ours, ["bitsPerValue"], m).bitsPerValue,
              "0",
              `${name} message ${m}: constant`,
            );
        }
        if (!pvNotTheSources.has(reference)) assert.ok(samePv(ours, theirs), `${name}: NV and pv as his`);
        if (sameCodes) {
          // GRIB2 as his: the parameter, the step in its unit, and the type of data he writes
          const keys =
            gribKeys(theirs, ["edition"]).edition === "2"
              ? ["discipline", "parameterCategory", "parameterNumber", "typeOfProcessedData"]
              : ["table2Version", "indicatorOfParameter"];
          keys.push("edition", "typeOfLevel", "level", "stepRange", "stepUnits", "longitudeOfFirstGridPoint");
          assert.deepEqual(gribKeys(ours, keys), gribKeys(theirs, keys), name);
        }
      }
    });
  }
});
