// Catalogue queries, with one filter language for `GET /api/fields?...` and `cloudburst fields ls ...`:
// terms KEY=VALUE, where VALUE is a comma-separated list of values, and a number may be a range A..B
// (either end may be left open: 6.., ..24). Terms on different keys must all hold.
//   producer=ecmf base=2026-11-24T00Z param=2t,10u levelType=heightAboveGround level=2 step=0..24
//   member=1..10 base=latest
import type pg from "pg";

type Queryable = Pick<pg.Pool, "query">;

export class FilterError extends Error {
  override name = "FilterError";
}

export const filterKeys = {
  id: "field id",
  producer: "producer name",
  base: "base time: 2026-11-24T00Z, 2026-11-24T00:00:00Z, 2026112400, or latest",
  cycle: "cycle id",
  param: "parameter (ecCodes shortName)",
  levelType: "ecCodes typeOfLevel",
  level: "level value (number or range)",
  step: "forecast step in hours (number or range)",
  stepRange: "ecCodes stepRange text, e.g. 0-6",
  member: "ensemble member (number or range)",
  dataType: "MARS type (fc, an, pf, cf)",
  geometry: "geometry name",
  file: "name of the received file",
} as const;

type Key = keyof typeof filterKeys;
type NumberTerm = { kind: "number"; values: number[]; ranges: Array<[number | null, number | null]> };
type TextTerm = { kind: "text"; values: string[] };
type BaseTerm = { kind: "base"; values: Date[]; latest: boolean };
export type FieldFilter = Partial<Record<Key, NumberTerm | TextTerm | BaseTerm>>;

const numericKeys = new Set<Key>(["id", "cycle", "level", "step", "member"]);
const aliases: Record<string, Key> = {
  baseTime: "base",
  typeOfLevel: "levelType",
  shortName: "param",
  number: "member",
};

/** Parses KEY=VALUE terms (from argv or a query string). */
export function parseFieldFilter(terms: Array<[string, string]>): FieldFilter {
  const filter: FieldFilter = {};
  for (const [rawKey, value] of terms) {
    const key = (aliases[rawKey] ?? rawKey) as Key;
    if (!(key in filterKeys))
      throw new FilterError(
        `unknown filter key "${rawKey}"; known keys: ${Object.keys(filterKeys).join(", ")}`,
      );
    if (value === "") throw new FilterError(`${rawKey}: empty value`);
    const parts = value.split(",").map((p) => p.trim());
    if (key === "base") filter.base = parseBase(parts);
    else if (numericKeys.has(key)) filter[key] = parseNumbers(rawKey, parts);
    else filter[key] = { kind: "text", values: parts };
  }
  return filter;
}

/** Splits "key=value" words (the CLI's arguments) into terms. */
export function termsFromWords(words: string[]): Array<[string, string]> {
  return words.map((word) => {
    const at = word.indexOf("=");
    if (at <= 0)
      throw new FilterError(`"${word}" is not a KEY=VALUE filter term (e.g. param=2t, step=0..24)`);
    return [word.slice(0, at), word.slice(at + 1)];
  });
}

function parseNumbers(key: string, parts: string[]): NumberTerm {
  const term: NumberTerm = { kind: "number", values: [], ranges: [] };
  for (const part of parts) {
    const range = /^(-?[\d.]*)\.\.(-?[\d.]*)$/.exec(part);
    if (range && (range[1] !== "" || range[2] !== "")) {
      const low = range[1] === "" ? null : Number(range[1]);
      const high = range[2] === "" ? null : Number(range[2]);
      if ((low !== null && !Number.isFinite(low)) || (high !== null && !Number.isFinite(high)))
        throw new FilterError(`${key}: "${part}" is not a range of numbers`);
      term.ranges.push([low, high]);
    } else {
      const n = Number(part);
      if (part === "" || !Number.isFinite(n))
        throw new FilterError(`${key}: "${part}" is not a number or A..B range`);
      term.values.push(n);
    }
  }
  return term;
}

