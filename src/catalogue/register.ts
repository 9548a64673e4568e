// Registers a whole file's fields in one transaction: all of them or none, exactly once.
import type pg from "pg";
import { withClient } from "../db/transaction.ts";
import { publishFieldsRegistered } from "./events.ts";
import type { Dimensions } from "./lookups.ts";
import { geometryHash } from "./lookups.ts";
import type {
  CycleProgress,
  FieldRecord,
  FileRecord,
  QuarantineRecord,
  RegistrationResult,
} from "./types.ts";

interface ResolvedField extends FieldRecord {
  producerId: number;
  paramId: number;
  levelTypeId: number;
  geometryId: number;
  cycleId: number;
}

/** The identity of a field: what it describes, not where it is (the catalogue's unique key). */
export function fieldKey(f: FieldRecord): string {
  return [
    f.producer,
    f.baseTime.toISOString(),
    f.param.name,
    f.levelType,
    f.level,
    f.startStep,
    f.endStep,
    f.stepType,
    f.dataType,
    f.member ?? "",
    geometryHash(f.geometry),
  ].join("|");
}

/**
 * Registers `file` with its fields and quarantined regions. Idempotent: the same name and checksum again
 * registers nothing (outcome "duplicate"); the same name with another checksum is a new version whose
 * fields replace the ones they describe. Two messages of one file describing the same field: the later
 * one is registered and the earlier one quarantined ("duplicate-field"), so nothing is silently lost.
 */
export async function registerFile(
  pool: pg.Pool,
  dimensions: Dimensions,
  file: FileRecord,
  fields: FieldRecord[],
  quarantine: QuarantineRecord[],
): Promise<RegistrationResult> {
  const { unique, duplicates } = dedupe(fields);
  const problems = [...quarantine, ...duplicates].sort((a, b) => a.offset - b.offset);
  const resolved = await resolveDimensions(pool, dimensions, unique);
  return dimensions.inPartitions(
    pool,
    unique.map((f) => f.baseTime),
    () => registerResolved(pool, file, resolved, problems),
  );
}

function dedupe(fields: FieldRecord[]): { unique: FieldRecord[]; duplicates: QuarantineRecord[] } {
  const byKey = new Map<string, FieldRecord>();
  const duplicates: QuarantineRecord[] = [];
  for (const field of fields) {
    const key = fieldKey(field);
    const earlier = byKey.get(key);
    if (earlier) {
      duplicates.push({
        code: "duplicate-field",
        reason: `this message describes the same field (${field.param.name} ${field.levelType} ${field.level} step ${field.stepRange}) as the later message at byte offset ${field.offset}, which was registered instead${earlier.checksum === field.checksum ? " (the two messages are byte-identical)" : ""}`,
        offset: earlier.offset,
        length: earlier.length,
      });
    }
    byKey.set(key, field);
  }
  return { unique: [...byKey.values()], duplicates };
}

async function resolveDimensions(
  pool: pg.Pool,
  dimensions: Dimensions,
  fields: FieldRecord[],
): Promise<Array<Omit<ResolvedField, "cycleId">>> {
  const out: Array<Omit<ResolvedField, "cycleId">> = [];
  for (const f of fields) {
    const ids = [
      dimensions.producer(pool, f.producer),
      dimensions.parameter(pool, f.param),
      dimensions.levelType(pool, f.levelType),
      dimensions.geometry(pool, f.geometry),
    ];
    // cached ids come back as numbers: a file's thousands of fields wait only for the new ones
    const known = ids.every((v): v is number => typeof v === "number");
    const [producerId, paramId, levelTypeId, geometryId] = known ? ids : await Promise.all(ids);
    out.push({
      ...f,
      producerId: producerId!,
      paramId: paramId!,
      levelTypeId: levelTypeId!,
      geometryId: geometryId!,
    });
  }
  return out;
}

