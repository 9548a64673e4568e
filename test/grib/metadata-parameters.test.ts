// Parameter names (paramId, shortName, name, units) for the usual ECMWF set, in GRIB1 (table 128) and
// GRIB2 (WMO discipline/category/number, statistical processing for accumulations), equal ecCodes':
// ecCodes itself writes each parameter into its samples (grib_set -s shortName=...), and we read them.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { Handle } from "../../src/grib/definitions/handle.ts";
import { decodeFields, isGribError, scanBuffer } from "../../src/grib/index.ts";
import { ecCodesKeys, samples } from "./read-oracle.ts";

const dir = mkdtempSync(join(tmpdir(), "cb-grib-params-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const KEYS = ["paramId", "shortName", "name", "units", "typeOfLevel", "level", "stepType", "stepRange"];
const SURFACE = [
  "2t",
  "2d",
  "10u",
  "10v",
  "100u",
  "100v",
  "msl",
  "sp",
  "tcc",
  "lcc",
  "mcc",
  "hcc",
  "skt",
  "sst",
  "sd",
  "lnsp",
];
const ACCUMULATED = ["tp", "cp", "lsp", "sf"];
const UPPER = ["t", "u", "v", "w", "q", "r", "z", "gh", "vo", "d"];

function check(file: string): void {
  const [m] = [...scanBuffer(new Uint8Array(readFileSync(file)))];
  if (!m || isGribError(m)) throw new Error(`${file}: no message`);
  const ours = decodeFields(m.bytes)[0].metadata as unknown as Record<string, unknown>;
  const [theirs] = ecCodesKeys(file, KEYS);
  for (const k of KEYS) {
    const v = typeof ours[k] === "string" && /^\d+$/.test(ours[k] as string) ? Number(ours[k]) : ours[k];
    assert.deepEqual(v, theirs[k], `${file.split("/").pop()} ${k}`);
  }
}

function make(name: string, edition: 1 | 2, settings: string): string {
  const out = join(dir, `${name}_${edition}.grib`);
  execFileSync("grib_set", ["-s", settings, join(samples, `regular_ll_sfc_grib${edition}.tmpl`), out], {
    stdio: "ignore",
  });
  return out;
}

describe("parameter names equal ecCodes'", () => {
  for (const edition of [1, 2] as const) {
    it(`GRIB${edition} surface parameters: ${SURFACE.join(" ")}`, () => {
      for (const sn of SURFACE) check(make(sn, edition, `shortName=${sn}`));
    });
    it(`GRIB${edition} pressure-level parameters: ${UPPER.join(" ")}`, () => {
      for (const sn of UPPER)
        check(make(`${sn}_pl`, edition, `typeOfLevel=isobaricInhPa,level=500,shortName=${sn}`));
    });
  }
  it(`GRIB1 accumulations and gusts: ${ACCUMULATED.join(" ")} 10fg`, () => {
    for (const sn of [...ACCUMULATED, "10fg"]) check(make(sn, 1, `shortName=${sn}`));
  });
  it(`GRIB2 accumulations (template 4.8): ${ACCUMULATED.join(" ")}`, () => {
    for (const sn of ACCUMULATED)
      check(make(sn, 2, `productDefinitionTemplateNumber=8,stepType=accum,shortName=${sn}`));
  });
});

// A stream's messages share a layout, and the layout remembers what its concepts and grid gave for the
// bytes they read (definitions/handle.ts): each message must still get its own names, never the last
// message's, whether the parameter, the level, the edition or nothing but the step changes between two.
describe("a stream of messages of one shape", () => {
  it("names every message as ecCodes does, message after message", () => {
    const parts: Buffer[] = [];
    const add = (file: string) => parts.push(readFileSync(file));
    for (let pass = 0; pass < 3; pass++) {
      for (const [i, sn] of [...SURFACE, ...UPPER].entries()) {
        const upper = UPPER.includes(sn);
        const level = upper ? [500, 850, 500][pass] : undefined;
        const step = (pass * 7 + i) % 24;
        const settings = `${upper ? `typeOfLevel=isobaricInhPa,level=${level},` : ""}shortName=${sn},step=${step}`;
        const edition = (pass + i) % 3 === 0 ? 1 : 2;
        add(make(`s${pass}_${i}`, edition, settings));
        if (i % 4 === 0)
          add(make(`r${pass}_${i}`, edition, settings.replace(/step=\d+/, `step=${step + 1}`)));
      }
    }
    const stream = join(dir, "stream.grib");
    writeFileSync(stream, Buffer.concat(parts));
    const theirs = ecCodesKeys(stream, KEYS);
    const messages = [...scanBuffer(new Uint8Array(readFileSync(stream)))];
    assert.equal(messages.length, theirs.length);
    let recalled = 0;
    messages.forEach((m, n) => {
      if (isGribError(m)) throw m;
      const [field] = decodeFields(m.bytes);
      const ours = field!.metadata as unknown as Record<string, unknown>;
      for (const k of KEYS) {
        const v = typeof ours[k] === "string" && /^\d+$/.test(ours[k] as string) ? Number(ours[k]) : ours[k];
        assert.deepEqual(v, theirs[n]![k], `message ${n + 1} ${k}`);
      }
      recalled = Math.max(recalled, (field!.keys as Handle).layout.memory("grid").hits);
    });
    // the test is about remembered values: they must have been recalled
    assert.ok(recalled > 10, `the grid was recalled ${recalled} times`);
  });
});