function parseBase(parts: string[]): BaseTerm {
  const term: BaseTerm = { kind: "base", values: [], latest: false };
  for (const part of parts) {
    if (part === "latest") {
      term.latest = true;
      continue;
    }
    const date = parseBaseTime(part);
    if (!date)
      throw new FilterError(`base: "${part}" is not a base time (2026-11-24T00Z, 2026112400 or latest)`);
    term.values.push(date);
  }
  return term;
}

export function parseBaseTime(text: string): Date | null {
  let m = /^(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?$/.exec(text);
  if (!m) m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::?(\d{2}))?(?::\d{2}(?:\.\d+)?)?)?Z?$/i.exec(text);
  if (!m) return null;
  const date = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0)));
  return Number.isNaN(date.getTime()) || date.getUTCDate() !== +m[3]! ? null : date;
}

/** The filter keys a listing can be filtered by, and the column each one compares. */
export type FilterColumns = Partial<Record<Key, string>>;

const fieldColumns: Record<Key, string> = {
  id: "f.id",
  producer: "pr.name",
  base: "f.base_time",
  cycle: "f.cycle_id",
  param: "pa.name",
  levelType: "lt.name",
  level: "f.level_value",
  step: "f.end_step",
  stepRange: "f.step_range",
  member: "f.member",
  dataType: "f.data_type",
  geometry: "g.name",
  file: "fi.name",
};

/** The SQL `where` of a filter's terms (each: any of its values or ranges), its values appended to `params`. */
export function whereClause(
  filter: FieldFilter,
  params: unknown[],
  columns: FilterColumns = fieldColumns,
): string {
  const conditions: string[] = [];
  const add = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  for (const [key, term] of Object.entries(filter) as Array<[Key, NumberTerm | TextTerm | BaseTerm]>) {
    const column = columns[key];
    if (column === undefined)
      throw new FilterError(`cannot filter by "${key}" here; keys: ${Object.keys(columns).join(", ")}`);
    const alternatives: string[] = [];
    if (term.kind === "text") alternatives.push(`${column} = any(${add(term.values)}::text[])`);
    else if (term.kind === "base") {
      if (term.values.length) alternatives.push(`${column} = any(${add(term.values)}::timestamptz[])`);
      if (term.latest) {
        const producer = filter.producer?.kind === "text" ? filter.producer.values : null;
        alternatives.push(
          `${column} = (select max(c.base_time) from cycle c join producer p on p.id = c.producer_id
                         where ${producer ? `p.name = any(${add(producer)}::text[])` : "true"})`,
        );
      }
    } else {
      if (term.values.length) alternatives.push(`${column} = any(${add(term.values)}::float8[])`);
      for (const [low, high] of term.ranges) {
        const parts = [
          ...(low !== null ? [`${column} >= ${add(low)}`] : []),
          ...(high !== null ? [`${column} <= ${add(high)}`] : []),
        ];
        alternatives.push(`(${parts.join(" and ")})`);
      }
    }
    conditions.push(`(${alternatives.join(" or ")})`);
  }
  return conditions.length ? `where ${conditions.join(" and ")}` : "";
}

export interface FieldRow {
  id: number;
  producer: string;
  baseTime: string;
  cycleId: number;
  param: string;
  paramId: number | null;
  levelType: string;
  level: number;
  step: number;
  startStep: number;
  stepRange: string;
  stepType: string;
  dataType: string;
  member: number | null;
  geometry: string;
  gridType: string;
  edition: number;
  packingType: string;
  storageUri: string;
  offset: number;
  length: number;
  checksum: string;
  file: string;
  fileId: number;
  receivedAt: string;
}

const fieldSelect = `
  select f.id, pr.name as producer, f.base_time, f.cycle_id, pa.name as param, pa.param_id, lt.name as level_type,
         f.level_value, f.end_step, f.start_step, f.step_range, f.step_type, f.data_type, f.member,
         g.name as geometry, g.grid_type, f.edition, f.packing_type, f.storage_uri, f.byte_offset, f.byte_length,
         encode(f.checksum, 'hex') as checksum, fi.name as file, f.ingest_file_id, f.received_at
    from field f
    join producer pr on pr.id = f.producer_id
    join parameter pa on pa.id = f.param_id
    join level_type lt on lt.id = f.level_type_id
    join geometry g on g.id = f.geometry_id
    join ingest_file fi on fi.id = f.ingest_file_id`;

