// A field's metadata with ecCodes' key names and values, read from the message's keys (the
// definitions compute them as ecCodes does). numberOfMissing is counted only when asked: for packings
// that mark missing values inside the data, counting means decoding.
import type { Handle } from "./definitions/handle.ts";
import type { GribEdition, GribMetadata, GridDefinition } from "./types.ts";

export interface FieldDescription {
  metadata: GribMetadata;
  grid: GridDefinition;
}

/** A key as a number, undefined when the message has no such key or it is not a number. */
export function num(h: Handle, key: string): number | undefined {
  const a = h.find(key);
  if (!a) return undefined;
  try {
    return a.long();
  } catch {
    return undefined;
  }
}

function dbl(h: Handle, key: string): number | undefined {
  const a = h.find(key);
  if (!a) return undefined;
  try {
    return a.double();
  } catch {
    return undefined;
  }
}

function str(h: Handle, key: string): string | undefined {
  const a = h.find(key);
  if (!a) return undefined;
  try {
    return a.string();
  } catch {
    return undefined;
  }
}

/** Keys copied as they are when the message has them (codes behind the names, for writers and products). */
const CODES = [
  "discipline",
  "parameterCategory",
  "parameterNumber",
  "table2Version",
  "indicatorOfParameter",
  "indicatorOfTypeOfLevel",
  "typeOfFirstFixedSurface",
  "typeOfSecondFixedSurface",
  "productDefinitionTemplateNumber",
  "gridDefinitionTemplateNumber",
  "dataRepresentationTemplateNumber",
  "timeRangeIndicator",
  "typeOfStatisticalProcessing",
  "dataRepresentationType",
] as const;

/** The grid's keys as GribMetadata names them (Ni/Nj also for Nx/Ny grids, pl for reduced ones). */
function gridKeys(h: Handle, grid: GridDefinition): Partial<GribMetadata> {
  const keys: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(grid)) {
    if (k === "scanning" || k === "earth" || k === "rotation" || k === "uvRelativeToGrid") continue;
    if (k === "gridType" || k === "ecCodesGridType" || k === "template" || k === "shapeOfTheEarth") continue;
    keys[k] = v;
  }
  if (grid.gridType === "regular_gg" || grid.gridType === "reduced_gg") Object.assign(keys, grid.rotation);
  if (grid.gridType === "lambert" || grid.gridType === "polar_stereographic") {
    keys.Ni = grid.Nx;
    keys.Nj = grid.Ny;
  }
  if (grid.gridType === "reduced_gg" || grid.gridType === "reduced_ll") {
    keys.Ni = null;
    keys.iDirectionIncrementInDegrees = null;
  }
  if (grid.gridType !== "other") Object.assign(keys, grid.scanning);
  // GRIB1 Lambert names its LoV orientationOfTheGrid too
  if (h.long("edition") === 1 && grid.gridType === "lambert")
    keys.orientationOfTheGridInDegrees = grid.LoVInDegrees;
  return keys as Partial<GribMetadata>;
}

/**
 * What names the field and its grid: the same from message to message of a stream (only the date, the
 * step and the level move), so a layout remembers it by the bytes it reads (handle.ts).
 */
function fieldKeys(h: Handle): Partial<GribMetadata> {
  const optional: Partial<GribMetadata> = {};
  for (const k of CODES) {
    const v = num(h, k);
    if (v !== undefined) optional[k] = v;
  }
  const dataType = str(h, "dataType");
  if (dataType !== undefined) optional.dataType = dataType;
  return {
    edition: num(h, "edition") as GribEdition,
    centre: str(h, "centre") ?? "unknown",
    centreCode: num(h, "centre") ?? 0,
    subCentre: num(h, "subCentre") ?? 0,
    stepType: str(h, "stepType") ?? "instant",
    paramId: num(h, "paramId") ?? 0,
    shortName: str(h, "shortName") ?? "unknown",
    name: str(h, "name") ?? "unknown",
    units: str(h, "units") ?? "unknown",
    typeOfLevel: str(h, "typeOfLevel") ?? "unknown",
    ...optional,
    gridType: str(h, "gridType") ?? "unknown",
    bitmapPresent: (num(h, "bitmapPresent") ? 1 : 0) as 0 | 1,
    numberOfValues: num(h, "numberOfValues") ?? 0,
    numberOfDataPoints: num(h, "numberOfDataPoints") ?? 0,
    packingType: str(h, "packingType") ?? "unknown",
    bitsPerValue: num(h, "bitsPerValue") ?? 0,
  };
}

/** gridKeys per grid: a grid the layout remembers (handle.ts) is shared by a stream's messages. */
const gridKeysMade = new WeakMap<GridDefinition, Partial<GribMetadata>>();

function gridKeysOf(h: Handle, grid: GridDefinition): Partial<GribMetadata> {
  let keys = gridKeysMade.get(grid);
  if (!keys) {
    keys = gridKeys(h, grid);
    gridKeysMade.set(grid, keys);
  }
  return keys;
}

/** Metadata and grid of the field a handle holds; `offset` is the message's offset in its file. */
export function describe(h: Handle, grid: GridDefinition, offset: number, totalLength: number): GribMetadata {
  const field = h.remember("field", fieldKeys);
  const { edition, centre, centreCode, subCentre, stepType, paramId, shortName, name, units, typeOfLevel } =
    field;
  const { gridType, bitmapPresent, numberOfValues, numberOfDataPoints, packingType, bitsPerValue } = field;
  const optional: Partial<GribMetadata> = {};
  for (const k of CODES) if (field[k] !== undefined) optional[k] = field[k];
  const number = h.find("perturbationNumber") ? num(h, "number") : undefined;
  if (number !== undefined) optional.number = number;
  if (field.dataType !== undefined) optional.dataType = field.dataType;
  let missing: number | undefined;
  // the order of ecCodes' listing, which JSON output keeps
  const metadata = {
    edition,
    centre,
    centreCode,
    subCentre,
    dataDate: num(h, "dataDate") ?? 0,
    dataTime: num(h, "dataTime") ?? 0,
    stepRange: str(h, "stepRange") ?? "",
    startStep: num(h, "startStep") ?? Number.NaN,
    endStep: num(h, "endStep") ?? Number.NaN,
    stepUnits: num(h, "stepUnits") ?? 1,
    stepType,
    paramId,
    shortName,
    name,
    units,
    typeOfLevel,
    level: num(h, "level") ?? 0,
    ...optional,
    gridType,
    ...gridKeysOf(h, grid),
    bitmapPresent,
    numberOfValues,
    numberOfDataPoints,
    get numberOfMissing(): number {
      missing ??= num(h, "numberOfMissing") ?? 0;
      return missing;
    },
    set numberOfMissing(v: number) {
      missing = v;
    },
    packingType,
    bitsPerValue,
    referenceValue: dbl(h, "referenceValue") ?? 0,
    binaryScaleFactor: num(h, "binaryScaleFactor") ?? 0,
    decimalScaleFactor: num(h, "decimalScaleFactor") ?? 0,
    totalLength,
    offset,
  } as GribMetadata;
  return metadata;
}
