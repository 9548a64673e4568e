// `cloudburst grib ...` against ecCodes' own tools: get-data prints what grib_get_data prints, ls --json
// gives grib_get's values under ecCodes' key names, split writes what grib_copy writes, byte for byte.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runCli, tempDir } from "../helpers/cli.ts";
import { run, samples, sharedData, sharedTools } from "./read-oracle.ts";
import { compareValues } from "./values-oracle.ts";

const d = (p: string) => join(sharedData, p);

describe("cloudburst grib get-data", () => {
  const cases: Array<[string, number]> = [
    [d("iasi/source.grib"), 1], // GRIB2 polar stereographic with a bitmap
    [d("split_sum/meps_source.grib"), 2], // GRIB2 CCSDS, Lambert, MetCoOp
    [d("relative_humidity/source_gem.grib"), 2], // GRIB2 JPEG 2000, regular_ll from -180
    [d("hybrid_pressure/q_ec.grib2"), 1], // GRIB2 rotated_ll, ECMWF
    [d("dewpoint/source.grib"), 3], // GRIB1 rotated_ll, FMI
    [join(samples, "reduced_gg_pl_32_grib2.tmpl"), 1], // reduced Gaussian
    // a million points: i * 360 / pl, as ecCodes divides, prints 1.462 where i * (360 / pl) printed 1.463
    [join(samples, "reduced_gg_pl_1024_grib1.tmpl"), 1],
    [join(samples, "regular_gg_ml_grib1.tmpl"), 1], // regular Gaussian, GRIB1
  ];
  for (const [file, n] of cases) {
    it(`prints exactly what grib_get_data -m 9999 prints: ${file.split("/").slice(-2).join("/")} #${n}`, async () => {
      const ours = await runCli(["grib", "get-data", "--message", String(n), file]);
      assert.equal(ours.code, 0, ours.stderr);
      const theirs = run("grib_get_data", ["-m", "9999", "-w", `count=${n}`, file]);
      assert.equal(ours.stdout.length, theirs.length);
      assert.ok(ours.stdout === theirs, "output differs from grib_get_data's");
    });
  }

  it("prints JPEG 2000 values that are ecCodes' to the last bit (-F %.17g; D = 3 and 1)", async () => {
    // OpenJPEG's samples are scaled in ecCodes' order, (X * 2^E + R) * 10^-D: one multiply-add by
    // premultiplied coefficients put 96 % of the first field's values one bit away from ecCodes'
    const file = join(sharedData, "../himan-tests-dev/vvms/gfs_source.grib");
    const ours = await runCli(["grib", "get-data", "-F", "%.17g", file]);
    assert.equal(ours.code, 0, ours.stderr);
    const theirs = run("grib_get_data", ["-F", "%.17g", file]);
    assert.equal(ours.stdout.split("\n").length, 2 * 259_921 + 1);
    assert.ok(ours.stdout === theirs, "values differ from grib_get_data's at 17 significant digits");
  });

  it("prints every packing's values as ecCodes' to the last bit when D != 0 (-F %.17g)", () => {
    // ecCodes scales every packing as (X * 2^E + R) * 10^-D (packing/scaling.ts): the premultiplied
    // R * 10^-D + X * (2^E * 10^-D) put 3,327 of the 13,888 values of iasi's first field (D = 2) one bit
    // away in each of these; the field repacked by ecCodes stands in for the packings no shared file
    // has with D != 0
    const dir = tempDir();
    const first = join(dir, "grid_simple.grib");
    execFileSync("grib_copy", ["-w", "count=1", d("iasi/source.grib"), first]);
    const files = [d("iasi/source.grib")]; // simple packing, D = 2, 4 and 0
    for (const p of [
      "grid_ccsds",
      "grid_complex",
      "grid_complex_spatial_differencing",
      "grid_second_order",
      "grid_png",
    ]) {
      const file = join(dir, `${p}.grib`);
      // repacked to second order, D drops to 0 unless it is set too
      execFileSync("grib_set", ["-r", "-s", `packingType=${p},decimalScaleFactor=2`, first, file]);
      files.push(file);
    }
    for (const file of files) {
      const comparisons = compareValues(file);
      assert.ok(
        comparisons.some((c) => c.decimalScaleFactor !== 0),
        `${file}: no message with D != 0`,
      );
      for (const c of comparisons) {
        const what = `${file} #${c.message} (${c.packingType}, D = ${c.decimalScaleFactor})`;
        assert.equal(c.differing, 0, `${what}: ${c.differing} of ${c.values} values differ from ecCodes'`);
      }
    }
  });

  it("skips missing points with --skip-missing, like grib_get_data without -m", async () => {
    const file = d("iasi/source.grib");
    const ours = await runCli(["grib", "get-data", "--message", "1", "--skip-missing", file]);
    assert.equal(ours.stdout, run("grib_get_data", ["-w", "count=1", file]));
  });

  it("exits 1 naming the message when there is no such message", async () => {
    const r = await runCli(["grib", "get-data", "--message", "9", d("iasi/source.grib")]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no message 9/);
  });
});

