// Parameter names from ecCodes' concept tables, outside any message: what paramId, shortName, name
// and units a set of coded keys gives (as ecCodes would name a message carrying them), and the coded
// keys that give a shortName (for writers: which table2Version/indicatorOfParameter, or which
// discipline/category/number, make ECMWF's "2t" or FMI's "T-K"). The centre's local tables come first,
// then the WMO master table, then ECMWF's local table, as in ecCodes' definitions.
import type { Accessor } from "./definitions/accessor.ts";
import { KeyError } from "./definitions/accessor.ts";
import type { ConceptEntry, Expr } from "./definitions/ast.ts";
import { type ConceptTable, evaluateConcept } from "./definitions/concept.ts";
import type { KeySource } from "./definitions/expression.ts";
import { conceptFile } from "./definitions/load.ts";

export interface Parameter {
  paramId: number;
  shortName: string;
  name: string;
  units: string;
}

/** Value of a key for matching: a number, a string, null for "missing", undefined when absent. */
export type KeyLookup = (key: string) => number | string | null | undefined;

export const UNKNOWN_PARAMETER: Parameter = {
  paramId: 0,
  shortName: "unknown",
  name: "unknown",
  units: "unknown",
};

/** The concept files of one concept, in the order ecCodes walks them (centre's local, then master). */
function table(dirs: string[], concept: string): ConceptTable {
  const parts = dirs.map((d) => conceptFile(`${d}/${concept}.def`)).filter((p) => p !== undefined);
  return { parts };
}

/** Keys for concept matching, from a lookup function (no message behind them). */
function source(lookup: KeyLookup): KeySource {
  const value = (name: string) => {
    const v = lookup(name);
    if (v === undefined) throw new KeyError("not_found", name, `${name} not given`);
    return v;
  };
  const accessor = (name: string) =>
    ({
      nativeType: () => (typeof lookup(name) === "string" ? "string" : "long"),
      count: () => 1,
      longs: () => [Number(value(name))],
    }) as unknown as Accessor;
  return {
    find: (name) => (lookup(name) === undefined ? undefined : accessor(name)),
    long: (name) => {
      const v = value(name);
      return v === null ? 2147483647 : Number(v);
    },
    double: (name) => Number(value(name)),
    string: (name) => String(value(name)),
    isMissing: (name) => lookup(name) === null,
  };
}

function dirs(edition: 1 | 2, centre: string): string[][] {
  const g = `grib${edition}`;
  return [
    [`${g}/localConcepts/${centre}`, g],
    [`${g}/localConcepts/ecmf`, g],
  ];
}

/** The parameter ecCodes would name for these keys of a message of `edition` from centre `centre`. */
export function lookupParameter(edition: 1 | 2, centre: string, lookup: KeyLookup): Parameter {
  const keys = source(lookup);
  // each concept falls back on its own (ecCodes' paramId -> paramIdECMF -> default, ...)
  const one = (concept: string): string | undefined => {
    for (const d of dirs(edition, centre)) {
      const v = evaluateConcept(table(d, concept), keys);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const shortName = one("shortName");
  if (shortName === undefined) return UNKNOWN_PARAMETER;
  return {
    paramId: Number(one("paramId") ?? 0),
    shortName,
    name: one("name") ?? "unknown",
    units: one("units") ?? "unknown",
  };
}

function literal(e: Expr | { ia: number[] }): number | string | null | number[] {
  if (typeof e === "number") return e;
  if ("s" in e) return e.s;
  if ("d" in e) return e.d;
  if ("ia" in e) return e.ia;
  if ("f" in e && e.f === "missing") return null;
  return null;
}

/** Every set of coded keys that names `shortName` for a message of `edition` from `centre`. */
export function parameterConditions(
  edition: 1 | 2,
  centre: string,
  shortName: string,
): Array<Record<string, number | string | null | number[]>> {
  const out: Array<Record<string, number | string | null | number[]>> = [];
  for (const d of dirs(edition, centre)) {
    for (const part of table(d, "shortName").parts) {
      for (const [value, conds] of part.rows as ConceptEntry[]) {
        if (value === shortName) out.push(Object.fromEntries(conds.map(([k, v]) => [k, literal(v)])));
      }
    }
    if (out.length) return out;
  }
  return out;
}
