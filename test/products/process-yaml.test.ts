// `cloudburst process` with our YAML form (regridding onto target areas, checked against CDO) and its
// error messages.
import assert from "node:assert/strict";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { projectRoot, runCli, tempDir } from "../helpers/cli.ts";
import { gribKeys, gribValues, himanDev, maxDiff, run } from "./oracle.ts";
import { processFiles } from "./process-cli.ts";

describe("cloudburst process with the YAML form", () => {
  it("regrids GFS T-C onto the example's 0.25° box as cdo remapbil does", async () => {
    const out = tempDir("cb-process-");
    const example = join(projectRoot, "docs/examples/gfs-t2c-scandinavia.yaml");
    const source = join(himanDev, "transformer/gfs_source.grib2");
    const result = await processFiles(example, out, [source]);
    assert.equal(result.code, 0, result.stderr);
    const file = join(out, "T-C_pressure_1000_scandinavia_201304091800_192.grib2");
    assert.ok(existsSync(file), `${readdirSync(out)}`);
    const keys = gribKeys(file, ["gridType", "Ni", "Nj", "decimalScaleFactor", "shortName"]);
    assert.deepEqual(keys, {
      gridType: "regular_ll",
      Ni: "113",
      Nj: "65",
      decimalScaleFactor: "2",
      shortName: "t",
    });
    const grid = join(out, "grid.txt");
    writeFileSync(
      grid,
      "gridtype = lonlat\nxsize = 113\nysize = 65\nxfirst = 4\nxinc = 0.25\nyfirst = 71\nyinc = -0.25\n",
    );
    const cdo = run("cdo", ["-s", "outputtab,value", `-remapbil,${grid}`, "-subc,273.15", source])
      .split("\n")
      .filter((l) => l.trim() && !l.startsWith("#"))
      .map(Number);
    const { max } = maxDiff(gribValues(file), Float64Array.from(cdo));
    assert.ok(max < 0.01, `max difference ${max} K`);
  });

  it("turns MEPS Lambert winds earth-relative and writes CCSDS speed and direction on a lat-lon box", async () => {
    const out = tempDir("cb-process-");
    const example = join(projectRoot, "docs/examples/meps-wind-latlon.yaml");
    const result = await processFiles(example, out, [join(himanDev, "windvector/meps_source.grib2")]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(readdirSync(out).sort(), [
      "DD-D_height_10_ll_141_81_0_006_3_9.grib2",
      "FF-MS_height_10_ll_141_81_0_006_3_9.grib2",
    ]);
    const ff = join(out, "FF-MS_height_10_ll_141_81_0_006_3_9.grib2");
    assert.equal(gribKeys(ff, ["packingType"]).packingType, "grid_ccsds");
    // The speed on the box is himan's speed at the nearest Lambert point: compare with CDO's nearest
    // neighbour of himan's own FF field (CDO reads the Lambert grid from the GRIB2 file).
    const grid = join(out, "grid.txt");
    writeFileSync(
      grid,
      "gridtype = lonlat\nxsize = 141\nysize = 81\nxfirst = 5\nxinc = 0.05\nyfirst = 62\nyinc = -0.05\n",
    );
    const cdo = run("cdo", [
      "-s",
      "outputtab,value",
      `-remapnn,${grid}`,
      join(himanDev, "windvector/meps_result_ff.grib2"),
    ])
      .split("\n")
      .filter((l) => l.trim() && !l.startsWith("#"))
      .map(Number);
    const ours = gribValues(ff);
    let far = 0;
    for (let i = 0; i < ours.length; i++) if (Math.abs(ours[i] - cdo[i]) > 0.2) far++;
    // Nearest neighbour picks a different Lambert point only where two are almost equally near.
    assert.ok(far < ours.length * 0.01, `${far} of ${ours.length} points differ by more than 0.2 m/s`);
  });
});

describe("cloudburst process errors", () => {
  it("names the JSON path of a bad configuration and exits 1", async () => {
    const dir = tempDir("cb-process-");
    writeFileSync(
      join(dir, "bad.json"),
      JSON.stringify({
        hours: "1",
        processqueue: [{ leveltype: "height", levels: "2", plugins: [{ name: "nosuch" }] }],
      }),
    );
    const result = await runCli(["process", "-f", "bad.json", "x.grib"], { cwd: dir });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /\$\.processqueue\[0\]\.plugins\[0\]\.name: unknown plugin "nosuch"/);
  });
  it("says what is missing when the inputs lack a parameter", async () => {
    const out = tempDir("cb-process-");
    const result = await runCli(
      ["process", "-f", "dewpoint_harmonie.json", "--output", out, "../transformer/gfs_source.grib2"],
      {
        cwd: join(himanDev, "dewpoint"),
      },
    );
    assert.equal(result.code, 1);
    assert.match(result.stderr, /dewpoint height 2 step 24: skipped, missing T-K height 2 step 24h/);
  });
  it("rejects an unknown output type as a usage error", async () => {
    const result = await runCli(["process", "-f", "x.json", "-t", "netcdf", "x.grib"]);
    assert.equal(result.code, 2);
  });
});

describe("cloudburst process on the IASI case (himan's result is not in the data)", () => {
  it("writes relative humidity on the polar stereographic grid into one file named after the configuration", async () => {
    const out = tempDir("cb-process-");
    const result = await runCli(
      ["process", "-f", "iasi.json", "-t", "grib2", "--output", out, "source.grib"],
      {
        cwd: join(himanDev, "iasi"),
      },
    );
    assert.equal(result.code, 0, result.stderr);
    const file = join(out, "iasi.json.grib2");
    const keys = gribKeys(file, ["shortName", "typeOfLevel", "level", "gridType", "typeOfProcessedData"]);
    assert.deepEqual(keys, {
      shortName: "r",
      typeOfLevel: "hybrid",
      level: "137",
      gridType: "polar_stereographic",
      typeOfProcessedData: "an",
    });
    const values = gribValues(file);
    const present = values.filter((v) => !Number.isNaN(v));
    // A satellite swath: points outside it are missing in the inputs and so in the product.
    assert.ok(present.length > 10_000, `${present.length} of ${values.length} present`);
    assert.ok(present.every((v) => v >= 0 && v <= 100.001));
  });
});