describe("cloudburst grib ls", () => {
  const keys =
    "edition,centre,shortName,typeOfLevel,level,stepRange,gridType,Ni,Nj,numberOfValues,packingType,bitsPerValue,paramId,dataDate,dataTime,stepType,units";
  for (const f of ["dewpoint/source.grib", "split_sum/meps_source.grib", "transformer/gfs_source.grib2"]) {
    it(`--json values equal grib_get's: ${f}`, async () => {
      const r = await runCli(["grib", "ls", "--json", d(f)]);
      assert.equal(r.code, 0, r.stderr);
      const parsed = JSON.parse(r.stdout) as { messages: Array<Record<string, unknown>> };
      assert.ok(parsed.messages.length > 0);
      const picked = execFileSync("node", [join(sharedTools, "json-keys.mjs"), keys], {
        input: r.stdout,
        encoding: "utf8",
      });
      const theirs = run("grib_get", ["-p", keys, d(f)]);
      const norm = (s: string) =>
        s
          .split("\n")
          .map((l) => l.trim().replace(/\s+/g, " "))
          .join("\n");
      assert.equal(norm(picked), norm(theirs));
    });
  }

  it("-p prints the requested keys, not_found for keys a message lacks, as grib_ls does", async () => {
    const args = ["-p", "shortName,N,level", d("dewpoint/source.grib")];
    const r = await runCli(["grib", "ls", ...args]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^T-K\s+not_found\s+2\s*$/m);
    assert.equal(r.stdout, run("grib_ls", args));
  });

  it("reports a truncated message on stderr with its offset and exits as grib_ls does", async () => {
    const dir = tempDir();
    const whole = readFileSync(d("iasi/source.grib"));
    const file = join(dir, "cut.grib");
    writeFileSync(file, whole.subarray(0, whole.length - 100));
    const r = await runCli(["grib", "ls", "--json", file]);
    const theirs = spawnSync("grib_ls", ["-j", file]);
    assert.equal(r.code, theirs.status);
    assert.notEqual(r.code, 0);
    const offset =
      whole.length -
      Number(run("grib_get", ["-w", "count=3", "-p", "totalLength", d("iasi/source.grib")]).trim());
    assert.match(r.stderr, new RegExp(`at byte offset ${offset}`));
    // ecCodes' JSON for a file with an unreadable message is not JSON (an error string among objects)
    assert.equal(r.stdout.replace(/\s+/g, " ").match(/"edition"/g)?.length, 2);
    assert.equal(
      r.stdout.replace(/\{[^{}]*\}/g, "{}"),
      theirs.stdout.toString().replace(/\{[^{}]*\}/g, "{}"),
    );
  });
});

describe("cloudburst grib split", () => {
  it("writes the same files as grib_copy, byte for byte", async () => {
    const dir = tempDir();
    const input = join(dir, "all.grib");
    writeFileSync(
      input,
      Buffer.concat(
        [
          "dewpoint/source.grib",
          "split_sum/harmonie_source.grib",
          "split_sum/meps_source.grib",
          "iasi/source.grib",
        ].map((f) => readFileSync(d(f))),
      ),
    );
    const template = "[shortName]_[level]_[step].grib";
    mkdirSync(join(dir, "ours"));
    mkdirSync(join(dir, "theirs"));
    const r = await runCli(["grib", "split", input, join(dir, "ours"), "--template", template]);
    assert.equal(r.code, 0, r.stderr);
    execFileSync("grib_copy", [input, join(dir, "theirs", template)]);
    const ours = readdirSync(join(dir, "ours")).sort();
    const theirs = readdirSync(join(dir, "theirs")).sort();
    assert.deepEqual(ours, theirs);
    assert.ok(ours.length >= 8);
    for (const name of ours) {
      assert.ok(
        readFileSync(join(dir, "ours", name)).equals(readFileSync(join(dir, "theirs", name))),
        `${name} differs from grib_copy's`,
      );
    }
  });
});