async function registerResolved(
  pool: pg.Pool,
  file: FileRecord,
  fields: Array<Omit<ResolvedField, "cycleId">>,
  quarantine: QuarantineRecord[],
): Promise<RegistrationResult> {
  return withClient(pool, async (client) => {
    try {
      await client.query("begin");
      // One registration per file name at a time, in every process.
      await client.query("select pg_advisory_xact_lock(hashtext('ingest_file:' || $1))", [file.name]);
      const versions = await client.query<FileVersion>(
        "select id, version, checksum, storage_uri from ingest_file where name = $1 order by version",
        [file.name],
      );
      const same = versions.rows.find((v) => v.checksum === file.checksum);
      if (same) {
        await client.query(
          "update ingest_file set duplicates = duplicates + 1, last_duplicate_at = now() where id = $1",
          [same.id],
        );
        await client.query("commit");
        return duplicateResult(file, same);
      }
      const version = (versions.rows.at(-1)?.version ?? 0) + 1;
      const outcome = fields.length === 0 ? "rejected" : quarantine.length > 0 ? "partial" : "registered";
      const fileId = await insertFile(client, file, version, outcome, fields, quarantine.length);

      const cycleIds = await upsertCycles(client, fields);
      const withCycles = fields.map((f) => ({ ...f, cycleId: cycleIds.get(cycleKey(f))! }));
      const changes = await upsertFields(client, withCycles, fileId, file.receivedAt);
      await insertQuarantine(client, fileId, file, quarantine);

      const counts = countChanges(changes, fields.length);
      await client.query(
        "update ingest_file set fields_new = $2, fields_updated = $3, fields_unchanged = $4 where id = $1",
        [fileId, counts.fieldsNew, counts.fieldsUpdated, counts.fieldsUnchanged],
      );
      const cycles = await updateCycles(client, new Set(cycleIds.values()), counts.newByCycle);
      for (const cycle of cycles) {
        if (!counts.touched.has(cycle.cycleId)) continue;
        const ofCycle = withCycles.filter((f) => f.cycleId === cycle.cycleId);
        await publishFieldsRegistered(client, {
          cycleId: cycle.cycleId,
          producer: cycle.producer,
          baseTime: cycle.baseTime.toISOString(),
          fileId,
          file: file.name,
          fields: ofCycle.length,
          newFields: counts.newByCycle.get(cycle.cycleId) ?? 0,
          receivedFields: cycle.receivedFields,
          expectedFields: cycle.expectedFields,
          state: cycle.state,
          steps: [...new Set(ofCycle.map((f) => f.endStep))].sort((x, y) => x - y),
        });
      }
      await client.query("commit");
      const { fieldsNew, fieldsUpdated, fieldsUnchanged } = counts;
      return {
        outcome,
        fileId,
        name: file.name,
        version,
        newVersion: versions.rows.length > 0,
        fieldsNew,
        fieldsUpdated,
        fieldsUnchanged,
        quarantined: quarantine.length,
        problems: quarantine,
        storageUri: file.storageUri,
        cycles,
      };
    } catch (error) {
      await client.query("rollback").catch(() => undefined);
      throw error;
    }
  });
}

interface FileVersion {
  id: string;
  version: number;
  checksum: string;
  storage_uri: string | null;
}

/** The same bytes under the same name again: counted on the version that has them, nothing else. */
function duplicateResult(file: FileRecord, same: FileVersion): RegistrationResult {
  return {
    outcome: "duplicate",
    fileId: Number(same.id),
    name: file.name,
    version: same.version,
    newVersion: false,
    fieldsNew: 0,
    fieldsUpdated: 0,
    fieldsUnchanged: 0,
    quarantined: 0,
    problems: [],
    storageUri: same.storage_uri,
    cycles: [],
  };
}

