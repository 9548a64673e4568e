// ecCodes' "concept" lookup for paramId/shortName/name/units: among the rows whose every condition
// holds, the one with most conditions wins. The centre's local table and the master table are tried
// first, then ECMWF's local table (which ecCodes applies for every centre); nothing matching is
// paramId 0, "unknown".

import {
  GRIB1_ECMF,
  GRIB1_EFKL,
  GRIB1_MASTER,
  GRIB2_ECMF,
  GRIB2_EFKL,
  GRIB2_MASTER,
  type ParamRow,
} from "./parameters-data.ts";

export interface Parameter {
  paramId: number;
  shortName: string;
  name: string;
  units: string;
}

/** Value of a key for matching: a number, a string, null for "missing", undefined when absent. */
export type KeyLookup = (key: string) => number | string | null | undefined;

interface CompiledRow {
  parameter: Parameter;
  conditions: Array<[string, number | string | null]>;
}

function compile(rows: ParamRow[]): CompiledRow[] {
  return rows.map(([paramId, shortName, name, units, conds]) => ({
    parameter: { paramId, shortName, name, units },
    conditions: conds.split(";").map((c) => {
      const [k, v] = c.split("=");
      if (v === "MISSING") return [k, null];
      const n = Number(v);
      return [k, Number.isNaN(n) ? v : n];
    }),
  }));
}

const localTables: Record<string, { 1?: ParamRow[]; 2?: ParamRow[] }> = {
  efkl: { 1: GRIB1_EFKL, 2: GRIB2_EFKL },
  ecmf: { 1: GRIB1_ECMF, 2: GRIB2_ECMF },
};

const cache = new Map<string, CompiledRow[]>();
function table(key: string, rows: () => ParamRow[]): CompiledRow[] {
  let t = cache.get(key);
  if (!t) {
    t = compile(rows());
    cache.set(key, t);
  }
  return t;
}

function best(rows: CompiledRow[][], lookup: KeyLookup): Parameter | undefined {
  let found: Parameter | undefined;
  let most = -1;
  for (const list of rows) {
    for (const row of list) {
      if (row.conditions.length <= most) continue;
      let ok = true;
      for (const [k, v] of row.conditions) {
        const actual = lookup(k);
        if (actual === undefined || actual !== v) {
          ok = false;
          break;
        }
      }
      if (ok) {
        most = row.conditions.length;
        found = row.parameter;
      }
    }
  }
  return found;
}

export const UNKNOWN_PARAMETER: Parameter = {
  paramId: 0,
  shortName: "unknown",
  name: "unknown",
  units: "unknown",
};

/** The parameter as ecCodes names it, for a message of `edition` from centre `centre` (abbreviation). */
export function lookupParameter(edition: 1 | 2, centre: string, lookup: KeyLookup): Parameter {
  const master = table(`master${edition}`, () => (edition === 1 ? GRIB1_MASTER : GRIB2_MASTER));
  const localRows = localTables[centre]?.[edition];
  const local = localRows ? table(`${centre}${edition}`, () => localRows) : [];
  const first = best([local, master], lookup);
  if (first) return first;
  const ecmf = table(`ecmf${edition}`, () => (edition === 1 ? GRIB1_ECMF : GRIB2_ECMF));
  return best([ecmf], lookup) ?? UNKNOWN_PARAMETER;
}
