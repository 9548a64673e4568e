// Test data made the way ECMWF encodes its dissemination, by ecCodes and CDO (not by our encoder):
// GRIB1 fields with ECMWF's local section (class od, type fc, stream oper) and table 128 codes, on
// ECMWF's rotated 0.125° Europe grid (radon's ECEUR0125), taken from a real ECMWF GRIB2 file; and the
// real ECMWF GRIB2 model-level fields (with their 276-value pv array) of shared/data/himan-dev.
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { himanDev } from "./oracle.ts";

/** Real ECMWF GRIB2: lnsp on model level 1 and t on level 99, step 3, ECEUR0125, with pv. */
export const ecmwfLnsp = join(himanDev, "hybrid_pressure/lnsp_ec.grib2");
export const ecmwfT99 = join(himanDev, "hybrid_pressure/q_ec.grib2");

export interface Grib1Field {
  /** CDO expression of the values in terms of clon(v), clat(v) (rotated degrees), e.g. "8*sin(rad(clon(v)))". */
  expr: string;
  /** Table 128 number (165 = 10u, 167 = 2t, 228 = tp, 130 = t, 157 = r, ...), or of `table`. */
  parameter: number;
  /** GRIB1 table 2 version: ECMWF's 128 unless given (2 is WMO's, where 61 is tp in kg m-2). */
  table?: number;
  /** GRIB1 level type and level: 1/0 for the surface (ECMWF's 2t, 10u, tp ...), 100/hPa for pressure. */
  levelType?: number;
  level?: number;
  step: number;
  /** Accumulated from step 0 (tp), as ECMWF's accumulations are. */
  accumulated?: boolean;
  /** Packing: 16 bits (ECMWF's usual) unless given. */
  bits?: number;
  /** A CDO grid description (e.g. "gridtype=lonlat ..."); ECMWF's rotated 0.125° Europe grid when absent. */
  grid?: string;
  /** As FMI's HIRLAM writes it (centre 86, no local section, e.g. table 253) instead of ECMWF's way. */
  hirlam?: boolean;
}

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });

/** Appends one ECMWF (or HIRLAM) GRIB1 field to `file` (made in `dir`); returns the file. */
export function appendEcmwfGrib1(dir: string, file: string, f: Grib1Field): string {
  const made = join(dir, "cdo.grb");
  const coded = join(dir, "coded.grb");
  let template = ecmwfLnsp;
  if (f.grid) {
    template = join(dir, "grid.txt");
    writeFileSync(template, `${f.grid.replace(/ /g, "\n")}\n`);
    template = `-topo,${template}`;
  }
  run("cdo", [
    "-s",
    "-f",
    "grb",
    "-b",
    `P${f.bits ?? 16}`,
    `-expr,v=${f.expr.replace(/clon\(v\)|clat\(v\)/g, (m) => (f.grid ? m.replace("v", "topo") : m.replace("v", "lnsp")))}`,
    template,
    made,
  ]);
  const step = f.accumulated
    ? ["stepType=accum", "startStep=0", `endStep=${f.step}`]
    : ["stepType=instant", `step=${f.step}`];
  const origin = f.hirlam
    ? ["centre=86"]
    : [
        "centre=98",
        "setLocalDefinition=1",
        "localDefinitionNumber=1",
        "marsClass=od",
        "marsType=fc",
        "marsStream=oper",
        "experimentVersionNumber=0001",
      ];
  const keys = [
    ...origin,
    `table2Version=${f.table ?? 128}`,
    `indicatorOfParameter=${f.parameter}`,
    `indicatorOfTypeOfLevel=${f.levelType ?? 1}`,
    `level=${f.level ?? 0}`,
    "dataDate=20261124",
    "dataTime=0",
    ...step,
  ];
  run("grib_set", ["-s", keys.join(","), made, coded]);
  appendFileSync(file, readFileSync(coded));
  rmSync(made);
  rmSync(coded);
  return file;
}

/** A copy of a real ECMWF GRIB2 model-level field with new values and parameter (CDO keeps the pv). */
export function ecmwfGrib2Like(
  dir: string,
  source: string,
  name: string,
  scale: number,
  paramId: number,
): string {
  const scaled = join(dir, `${name}.tmp.grib2`);
  const out = join(dir, `${name}.grib2`);
  run("cdo", ["-s", `-mulc,${scale}`, source, scaled]);
  run("grib_set", ["-s", `paramId=${paramId}`, scaled, out]);
  rmSync(scaled);
  return out;
}

/** The pv array of a message, as ecCodes reads it. */
export function ecCodesPv(file: string): number[] {
  // the rules in a directory of our own: beside the file would be the shared data, which runs share
  const dir = mkdtempSync(join(tmpdir(), "cb-pv-"));
  const rules = join(dir, "pv.rules");
  writeFileSync(rules, 'print "[pv!1]";\n');
  const text = execFileSync("grib_filter", [rules, file], { encoding: "utf8" });
  rmSync(dir, { recursive: true });
  return text
    .split(/\s+/)
    .filter((s) => s !== "")
    .map(Number);
}