async function insertFile(
  client: pg.PoolClient,
  file: FileRecord,
  version: number,
  outcome: RegistrationResult["outcome"],
  fields: ReadonlyArray<{ baseTime: Date }>,
  quarantined: number,
): Promise<number> {
  const times = fields.map((f) => f.baseTime.getTime());
  const row = await client.query<{ id: string }>(
    `insert into ingest_file (name, version, size, checksum, state, source, storage_uri, name_info,
       message_count, quarantined, min_base_time, max_base_time, received_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning id`,
    [
      file.name,
      version,
      file.size,
      file.checksum,
      outcome,
      file.source,
      file.storageUri,
      file.nameInfo === null || file.nameInfo === undefined ? null : JSON.stringify(file.nameInfo),
      file.messageCount,
      quarantined,
      times.length ? new Date(Math.min(...times)) : null,
      times.length ? new Date(Math.max(...times)) : null,
      file.receivedAt,
    ],
  );
  return Number(row.rows[0]!.id);
}

/** New and updated fields, in all and per cycle, from the upsert's changes. */
function countChanges(changes: ReadonlyArray<{ cycleId: number; inserted: boolean }>, total: number) {
  let fieldsNew = 0;
  let fieldsUpdated = 0;
  const newByCycle = new Map<number, number>();
  const touched = new Set<number>();
  for (const change of changes) {
    touched.add(change.cycleId);
    if (change.inserted) {
      fieldsNew++;
      newByCycle.set(change.cycleId, (newByCycle.get(change.cycleId) ?? 0) + 1);
    } else fieldsUpdated++;
  }
  return {
    fieldsNew,
    fieldsUpdated,
    fieldsUnchanged: total - fieldsNew - fieldsUpdated,
    newByCycle,
    touched,
  };
}

function cycleKey(f: { producerId: number; baseTime: Date }): string {
  return `${f.producerId}|${f.baseTime.toISOString()}`;
}

async function upsertCycles(
  client: pg.PoolClient,
  fields: Array<{ producerId: number; baseTime: Date }>,
): Promise<Map<string, number>> {
  const distinct = new Map<string, { producerId: number; baseTime: Date }>();
  for (const f of fields) distinct.set(cycleKey(f), f);
  const ids = new Map<string, number>();
  for (const [key, c] of distinct) {
    const row = await client.query<{ id: string }>(
      `insert into cycle (producer_id, base_time, expected_fields, first_received_at, last_received_at)
       select $1, $2, p.expected_fields, now(), now() from producer p where p.id = $1
       on conflict (producer_id, base_time) do update set last_received_at = now()
       returning id`,
      [c.producerId, c.baseTime],
    );
    ids.set(key, Number(row.rows[0]!.id));
  }
  return ids;
}

interface FieldChange {
  inserted: boolean;
  cycleId: number;
}

/**
 * Two multi-row statements (unnest of column arrays) for all the fields: insert the new ones, then
 * update those already registered with another checksum; one with the same checksum is left as it is.
 */
