// Job planning is pure: what a job reads is known from the configuration alone.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseProductConfig } from "../../src/products/config/index.ts";
import type { FieldKey } from "../../src/products/fields.ts";
import { isJobReady, jobCandidateInputs, jobInputs, jobWaitsFor, planJobs } from "../../src/products/jobs.ts";
import { himanDev } from "./oracle.ts";

const load = (f: string) => parseProductConfig(readFileSync(join(himanDev, f), "utf8"), f);
const cycle = new Date("2023-05-22T03:00:00Z");
const text = (keys: FieldKey[]) =>
  keys
    .map(
      (k) => `${k.param}/${k.levelType}/${k.level}/${k.step}${k.member === undefined ? "" : `/m${k.member}`}`,
    )
    .sort();

describe("job inputs", () => {
  it("MEPS precipitation at step 6: the sums at 0, 3, 5 and 6 h of the control member", () => {
    const config = load("split_sum/precipitation_meps.json");
    assert.deepEqual(
      planJobs(config, cycle).map((j) => j.step),
      [6],
    );
    assert.deepEqual(text(jobInputs(config, cycle, 6, 0)), [
      "RR-KGM2/height/0/0/m0",
      "RR-KGM2/height/0/3/m0",
      "RR-KGM2/height/0/5/m0",
      "RR-KGM2/height/0/6/m0",
    ]);
  });
  it("Harmonie hourly sums need nothing at step 0 and the previous hour afterwards", () => {
    const config = load("split_sum/precipitation_harmonie.json");
    assert.deepEqual(jobInputs(config, cycle, 0), []);
    assert.deepEqual(text(jobInputs(config, cycle, 2)), ["RR-KGM2/height/0/1", "RR-KGM2/height/0/2"]);
    assert.deepEqual(text(jobInputs(config, cycle, 3)), [
      "RR-KGM2/height/0/0",
      "RR-KGM2/height/0/2",
      "RR-KGM2/height/0/3",
    ]);
  });
  it("dewpoint on two levels; wind of member 9", () => {
    assert.deepEqual(text(jobInputs(load("dewpoint/dewpoint_harmonie.json"), cycle, 24)), [
      "RH-PRCNT/height/2/24",
      "RH-PRCNT/pressure/700/24",
      "T-K/height/2/24",
      "T-K/pressure/700/24",
    ]);
    assert.deepEqual(text(jobInputs(load("windvector/windvector_meps.json"), cycle, 6, 9)), [
      "U-MS/height/10/6/m9",
      "V-MS/height/10/6/m9",
    ]);
  });
  it("is ready once every task has a complete input set, whichever alternative it is", () => {
    const config = load("dewpoint/dewpoint_harmonie.json");
    const present = new Set(["T-K/height/2/24", "RH-0TO1/height/2/24", "T-K/pressure/700/24"]);
    const has = (k: FieldKey) => present.has(`${k.param}/${k.levelType}/${k.level}/${k.step}`);
    assert.equal(isJobReady(config, 24, has), false);
    present.add("RH-0TO1/pressure/700/24");
    assert.equal(isJobReady(config, 24, has), true);
    assert.ok(text(jobCandidateInputs(config, cycle, 24)).includes("RH-0TO1/pressure/700/24"));
  });
  it("with the fields still expected, waits for the input set it will have rather than take a later one", () => {
    // The cycle's own rate at step 1: ECMWF's accumulation at 0 and 1 (the 0 may count as zero).
    const config = parseProductConfig(
      readFileSync(join(import.meta.dirname, "../../src/cycle/products/precipitation_rate.json"), "utf8"),
      "precipitation_rate.json",
    );
    const present = new Set<number>([0, 2]);
    const has = (k: FieldKey) => k.param === "RR-KGM2" && present.has(k.step);
    const planned = new Set([0, 1, 2, 3]);
    const expected = (k: FieldKey) => k.param === "RR-KGM2" && planned.has(k.step);
    // Without what is expected, steps 0 and 2 make a rate at 1 (himan's enclosing steps)...
    assert.equal(isJobReady(config, 1, has), true);
    // ...but step 1 is planned: the job waits for it, and says so.
    assert.deepEqual(jobWaitsFor(config, 1, has, { expected }), ["RR-KGM2 ground 0 step 1h"]);
    present.add(1);
    assert.deepEqual(jobWaitsFor(config, 1, has, { expected }), []);
    // A step the cycle does not plan is not waited for: step 0 stands for zero when only 1 is planned.
    present.clear();
    present.add(1);
    const onlyOne = (k: FieldKey) => k.param === "RR-KGM2" && k.step === 1;
    assert.equal(isJobReady(config, 1, has, { expected: onlyOne }), true);
  });
  it("relative humidity on pressure levels needs no pressure field", () => {
    assert.deepEqual(text(jobInputs(load("relative_humidity/relative_humidity_gem.json"), cycle, 6)), [
      "Q-KGKG/pressure/700/6",
      "T-K/pressure/700/6",
    ]);
  });
});
