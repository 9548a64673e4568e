// Every key ecCodes shows for every GRIB file of ../shared/data, through `grib ls -j -P` against
// `grib_ls -j -P`: the keys grib_dump lists (coded ones with their octets, computed ones), every key of
// the ls, parameter, time, geography, vertical, mars and statistics namespaces, and the computed keys
// scripts ask for (md5 of each section, validity date and time, statistics, aliases). Output and exit
// status must be the same, character for character; where ecCodes cannot read a key (a step that
// cannot be written in hours), ours must fail on the same key the same way. Arrays (pl, pv, values)
// cannot be printed by grib_ls: get-data and the metadata tests compare those. Then stepRange,
// startStep and endStep in every step unit (`-s stepUnits=...`).
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { runCli, tempDir } from "../helpers/cli.ts";
import { compareValues } from "./values-oracle.ts";

const data = resolve(import.meta.dirname, "../../../shared/data");

function gribFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...gribFiles(p));
    else if (/\.grib2?$/.test(name)) out.push(p);
  }
  return out;
}

function run(cmd: string, args: string[]): { stdout: string; code: number } {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 30 });
  return { stdout: r.stdout ?? "", code: r.status ?? -1 };
}

const ARRAYS = new Set([
  "pv",
  "pl",
  "values",
  "codedValues",
  "bitmap",
  "groupWidths",
  "groupLengths",
  "firstOrderValues",
  "SPD",
]);
const COMPUTED = [
  "md5Section1",
  "md5Section2",
  "md5Section3",
  "md5Section4",
  "md5Section5",
  "md5Section6",
  "md5Section7",
  "md5GridSection",
  "md5DataSection",
  "md5Headers",
  "md5Product",
  "validityDate",
  "validityTime",
  "min",
  "max",
  "average",
  "Nx",
  "Ny",
  "levtype",
  "julianDay",
  "numberOfMissing",
  "stepUnits",
];