async function upsertFields(
  client: pg.PoolClient,
  fields: ResolvedField[],
  fileId: number,
  receivedAt: Date,
): Promise<FieldChange[]> {
  if (fields.length === 0) return [];
  const col = <T>(pick: (f: ResolvedField) => T): T[] => fields.map(pick);
  const params = [
    col((f) => f.baseTime),
    col((f) => f.cycleId),
    col((f) => f.producerId),
    col((f) => f.paramId),
    col((f) => f.levelTypeId),
    col((f) => f.level),
    col((f) => f.startStep),
    col((f) => f.endStep),
    col((f) => f.stepRange),
    col((f) => f.stepType),
    col((f) => f.dataType),
    col((f) => f.member),
    col((f) => f.geometryId),
    col((f) => f.edition),
    col((f) => f.packingType),
    col((f) => f.storageUri),
    col((f) => f.offset),
    col((f) => f.length),
    col((f) => f.checksum),
    fileId,
    receivedAt,
  ];
  const rows = `unnest($1::timestamptz[], $2::bigint[], $3::int[], $4::int[], $5::int[], $6::float8[],
         $7::float8[], $8::float8[], $9::text[], $10::text[], $11::text[], $12::int[], $13::int[],
         $14::smallint[], $15::text[], $16::text[], $17::bigint[], $18::bigint[], $19::text[])
         as t(b, c, p, pa, lt, lv, ss, es, sr, st, dt, m, g, e, pt, u, o, l, h)`;
  const inserted = await client.query<{ cycle_id: string }>(
    `insert into field (base_time, cycle_id, producer_id, param_id, level_type_id, level_value, start_step,
       end_step, step_range, step_type, data_type, member, geometry_id, edition, packing_type, storage_uri,
       byte_offset, byte_length, checksum, ingest_file_id, received_at)
     select b, c, p, pa, lt, lv, ss, es, sr, st, dt, m, g, e, pt, u, o, l, decode(h, 'hex'), $20, $21 from ${rows}
     on conflict (base_time, producer_id, param_id, level_type_id, level_value, start_step, end_step,
       step_type, data_type, member, geometry_id) do nothing
     returning cycle_id`,
    params,
  );
  const updated =
    inserted.rowCount === fields.length
      ? { rows: [] as Array<{ cycle_id: string }> }
      : await client.query<{ cycle_id: string }>(
          `update field f set cycle_id = t.c, step_range = t.sr, edition = t.e, packing_type = t.pt,
             storage_uri = t.u, byte_offset = t.o, byte_length = t.l, checksum = decode(t.h, 'hex'),
             ingest_file_id = $20, received_at = $21
           from ${rows}
           where f.base_time = t.b and f.producer_id = t.p and f.param_id = t.pa and f.level_type_id = t.lt
             and f.level_value = t.lv and f.start_step = t.ss and f.end_step = t.es and f.step_type = t.st
             and f.data_type = t.dt and f.member is not distinct from t.m and f.geometry_id = t.g
             and f.checksum <> decode(t.h, 'hex') and f.ingest_file_id <> $20
           returning f.cycle_id`,
          params,
        );
  return [
    ...inserted.rows.map((r) => ({ inserted: true, cycleId: Number(r.cycle_id) })),
    ...updated.rows.map((r) => ({ inserted: false, cycleId: Number(r.cycle_id) })),
  ];
}

async function insertQuarantine(
  client: pg.PoolClient,
  fileId: number,
  file: FileRecord,
  quarantine: QuarantineRecord[],
): Promise<void> {
  if (quarantine.length === 0) return;
  await client.query(
    `insert into quarantine (ingest_file_id, file_name, storage_uri, code, reason, byte_offset, byte_length)
     select $1, $2, $3, c, r, o, l from unnest($4::text[], $5::text[], $6::bigint[], $7::bigint[]) as t(c, r, o, l)`,
    [
      fileId,
      file.name,
      file.storageUri,
      quarantine.map((q) => q.code),
      quarantine.map((q) => q.reason),
      quarantine.map((q) => q.offset),
      quarantine.map((q) => q.length),
    ],
  );
}

async function updateCycles(
  client: pg.PoolClient,
  cycleIds: Set<number>,
  newByCycle: Map<number, number>,
): Promise<CycleProgress[]> {
  const out: CycleProgress[] = [];
  for (const id of cycleIds) {
    const row = await client.query<{
      id: string;
      producer: string;
      base_time: Date;
      state: "receiving" | "complete";
      received_fields: number;
      expected_fields: number | null;
    }>(
      `update cycle c set received_fields = c.received_fields + $2, file_count = c.file_count + 1,
         last_received_at = now(),
         state = case when c.expected_fields is not null and c.received_fields + $2 >= c.expected_fields
                      then 'complete' else c.state end,
         completed_at = case when c.completed_at is null and c.expected_fields is not null
                              and c.received_fields + $2 >= c.expected_fields then now() else c.completed_at end
       from producer p where c.id = $1 and p.id = c.producer_id
       returning c.id, p.name as producer, c.base_time, c.state, c.received_fields, c.expected_fields`,
      [id, newByCycle.get(id) ?? 0],
    );
    const r = row.rows[0]!;
    out.push({
      cycleId: Number(r.id),
      producer: r.producer,
      baseTime: r.base_time,
      state: r.state,
      receivedFields: r.received_fields,
      expectedFields: r.expected_fields,
    });
  }
  return out;
}
