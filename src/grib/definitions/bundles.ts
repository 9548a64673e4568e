// Where each compiled definition lives among the generated JSON bundles, so that a run loads only the
// bundles its messages need (a GRIB1 file from FMI never parses ECMWF's GRIB2 tables). The generator
// (scripts/grib-definitions.ts) writes by these rules and the loader (load.ts) reads by them.

/** The bundle of statement files for an edition's definitions ("grib1", "grib2"), by the file's path. */
export function statementBundle(path: string): string {
  if (!path.includes("/")) return "statements.boot";
  if (path.startsWith("grib1/")) return "statements.grib1";
  if (path.startsWith("mars/")) return "statements.mars";
  if (path.startsWith("common/")) return "statements.common";
  const template = /^grib2\/template\.(\d+)\./.exec(path);
  if (template) return `statements.grib2.template.${template[1]}`;
  return path.startsWith("grib2/local/") ? "statements.grib2.local" : "statements.grib2";
}

/**
 * The bundle holding a concept file: one per directory and concept
 * ("grib2/localConcepts/efkl/shortName.def" -> concepts.grib2.localConcepts.efkl.shortName).
 */
export function conceptBundle(path: string): string {
  const slash = path.lastIndexOf("/");
  const dir = slash >= 0 ? path.slice(0, slash) : "root";
  return `concepts.${dir.replaceAll("/", ".")}.${path.slice(slash + 1).replace(/\.def$/, "")}`;
}

/**
 * The bundle holding a code table: GRIB2's master tables by number across versions
 * ("grib2/tables/21/4.5.table" -> tables.grib2.4), local tables by centre, others by directory and number.
 */
export function tableBundle(path: string): string {
  const slash = path.lastIndexOf("/");
  const dir = slash >= 0 ? path.slice(0, slash) : "";
  const first = path.slice(slash + 1).split(".")[0]!;
  const master = /^grib2\/tables\/\d+$/.test(dir);
  if (master) {
    const parts = path.slice(slash + 1).split(".");
    return `tables.grib2.${first === "4" && parts.length > 3 ? `${first}.${parts[1]}` : first}`;
  }
  const local = /^grib2\/tables\/local\/([^/]+)/.exec(dir);
  if (local) return `tables.grib2.local.${local[1]}`;
  const base = dir.replaceAll("/", ".") || "root";
  return /^\d+$/.test(first) ? `tables.${base}.${first}` : `tables.${base}`;
}