/** Every key ecCodes shows for a file (names in the order it shows them, each once). */
function ecCodesKeys(file: string): string[] {
  const keys: string[] = [];
  const coded = run("grib_dump", ["-O", file]).stdout.matchAll(/^\d+(?:-\d+)? +([A-Za-z0-9_.]+) =/gm);
  for (const m of coded) keys.push(m[1]!);
  const computed = run("grib_dump", [file]).stdout.matchAll(
    /^ {2}(?:#-READ ONLY- )?([A-Za-z0-9_.]+)(?:\(\d+\))? =/gm,
  );
  for (const m of computed) keys.push(m[1]!);
  for (const ns of ["ls", "parameter", "time", "geography", "vertical", "mars", "statistics"]) {
    for (const m of run("grib_ls", ["-n", ns, "-j", file]).stdout.matchAll(/^ {4}"([A-Za-z0-9_]+)":/gm))
      keys.push(m[1]!);
  }
  keys.push(...COMPUTED);
  return [...new Set(keys)].filter((k) => !ARRAYS.has(k));
}

/** grib_ls -j -P over the keys, leaving out (and returning) the keys ecCodes cannot print. */
function reference(
  file: string,
  keys: string[],
): { keys: string[]; failed: string[]; stdout: string; code: number } {
  const failed: string[] = [];
  let list = keys;
  for (;;) {
    const r = run("grib_ls", ["-j", "-P", list.join(","), file]);
    const bad = /Failed to get value for key (\S+)/.exec(r.stdout)?.[1];
    if (!bad || !list.includes(bad)) return { keys: list, failed, ...r };
    failed.push(bad);
    list = list.filter((k) => k !== bad);
  }
}

/** `grib ls -j -P` of every key ecCodes shows for `file` prints what grib_ls prints, failures included. */
async function everyKeyAgrees(file: string): Promise<void> {
  const keys = ecCodesKeys(file);
  assert.ok(keys.length > 60, `only ${keys.length} keys listed for ${file}`);
  const theirs = reference(file, keys);
  const ours = await runCli(["grib", "ls", "-j", "-P", theirs.keys.join(","), file]);
  assert.equal(ours.stdout, theirs.stdout, "grib ls -j -P output differs from grib_ls -j -P");
  assert.equal(ours.code, theirs.code, `exit status ${ours.code}, grib_ls ${theirs.code}`);
  for (const key of theirs.failed) {
    const r = await runCli(["grib", "ls", "-j", "-p", key, file]);
    const t = run("grib_ls", ["-j", "-p", key, file]);
    assert.equal(r.stdout, t.stdout, `${key}: ecCodes cannot print it; ours must fail the same way`);
    assert.equal(r.code, t.code, `${key}: exit status`);
  }
}

describe("every key grib_ls -P lists, for every file of ../shared/data, equals ecCodes'", () => {
  for (const file of gribFiles(data)) {
    it(relative(data, file), () => everyKeyAgrees(file));
  }
});

describe("every key of every GRIB sample ecCodes ships equals ecCodes'", () => {
  // regular, reduced, rotated and octahedral Gaussian grids, lat/lon, projections, spectral fields, CCSDS
  // and JPEG 2000, model, pressure and surface levels, GRIB1 and GRIB2: the templates ecCodes starts
  // new messages from. Not compared: lambert_bf_grib2 (ALADIN's bi-Fourier coefficients, template 5.53,
  // not read), and the samples that are not GRIB (BUFR, WRAP, BUDG, DIAG).
  const samples = "/usr/share/eccodes/samples";
  const isGrib = (name: string) => readFileSync(join(samples, name)).subarray(0, 4).toString() === "GRIB";
  const names = readdirSync(samples).filter(
    (n) => n.endsWith(".tmpl") && n !== "lambert_bf_grib2.tmpl" && isGrib(n),
  );
  it("finds the samples", () => assert.ok(names.length > 100, `${names.length} GRIB samples`));
  for (const name of names.sort()) it(name, () => everyKeyAgrees(join(samples, name)));
});

describe("GRIB1 second-order packing as ecCodes writes it, from real fields", () => {
  // ECMWF's GRIB1 fields are mostly second-order packed; none of ../shared/data is, so real fields are
  // repacked by grib_set. Their tables pass 64 KiB, so ecCodes writes N2 = 65535 (the values' pointer
  // overflows), and bitsPerValue is computed from the decoded values.
  const dir = tempDir();
  const cases: Array<[string, string, string]> = [
    ["rh_720x800.grib", "himan-dev/relative_humidity/source_harmonie.grib", "packingType=grid_second_order"],
    [
      "rh_720x800_d2.grib",
      "himan-dev/relative_humidity/source_harmonie.grib",
      "packingType=grid_second_order,decimalScaleFactor=2",
    ],
    ["td_fmi.grib", "himan-dev/dewpoint/source.grib", "packingType=grid_second_order"],
    ["p_bitmap.grib", "himan-tests-dev/density/hirlam_p_source.grib", "packingType=grid_second_order"],
  ];
  for (const [name, source, set] of cases) {
    const file = join(dir, name);
    it(`${name} (${set}): every key, and every value to the last bit`, async () => {
      const first = join(dir, `first-${name}`);
      execFileSync("grib_copy", ["-w", "count=1", join(data, source), first]);
      execFileSync("grib_set", ["-r", "-s", set, first, file]);
      assert.equal(run("grib_get", ["-p", "packingType,N2", file]).stdout.trim(), "grid_second_order 65535");
      await everyKeyAgrees(file);
      for (const c of compareValues(file)) {
        assert.equal(c.differing, 0, `${c.differing} of ${c.values} values differ from ecCodes'`);
      }
    });
  }
});

describe("spherical-harmonics fields (GRIB1 and GRIB2 spectral_complex): every key and coefficient", () => {
  // ECMWF's model-level fields (t, vo, d, lnsp, z on levels) come as spectral coefficients: ecCodes'
  // samples, and the same repacked by grib_set at other widths, scales, Laplacian operators, subset
  // truncations and subset precisions
  const samples = "/usr/share/eccodes/samples";
  const dir = tempDir();
  const cases: Array<[string, string, string | null]> = [
    ["sh_ml_grib1.tmpl", "sh_ml_grib1.tmpl", null],
    ["sh_pl_grib1.tmpl", "sh_pl_grib1.tmpl", null],
    ["sh_sfc_grib1.tmpl", "sh_sfc_grib1.tmpl", null],
    ["sh_ml_grib2.tmpl", "sh_ml_grib2.tmpl", null],
    ["sh_pl_grib2.tmpl", "sh_pl_grib2.tmpl", null],
    ["sh_sfc_grib2.tmpl", "sh_sfc_grib2.tmpl", null],
    ["bits24.grib2", "sh_ml_grib2.tmpl", "bitsPerValue=24"],
    ["d2.grib", "sh_ml_grib1.tmpl", "decimalScaleFactor=2"],
    ["laplacian.grib2", "sh_sfc_grib2.tmpl", "laplacianOperator=0.5"],
    ["ieee64.grib2", "sh_sfc_grib2.tmpl", "unpackedSubsetPrecision=2"],
    ["subset10.grib", "sh_sfc_grib1.tmpl", "subSetJ=10,subSetK=10,subSetM=10"],
  ];
  for (const [name, sample, set] of cases) {
    it(`${name}${set ? ` (${set})` : ""}`, async () => {
      let file = join(samples, sample);
      if (set) {
        file = join(dir, name);
        execFileSync("grib_set", ["-r", "-s", set, join(samples, sample), file]);
      }
      assert.equal(run("grib_get", ["-p", "packingType", file]).stdout.trim(), "spectral_complex");
      await everyKeyAgrees(file);
      for (const c of compareValues(file)) {
        assert.equal(c.differing, 0, `${c.differing} of ${c.values} coefficients differ from ecCodes'`);
      }
    });
  }
});

describe("stepRange, startStep and endStep in every step unit (-s stepUnits=...)", () => {
  const files = [
    "himan-dev/split_sum/meps_source.grib",
    "himan-dev/dewpoint/source.grib",
    "himan-tests-dev/frost_point/TD-C_height_2_rll_720_800_0_015.grib",
  ];
  for (const f of files) {
    for (const unit of ["s", "m", "h", "3h", "6h", "12h", "D"]) {
      it(`${f} in ${unit}`, async () => {
        const args = [
          "-s",
          `stepUnits=${unit}`,
          "-p",
          "stepRange,startStep,endStep,stepUnits:s",
          join(data, f),
        ];
        const ours = await runCli(["grib", "ls", ...args]);
        const theirs = run("grib_ls", args);
        assert.equal(ours.stdout, theirs.stdout);
        assert.equal(ours.code, theirs.code);
      });
    }
  }
});

// The layout remembers what concepts give for the bytes they read (definitions/handle.ts); a key set in
// memory is not in those bytes, so no message after it may recall a value from before the set. GRIB1's
// gridType reads PLPresent: three copies of one message must all print what ecCodes prints.
it("-s on a key that a remembered concept reads, message after message", async () => {
  const dir = tempDir("cb-grib-sets-");
  const one = readFileSync("/usr/share/eccodes/samples/regular_gg_sfc_grib1.tmpl");
  const file = join(dir, "three.grib");
  writeFileSync(file, Buffer.concat([one, one, one]));
  const args = ["-s", "PLPresent=1", "-p", "gridType,PLPresent", file];
  const ours = await runCli(["grib", "ls", ...args]);
  const theirs = run("grib_ls", args);
  assert.match(theirs.stdout, /unknown_PLPresent/);
  assert.equal(ours.stdout, theirs.stdout);
});