describe("cloudburst grib compare and dump", () => {
  it("compare: a file equals itself; different fields differ, said and exited as grib_compare does", async () => {
    const same = await runCli([
      "grib",
      "compare",
      d("split_sum/harmonie_result_1_60.grib"),
      d("split_sum/harmonie_result_1_60.grib"),
    ]);
    assert.equal(same.code, 0, same.stdout + same.stderr);
    const files = [d("split_sum/harmonie_result_1_60.grib"), d("split_sum/harmonie_result_1_120.grib")];
    const diff = await runCli(["grib", "compare", ...files]);
    const theirs = spawnSync("grib_compare", files, { encoding: "utf8" });
    assert.equal(diff.code, theirs.status);
    assert.match(diff.stdout, /long \[P1\]: \[0\] != \[1\]/);
    assert.equal(diff.stdout, theirs.stdout);
  });

  it("compare -A accepts differences within the absolute tolerance", async () => {
    // himan's own check: its result against itself re-packed by ecCodes at 12 bits
    const dir = tempDir();
    const repacked = join(dir, "repacked.grib");
    const original = d("dewpoint/harmonie_result_height.grib");
    execFileSync("grib_set", ["-r", "-s", "bitsPerValue=12", original, repacked]);
    const strict = await runCli(["grib", "compare", original, repacked]);
    assert.equal(strict.code, spawnSync("grib_compare", [original, repacked]).status);
    assert.notEqual(strict.code, 0);
    const loose = await runCli(["grib", "compare", "-A", "0.1", "-c", "values", original, repacked]);
    assert.equal(loose.code, 0, loose.stdout);
    assert.equal(spawnSync("grib_compare", ["-A", "0.1", "-c", "values", original, repacked]).status, 0);
  });

  it("dump prints every key of every message", async () => {
    const r = await runCli(["grib", "dump", d("dewpoint/source.grib")]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((r.stdout.match(/MESSAGE \d+/g) ?? []).length, 4);
    assert.match(r.stdout, /shortName = T-K;/);
    assert.match(r.stdout, /latitudeOfSouthernPoleInDegrees = -30;/);
  });
});

describe("cloudburst grib get over several files", () => {
  it("prints what grib_get prints while V8's young generation is held at its start-up size", async () => {
    // The walk keeps each message's keys alive while it is read: unheld, V8 grew the young generation
    // to 16 MiB a semi-space over these files (src/cli/one-pass.ts). A hook in the CLI's process
    // reports its size at exit.
    const hook = `import v8 from "node:v8";
      process.on("exit", () => {
        const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size;
        process.stderr.write("young " + young + "\\n");
      });`;
    const files = [
      "relative_humidity/source_gem.grib", // JPEG 2000 (OpenJPEG's WebAssembly, Liftoff's code)
      "dewpoint/source.grib",
      "split_sum/meps_source.grib",
      "iasi/source.grib",
    ].map(d);
    const r = await runCli(["grib", "get", "-p", "shortName,max,min,average", ...files], {
      env: { NODE_OPTIONS: `--import=data:text/javascript;base64,${Buffer.from(hook).toString("base64")}` },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, run("grib_get", ["-p", "shortName,max,min,average", ...files]));
    const young = Number(/^young (\d+)$/m.exec(r.stderr)?.[1]);
    assert.ok(young > 0 && young <= 4 * 2 ** 20, r.stderr);
    // (a V8 that no longer knew one of the flags src/cli/one-pass.ts sets would say so here)
    assert.equal(r.stderr.replace(/^young .*\n/m, ""), "");
  });
});