interface FieldDbRow {
  id: string;
  producer: string;
  base_time: Date;
  cycle_id: string;
  param: string;
  param_id: number | null;
  level_type: string;
  level_value: number;
  end_step: number;
  start_step: number;
  step_range: string;
  step_type: string;
  data_type: string;
  member: number | null;
  geometry: string;
  grid_type: string;
  edition: number;
  packing_type: string;
  storage_uri: string;
  byte_offset: string;
  byte_length: string;
  checksum: string;
  file: string;
  ingest_file_id: string;
  received_at: Date;
}

function toFieldRow(r: FieldDbRow): FieldRow {
  return {
    id: Number(r.id),
    producer: r.producer,
    baseTime: r.base_time.toISOString(),
    cycleId: Number(r.cycle_id),
    param: r.param,
    paramId: r.param_id,
    levelType: r.level_type,
    level: r.level_value,
    step: r.end_step,
    startStep: r.start_step,
    stepRange: r.step_range,
    stepType: r.step_type,
    dataType: r.data_type,
    member: r.member,
    geometry: r.geometry,
    gridType: r.grid_type,
    edition: r.edition,
    packingType: r.packing_type,
    storageUri: r.storage_uri,
    offset: Number(r.byte_offset),
    length: Number(r.byte_length),
    checksum: r.checksum,
    file: r.file,
    fileId: Number(r.ingest_file_id),
    receivedAt: r.received_at.toISOString(),
  };
}

export interface Page {
  limit?: number;
  /** Only rows after this one in step order (the previous page's last id). */
  after?: number;
}

/**
 * Listings run in forecast order, as operators read a cycle (step 0 before 1 before 10), and within a
 * step in arrival order; the page cursor stays the last row's id.
 */
export function stepOrder(alias: string): string {
  return `${alias}.end_step, ${alias}.start_step, ${alias}.id`;
}

/** Rows after the one with id $n in stepOrder. */
export function afterInStepOrder(alias: string, table: string, n: number): string {
  return `(${stepOrder(alias)}) > (select end_step, start_step, id from ${table} where id = $${n})`;
}

export async function listFields(db: Queryable, filter: FieldFilter, page: Page = {}): Promise<FieldRow[]> {
  const params: unknown[] = [];
  let where = whereClause(filter, params);
  if (page.after !== undefined) {
    params.push(page.after);
    where = `${where ? `${where} and` : "where"} ${afterInStepOrder("f", "field", params.length)}`;
  }
  params.push(Math.min(Math.max(page.limit ?? 1000, 1), 100_000));
  const result = await db.query<FieldDbRow>(
    `${fieldSelect} ${where} order by ${stepOrder("f")} limit $${params.length}`,
    params,
  );
  return result.rows.map(toFieldRow);
}

export async function getField(db: Queryable, id: number): Promise<FieldRow | null> {
  const result = await db.query<FieldDbRow>(`${fieldSelect} where f.id = $1`, [id]);
  return result.rows[0] ? toFieldRow(result.rows[0]) : null;
}

export interface CycleRow {
  id: number;
  producer: string;
  baseTime: string;
  state: string;
  receivedFields: number;
  expectedFields: number | null;
  /** Received / expected, 0..1; null when the expected count is unknown. */
  progress: number | null;
  files: number;
  firstReceivedAt: string | null;
  lastReceivedAt: string | null;
  completedAt: string | null;
}

