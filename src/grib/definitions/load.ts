// The compiled definitions, loaded on first use, one JSON bundle at a time (see bundles.ts): a GRIB1
// file from FMI loads FMI's and WMO's GRIB1 tables and never ECMWF's GRIB2 ones.
import { createRequire } from "node:module";
import type { CodeTableRow, ConceptFile, DefinitionsBundle, Statement } from "./ast.ts";
import { conceptBundle, statementBundle, tableBundle } from "./bundles.ts";

const require = createRequire(import.meta.url);
const bundles = new Map<string, DefinitionsBundle | null>();

function bundle(name: string): DefinitionsBundle | null {
  let b = bundles.get(name);
  if (b === undefined) {
    try {
      b = require(`./generated/${name}.json`) as DefinitionsBundle;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw e;
      b = null;
    }
    bundles.set(name, b);
  }
  return b;
}

const files = new Map<string, Statement[] | undefined>();

/** The statements of a definition file ("grib2/section.3.def"), or undefined if there is none. */
export function definitionFile(path: string): Statement[] | undefined {
  if (files.has(path)) return files.get(path);
  const f = bundle(statementBundle(path))?.files?.[path];
  files.set(path, f);
  return f;
}

/** The rows of a concept file ("grib2/localConcepts/efkl/shortName.def") with their index, or undefined. */
export function conceptFile(path: string): ConceptFile | undefined {
  return bundle(conceptBundle(path))?.concepts?.[path];
}

/** A code table ("grib2/tables/21/4.5.table"), or undefined. */
export function codeTableFile(path: string): CodeTableRow[] | undefined {
  const b = bundle(tableBundle(path));
  const id = b?.tableIndex?.[path];
  return id === undefined ? undefined : b!.tables![id];
}

/** The ecCodes release the definitions were compiled from. */
export function definitionsVersion(): string {
  return bundle("statements.boot")?.eccodes ?? "unknown";
}
