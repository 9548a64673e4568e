// Small dimension tables (producer, parameter, level type, geometry): get-or-create by natural key,
// cached by whoever registers (the ingest pipeline, a product job) because a file of thousands of fields
// has only a handful of distinct values; the day partitions known to exist are cached with them.
import { createHash } from "node:crypto";
import type pg from "pg";
import { ensurePartitions } from "./partitions.ts";
import type { GeometryRecord, ParameterRecord } from "./types.ts";

type Queryable = Pick<pg.Pool, "query">;

export class Dimensions {
  readonly #producers = new Map<string, number>();
  readonly #parameters = new Map<string, number>();
  readonly #levelTypes = new Map<string, number>();
  readonly #geometries = new Map<string, number>();
  /** Days whose partitions exist, as far as this cache knows (another process may drop them). */
  readonly #partitionDays = new Set<string>();

  /**
   * Runs `work` once the partitions holding `times` exist. If another process dropped one this cache
   * remembered (23514: no partition for a row), it forgets what it knew and tries once more.
   */
  async inPartitions<T>(db: Queryable, times: readonly Date[], work: () => Promise<T>): Promise<T> {
    await ensurePartitions(db, times, this.#partitionDays);
    try {
      return await work();
    } catch (error) {
      if ((error as { code?: string }).code !== "23514") throw error;
      this.#partitionDays.clear();
      await ensurePartitions(db, times, this.#partitionDays);
      return work();
    }
  }

  producer(db: Queryable, name: string): number | Promise<number> {
    return cached(this.#producers, name, () =>
      getOrCreate(
        db,
        "insert into producer (name) values ($1) on conflict (name) do nothing returning id",
        [name],
        "producer",
        name,
      ),
    );
  }

  parameter(db: Queryable, param: ParameterRecord): number | Promise<number> {
    return cached(this.#parameters, param.name, () =>
      getOrCreate(
        db,
        `insert into parameter (name, param_id, long_name, units) values ($1, $2, $3, $4)
         on conflict (name) do nothing returning id`,
        [param.name, param.paramId, param.longName, param.units],
        "parameter",
        param.name,
      ),
    );
  }

  levelType(db: Queryable, name: string): number | Promise<number> {
    return cached(this.#levelTypes, name, () =>
      getOrCreate(
        db,
        "insert into level_type (name) values ($1) on conflict (name) do nothing returning id",
        [name],
        "level_type",
        name,
      ),
    );
  }

  geometry(db: Queryable, geometry: GeometryRecord): number | Promise<number> {
    const hash = geometryHash(geometry);
    return cached(this.#geometries, hash, () =>
      getOrCreate(
        db,
        `insert into geometry (name, grid_type, definition, hash) values ($1, $2, $3, $4)
         on conflict (hash) do nothing returning id`,
        [
          geometryName(geometry, hash),
          geometry.gridType,
          JSON.stringify(canonical(geometry.definition)),
          hash,
        ],
        "geometry",
        hash,
      ),
    );
  }
}

/** Hashes of recent definitions, by their JSON as given: a file's fields share a few grids. */
const recentHashes = new Map<string, string>();
const RECENT_HASHES = 64;

/** SHA-256 of the canonical definition. */
export function geometryHash(geometry: GeometryRecord): string {
  const given = JSON.stringify([geometry.gridType, geometry.definition]);
  let hash = recentHashes.get(given);
  if (hash === undefined) {
    hash = createHash("sha256")
      .update(JSON.stringify(canonical({ gridType: geometry.gridType, ...geometry.definition })))
      .digest("hex");
    if (recentHashes.size >= RECENT_HASHES) recentHashes.delete(recentHashes.keys().next().value!);
    recentHashes.set(given, hash);
  }
  return hash;
}

/** A readable, unique name: grid type, dimensions and a short hash, e.g. "regular_ll-1440x721-3fa2c1d0". */
function geometryName(geometry: GeometryRecord, hash: string): string {
  const d = geometry.definition;
  const x = d["Ni"] ?? d["Nx"] ?? (d["pl"] ? `N${d["N"] ?? ""}` : undefined);
  const y = d["Nj"] ?? d["Ny"];
  const dims = x !== undefined && x !== null ? `-${x}${y !== undefined && y !== null ? `x${y}` : ""}` : "";
  return `${geometry.gridType}${dims}-${hash.slice(0, 8)}`;
}

/** Sorted keys, so equal definitions serialise (and hash) equally. */
function canonical(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort()
      .map((key) => [key, value[key]]),
  );
}

/** The cached id (no wait, as thousands of fields ask), or its loading. */
function cached(
  map: Map<string, number>,
  key: string,
  load: () => Promise<number>,
): number | Promise<number> {
  const hit = map.get(key);
  if (hit !== undefined) return hit;
  return load().then((id) => {
    map.set(key, id);
    return id;
  });
}

async function getOrCreate(
  db: Queryable,
  insert: string,
  params: unknown[],
  table: "producer" | "parameter" | "level_type" | "geometry",
  key: string,
): Promise<number> {
  const inserted = await db.query<{ id: number }>(insert, params);
  if (inserted.rows[0]) return Number(inserted.rows[0].id);
  const column = table === "geometry" ? "hash" : "name";
  const found = await db.query<{ id: number }>(`select id from ${table} where ${column} = $1`, [key]);
  if (!found.rows[0]) throw new Error(`could not create or find the ${table} row "${key}"`);
  return Number(found.rows[0].id);
}