export async function listCycles(
  db: Queryable,
  options: { producer?: string | undefined; limit?: number } = {},
): Promise<CycleRow[]> {
  const result = await db.query<{
    id: string;
    producer: string;
    base_time: Date;
    state: string;
    received_fields: number;
    expected_fields: number | null;
    file_count: number;
    first_received_at: Date | null;
    last_received_at: Date | null;
    completed_at: Date | null;
  }>(
    `select c.id, p.name as producer, c.base_time, c.state, c.received_fields, c.expected_fields, c.file_count,
            c.first_received_at, c.last_received_at, c.completed_at
       from cycle c join producer p on p.id = c.producer_id
      where $1::text is null or p.name = $1
      order by c.base_time desc, p.name limit $2`,
    [options.producer ?? null, options.limit ?? 100],
  );
  return result.rows.map((r) => ({
    id: Number(r.id),
    producer: r.producer,
    baseTime: r.base_time.toISOString(),
    state: r.state,
    receivedFields: r.received_fields,
    expectedFields: r.expected_fields,
    progress: r.expected_fields ? Math.min(1, r.received_fields / r.expected_fields) : null,
    files: r.file_count,
    firstReceivedAt: r.first_received_at?.toISOString() ?? null,
    lastReceivedAt: r.last_received_at?.toISOString() ?? null,
    completedAt: r.completed_at?.toISOString() ?? null,
  }));
}

export interface QuarantineRow {
  id: number;
  fileId: number | null;
  file: string;
  storageUri: string | null;
  code: string;
  reason: string;
  offset: number;
  length: number;
  at: string;
}

export async function listQuarantine(
  db: Queryable,
  options: { file?: string | undefined; limit?: number } = {},
): Promise<QuarantineRow[]> {
  const result = await db.query<{
    id: string;
    ingest_file_id: string | null;
    file_name: string;
    storage_uri: string | null;
    code: string;
    reason: string;
    byte_offset: string;
    byte_length: string;
    at: Date;
  }>(
    `select id, ingest_file_id, file_name, storage_uri, code, reason, byte_offset, byte_length, at
       from quarantine where $1::text is null or file_name = $1
      order by at desc, id desc limit $2`,
    [options.file ?? null, options.limit ?? 100],
  );
  return result.rows.map((r) => ({
    id: Number(r.id),
    fileId: r.ingest_file_id === null ? null : Number(r.ingest_file_id),
    file: r.file_name,
    storageUri: r.storage_uri,
    code: r.code,
    reason: r.reason,
    offset: Number(r.byte_offset),
    length: Number(r.byte_length),
    at: r.at.toISOString(),
  }));
}

/** A received file with quarantined parts: what its regions were, and where its bytes are kept. */
export interface QuarantinedFile {
  /** The ingest_file row (null for a record whose file row is gone). */
  fileId: number | null;
  /** The first quarantine record of the file (names a record without a file row). */
  firstId: number;
  file: string;
  version: number | null;
  /** registered, partial (some fields registered) or rejected (none). */
  state: string | null;
  storageUri: string | null;
  regions: number;
  bytes: number;
  codes: string[];
  /** The first region's reason. */
  reason: string;
  at: Date;
}

/** Files with quarantined regions recorded since `since`, one row per file, oldest first. */
export async function quarantinedFiles(db: Queryable, since = new Date(0)): Promise<QuarantinedFile[]> {
  const result = await db.query<{
    file_id: string | null;
    first_id: string;
    file_name: string;
    version: number | null;
    state: string | null;
    storage_uri: string | null;
    regions: string;
    bytes: string;
    codes: string[];
    reason: string;
    at: Date;
  }>(
    `select q.ingest_file_id as file_id, min(q.id) as first_id, q.file_name, f.version, f.state,
            coalesce(min(q.storage_uri), min(f.storage_uri)) as storage_uri, count(*) as regions,
            sum(q.byte_length) as bytes, array_agg(distinct q.code order by q.code) as codes,
            (array_agg(q.reason order by q.byte_offset, q.id))[1] as reason, min(q.at) as at
       from quarantine q left join ingest_file f on f.id = q.ingest_file_id
      where q.at >= $1
      group by q.ingest_file_id, case when q.ingest_file_id is null then q.id end, q.file_name, f.version, f.state
      order by min(q.at), min(q.id)`,
    [since],
  );
  return result.rows.map((r) => ({
    fileId: r.file_id === null ? null : Number(r.file_id),
    firstId: Number(r.first_id),
    file: r.file_name,
    version: r.version,
    state: r.state,
    storageUri: r.storage_uri,
    regions: Number(r.regions),
    bytes: Number(r.bytes),
    codes: r.codes,
    reason: r.reason,
    at: r.at,
  }));
}

