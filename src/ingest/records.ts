// From a GRIB message's metadata (ecCodes key names) to the catalogue's field record.
import type { FieldRecord, GeometryRecord, ParameterRecord } from "../catalogue/types.ts";
import { GRID_GEOMETRY_KEYS, GRID_SHAPE_KEYS, hoursPerStepUnit, SCANNING_KEYS } from "../grib/keys.ts";
import type { GribMetadata } from "../grib/types.ts";

export class RecordError extends Error {
  override name = "RecordError";
}

/** The keys that define a grid; everything else in the metadata is about the field, not its grid. */
const gridKeys = [
  ...GRID_SHAPE_KEYS,
  "pl",
  ...GRID_GEOMETRY_KEYS,
  ...SCANNING_KEYS,
  "numberOfDataPoints",
] as const satisfies ReadonlyArray<keyof GribMetadata>;

export function geometryOf(m: GribMetadata): GeometryRecord {
  const definition: Record<string, unknown> = {};
  for (const key of gridKeys) if (m[key] !== undefined) definition[key] = m[key];
  return { gridType: m.gridType, definition };
}

/**
 * The parameter's catalogue name: ecCodes' shortName, or for a parameter ecCodes does not know, a name
 * made of its codes so that different unknown parameters stay apart:
 * GRIB2 "unknown:2:DISCIPLINE:CATEGORY:NUMBER", GRIB1 "unknown:1:CENTRE:TABLE:INDICATOR".
 */
export function parameterOf(m: GribMetadata): ParameterRecord {
  const known = m.shortName && m.shortName !== "unknown";
  const name = known
    ? m.shortName
    : m.edition === 2
      ? `unknown:2:${m.discipline ?? "-"}:${m.parameterCategory ?? "-"}:${m.parameterNumber ?? "-"}`
      : `unknown:1:${m.centreCode}:${m.table2Version ?? "-"}:${m.indicatorOfParameter ?? "-"}`;
  return {
    name,
    paramId: Number.isFinite(m.paramId) && m.paramId !== 0 ? m.paramId : null,
    longName: known ? m.name : null,
    units: known ? m.units : null,
  };
}

/** The base time of dataDate (YYYYMMDD) and dataTime (HHMM), UTC. */
export function baseTimeOf(m: GribMetadata): Date {
  const d = m.dataDate;
  const t = m.dataTime;
  const date = new Date(
    Date.UTC(Math.floor(d / 10000), (Math.floor(d / 100) % 100) - 1, d % 100, Math.floor(t / 100), t % 100),
  );
  if (Number.isNaN(date.getTime()) || Math.floor(d / 10000) < 1900)
    throw new RecordError(`impossible base time: dataDate ${d} dataTime ${t}`);
  return date;
}

export interface Location {
  producer: string;
  storageUri: string;
  offset: number;
  length: number;
  checksum: string;
}

export function fieldRecord(m: GribMetadata, where: Location): FieldRecord {
  const perUnit = hoursPerStepUnit[m.stepUnits];
  if (perUnit === undefined) throw new RecordError(`unsupported stepUnits ${m.stepUnits}`);
  return {
    producer: where.producer,
    baseTime: baseTimeOf(m),
    param: parameterOf(m),
    levelType: m.typeOfLevel || "unknown",
    level: m.level,
    startStep: m.startStep * perUnit,
    endStep: m.endStep * perUnit,
    stepRange: m.stepRange,
    stepType: m.stepType,
    dataType: m.dataType ?? "",
    member: m.number ?? null,
    geometry: geometryOf(m),
    edition: m.edition,
    packingType: m.packingType,
    storageUri: where.storageUri,
    offset: where.offset,
    length: where.length,
    checksum: where.checksum,
  };
}
