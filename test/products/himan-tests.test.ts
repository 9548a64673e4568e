// himan's own test cases for the plugins FMI runs (shared/data/himan-tests-dev: HIRLAM, HARMONIE and GFS
// sources, himan's configurations, his results and the grib_compare tolerance of each case's script),
// through the real `cloudburst process`. Every message of our file is compared with the same message of
// his, point by point as ecCodes decodes both, within his tolerance plus half a packing step of either
// file (his results are often packed coarser than the tolerance), and the parameter codes with his.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runCli, tempDir } from "../helpers/cli.ts";
import { gribKeys, gribLatLons, gribValues, himanDev, maxDiff, run } from "./oracle.ts";

const testsDev = join(himanDev, "../himan-tests-dev");

interface Case {
  dir: string;
  config: string;
  edition: "grib" | "grib2";
  inputs: string[];
  /** Our file -> himan's result, his tolerance, and whether his GRIB1 parameter codes are his usual ones. */
  checks: Array<[ours: string, result: string, tolerance: number, sameCodes: boolean]>;
  /** Files we also write that his script does not check (a plugin earlier in the processqueue). */
  others?: string[];
}

const harmonieHydrometeors = [
  "harmonie_p_source.grib",
  "harmonie_t_source.grib",
  "harmonie_rain_source.grib",
  "harmonie_snow_source.grib",
  "harmonie_graupel_source.grib",
];

const cases: Case[] = [
  {
    dir: "hybrid_pressure",
    config: "hybrid_pressure_hir.json",
    edition: "grib",
    inputs: ["q2.grib", "q3.grib", "q4.grib", "p.grib"],
    checks: [["hybrid_pressure_hir.json.grib", "result.grib", 0.01, true]],
  },
  {
    dir: "hybrid_height",
    config: "hybrid_height.json",
    edition: "grib",
    inputs: ["hl_source_geop.grib"],
    checks: [["HL-M_hybrid_64_polster_290_225_0_003.grib", "result.grib", 0.2, true]],
  },
  {
    dir: "vvms",
    config: "gfs.json",
    edition: "grib",
    inputs: ["gfs_source.grib"],
    // his result has no parameter code (table 203, number 0): he had no radon mapping for GFS then
    checks: [["VV-MS_pressure_925_ll_720_361_0_192.grib", "vvms_gfs_result.grib", 0.0001, false]],
  },
  {
    dir: "density",
    config: "density_harmonie.json",
    edition: "grib",
    inputs: ["harmonie_p_source.grib", "harmonie_t_source.grib"],
    checks: [["RHO-KGM3_hybrid_65_rll_290_594_0_006.grib", "result_harmonie.grib", 0.1, true]],
  },
  {
    dir: "density",
    config: "density_hirlam.json",
    edition: "grib",
    inputs: ["hirlam_p_source.grib", "hirlam_t_source.grib"],
    checks: [["RHO-KGM3_hybrid_65_rll_1030_816_0_006.grib", "result_hirlam.grib", 0.001, true]],
  },
  {
    dir: "absolute_humidity",
    config: "absolute_humidity_harmonie.json",
    edition: "grib",
    inputs: harmonieHydrometeors,
    checks: [["ABSH-KGM3_hybrid_60_rll_290_594_0_006.grib", "harmonie_result.grib", 0.1, true]],
    others: ["RHO-KGM3_hybrid_60_rll_290_594_0_006.grib"],
  },
  {
    dir: "precipitation-rate",
    config: "precipitation_rate_harmonie.json",
    edition: "grib",
    inputs: harmonieHydrometeors,
    checks: [
      ["RSI-KGM2_hybrid_60_rll_290_594_0_006.grib", "result_solidpr_harmonie.grib", 0.01, true],
      ["RRI-KGM2_hybrid_60_rll_290_594_0_006.grib", "result_rain_harmonie.grib", 0.01, true],
      ["RHO-KGM3_hybrid_60_rll_290_594_0_006.grib", "result_density_harmonie.grib", 0.01, true],
    ],
  },
  {
    dir: "fog",
    config: "fog.json",
    edition: "grib",
    inputs: ["ff10m.grib", "ground.grib", "dew.grib"],
    checks: [["fog.json.grib", "result.grib", 0, true]],
  },
  {
    dir: "seaicing",
    config: "seaicing_hir1h.json",
    edition: "grib",
    inputs: ["t2m.grib", "t0m.grib", "ff10.grib"],
    checks: [["seaicing_hir1h.json.grib", "result.grib", 0, true]],
  },
  {
    dir: "frost_point",
    config: "frost_point_harmonie.json",
    edition: "grib",
    inputs: ["P-PA_height_0_rll_720_800_0_015.grib", "TD-C_height_2_rll_720_800_0_015.grib"],
    // his result here is GRIB2 coded as temperature (0/0/0): no code to compare with
    checks: [["TF-C_height_0_rll_720_800_0_000h15min.grib", "harmonie_result.grib", 0.001, false]],
  },
  {
    dir: "frost_point",
    config: "frost_point_hirlam.json",
    edition: "grib",
    inputs: ["P-PA_height_0_rll_1030_816_0_001.grib", "TD-C_height_2_rll_1030_816_0_001.grib"],
    checks: [["TF-C_height_0_rll_1030_816_0_001.grib", "hirlam_result.grib", 0.001, true]],
  },
  {
    dir: "relative_humidity_ice",
    config: "relative_humidity_ice_harmonie.json",
    edition: "grib",
    inputs: [
      "P-PA_height_0_rll_720_800_0_015.grib",
      "T-K_height_2_rll_720_800_0_015.grib",
      "TD-C_height_2_rll_720_800_0_015.grib",
    ],
    checks: [["RHICE-PRCNT_height_0_rll_720_800_0_000h15min.grib", "harmonie_result.grib", 0.001, false]],
  },
  {
    dir: "relative_humidity_ice",
    config: "relative_humidity_ice_hirlam.json",
    edition: "grib",
    inputs: [
      "TD-C_height_2_rll_1030_816_0_001.grib",
      "T-K_height_2_rll_1030_816_0_001.grib",
      "P-PA_height_0_rll_1030_816_0_001.grib",
    ],
    checks: [["RHICE-PRCNT_height_0_rll_1030_816_0_001.grib", "hirlam_result.grib", 0.001, true]],
  },
];

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
    it(`${c.dir}/${c.config}`, async () => {
      const out = tempDir("cb-himan-");
      const args = ["process", "-f", c.config, "-t", c.edition, "--output", out, ...c.inputs];
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
          const keys = ["table2Version", "indicatorOfParameter", "typeOfLevel", "level", "stepRange"];
          assert.deepEqual(gribKeys(ours, keys), gribKeys(theirs, keys), name);
        }
      }
    });
  }
});