export interface FileRow {
  id: number;
  name: string;
  version: number;
  size: number;
  checksum: string;
  state: string;
  source: string;
  storageUri: string | null;
  messages: number;
  fieldsNew: number;
  fieldsUpdated: number;
  fieldsUnchanged: number;
  quarantined: number;
  duplicates: number;
  receivedAt: string;
  registeredAt: string;
  nameInfo: unknown;
}

export async function listFiles(
  db: Queryable,
  options: { name?: string | undefined; limit?: number } = {},
): Promise<FileRow[]> {
  const result = await db.query<{
    id: string;
    name: string;
    version: number;
    size: string;
    checksum: string;
    state: string;
    source: string;
    storage_uri: string | null;
    message_count: number;
    fields_new: number;
    fields_updated: number;
    fields_unchanged: number;
    quarantined: number;
    duplicates: number;
    received_at: Date;
    registered_at: Date;
    name_info: unknown;
  }>(
    `select * from ingest_file where $1::text is null or name = $1 order by registered_at desc, id desc limit $2`,
    [options.name ?? null, options.limit ?? 100],
  );
  return result.rows.map((r) => ({
    id: Number(r.id),
    name: r.name,
    version: r.version,
    size: Number(r.size),
    checksum: r.checksum,
    state: r.state,
    source: r.source,
    storageUri: r.storage_uri,
    messages: r.message_count,
    fieldsNew: r.fields_new,
    fieldsUpdated: r.fields_updated,
    fieldsUnchanged: r.fields_unchanged,
    quarantined: r.quarantined,
    duplicates: r.duplicates,
    receivedAt: r.received_at.toISOString(),
    registeredAt: r.registered_at.toISOString(),
    nameInfo: r.name_info,
  }));
}

/** When each of `steps` of a producer's cycle first had a field in the catalogue (steps without one absent). */
export async function stepArrivalTimes(
  db: Queryable,
  producer: string,
  baseTime: Date,
  steps: readonly number[],
): Promise<Map<number, Date>> {
  if (steps.length === 0) return new Map();
  const result = await db.query<{ step: number; arrived: Date }>(
    `select f.end_step as step, min(f.received_at) as arrived
       from field f join producer p on p.id = f.producer_id
      where f.base_time = $1 and p.name = $2 and f.end_step = any($3::float8[])
      group by f.end_step`,
    [baseTime, producer, steps],
  );
  return new Map(result.rows.map((r) => [Number(r.step), r.arrived]));
}

/** Files received since `since`, with the step their dissemination name says (the timeline's arrivals). */
export async function fileArrivalsSince(
  db: Queryable,
  since: Date,
  limit = 1000,
): Promise<Array<{ name: string; receivedAt: Date; registeredAt: Date | null; step: number | null }>> {
  const result = await db.query<{
    name: string;
    received_at: Date;
    registered_at: Date | null;
    step: number | null;
  }>(
    `select name, received_at, registered_at, (name_info->>'step')::float8 as step from ingest_file
      where received_at >= $1 order by received_at limit $2`,
    [since, limit],
  );
  return result.rows.map((r) => ({
    name: r.name,
    receivedAt: r.received_at,
    registeredAt: r.registered_at,
    step: r.step,
  }));
}

/** How many files were received since `since`. */
export async function filesReceivedSince(db: Queryable, since: Date): Promise<number> {
  const result = await db.query<{ n: string }>(
    "select count(*) as n from ingest_file where received_at >= $1",
    [since],
  );
  return Number(result.rows[0]?.n ?? 0);
}
