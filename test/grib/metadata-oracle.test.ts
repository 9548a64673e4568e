// Metadata of every message equals ecCodes' (grib_ls -j), key by key: the shared himan data (GRIB1 and
// GRIB2 from FMI, MetCoOp, ECMWF, NCEP and the Canadian centre) and ecCodes' own sample grids.
import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { describe, it } from "node:test";
import { decodeFields, type GribMetadata, isGribError, scanFile } from "../../src/grib/index.ts";
import { getKey } from "../../src/grib/keys.ts";
import { assertKeyEqual, ecCodesKeys, himanFiles, ORACLE_KEYS, samples } from "./read-oracle.ts";

async function ourMetadata(file: string): Promise<GribMetadata[]> {
  const out: GribMetadata[] = [];
  for await (const m of scanFile(file)) {
    assert.ok(!isGribError(m), `${file}: ${isGribError(m) ? m.message : ""}`);
    if (isGribError(m)) continue;
    for (const f of decodeFields(m.bytes, { offset: m.offset })) out.push(f.metadata);
  }
  return out;
}

function asEcCodesPrints(value: unknown): unknown {
  if (value === undefined) return "not_found";
  if (value === null) return "MISSING";
  return value;
}

async function checkFile(file: string): Promise<void> {
  const theirs = ecCodesKeys(file, ORACLE_KEYS);
  const ours = await ourMetadata(file);
  assert.equal(ours.length, theirs.length, `${file}: message count`);
  for (let i = 0; i < ours.length; i++) {
    for (const key of ORACLE_KEYS) {
      assertKeyEqual(
        asEcCodesPrints(getKey(ours[i], key)),
        theirs[i][key],
        `${basename(file)} #${i + 1} ${key}`,
      );
    }
  }
}

describe("GRIB metadata equals grib_ls -j", () => {
  for (const file of himanFiles()) {
    it(file.split("himan-dev/")[1], () => checkFile(file));
  }
  const sampleNames = [
    "regular_gg_sfc_grib2",
    "regular_gg_ml_grib1",
    "reduced_gg_pl_32_grib2",
    "reduced_gg_sfc_grib1",
    "reduced_ll_sfc_grib1",
    "reduced_ll_sfc_grib2",
    "polar_stereographic_sfc_grib1",
    "polar_stereographic_pl_grib2",
    "regular_ll_sfc_grib1",
    "rotated_ll_sfc_grib2",
    "reduced_rotated_gg_pl_32_grib2",
    "reduced_rotated_gg_sfc_grib1",
    "regular_gg_pl_grib2",
    "GRIB1",
    "GRIB2",
  ];
  for (const name of sampleNames) {
    it(`ecCodes sample ${name}`, () => checkFile(join(samples, `${name}.tmpl`)));
  }
});
