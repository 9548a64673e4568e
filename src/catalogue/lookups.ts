// Small dimension tables (producer, parameter, level type, geometry): get-or-create by natural key,
// cached per process because a file of thousands of fields has only a handful of distinct values.
import { createHash } from "node:crypto";
import type pg from "pg";
import type { GeometryRecord, ParameterRecord } from "./types.ts";

type Queryable = Pick<pg.Pool, "query">;

export class Dimensions {
  readonly #producers = new Map<string, number>();
  readonly #parameters = new Map<string, number>();
  readonly #levelTypes = new Map<string, number>();
  readonly #geometries = new Map<string, number>();

  async producer(db: Queryable, name: string): Promise<number> {
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

  async parameter(db: Queryable, param: ParameterRecord): Promise<number> {
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

  async levelType(db: Queryable, name: string): Promise<number> {
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

  async geometry(db: Queryable, geometry: GeometryRecord): Promise<number> {
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

const hashes = new WeakMap<GeometryRecord, string>();

/** SHA-256 of the canonical definition (remembered per record: a field's is asked for more than once). */
export function geometryHash(geometry: GeometryRecord): string {
  let hash = hashes.get(geometry);
  if (hash === undefined) {
    hash = createHash("sha256")
      .update(JSON.stringify(canonical({ gridType: geometry.gridType, ...geometry.definition })))
      .digest("hex");
    hashes.set(geometry, hash);
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

async function cached(map: Map<string, number>, key: string, load: () => Promise<number>): Promise<number> {
  const hit = map.get(key);
  if (hit !== undefined) return hit;
  const id = await load();
  map.set(key, id);
  return id;
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
