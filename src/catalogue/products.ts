// Products: fields cloudburst computed, registered with the job that made them and their inputs
// (lineage). Same identity as a field; a product computed again (a rerun) replaces its row and lineage.
import type pg from "pg";
import { inTransaction } from "../db/transaction.ts";
import type { Dimensions } from "./lookups.ts";
import {
  afterInStepOrder,
  type FieldFilter,
  type FilterColumns,
  type Page,
  stepOrder,
  whereClause,
} from "./query.ts";
import type { FieldRecord } from "./types.ts";

export interface ProductRecord extends FieldRecord {
  /** The job (queue job id or flow task path and try) that computed it. */
  jobId: string;
  /** Catalogue ids of the fields and products it was computed from. */
  inputs: Array<{ kind: "field" | "product"; id: number }>;
}

/** Registers one product and its lineage in one transaction; returns its id. */
export async function registerProduct(
  pool: pg.Pool,
  dimensions: Dimensions,
  product: ProductRecord,
): Promise<number> {
  const producerId = await dimensions.producer(pool, product.producer);
  const paramId = await dimensions.parameter(pool, product.param);
  const levelTypeId = await dimensions.levelType(pool, product.levelType);
  const geometryId = await dimensions.geometry(pool, product.geometry);
  return dimensions.inPartitions(pool, [product.baseTime], () =>
    insertProduct(pool, product, { producerId, paramId, levelTypeId, geometryId }),
  );
}

async function insertProduct(
  pool: pg.Pool,
  product: ProductRecord,
  ids: { producerId: number; paramId: number; levelTypeId: number; geometryId: number },
): Promise<number> {
  const { producerId, paramId, levelTypeId, geometryId } = ids;
  return inTransaction(pool, async (client) => {
    const cycle = await client.query<{ id: string }>(
      `insert into cycle (producer_id, base_time, expected_fields) select $1, $2, expected_fields from producer where id = $1
       on conflict (producer_id, base_time) do update set producer_id = excluded.producer_id returning id`,
      [producerId, product.baseTime],
    );
    const row = await client.query<{ id: string }>(
      `insert into product (base_time, cycle_id, producer_id, param_id, level_type_id, level_value, start_step, end_step,
         step_range, step_type, data_type, member, geometry_id, edition, packing_type, storage_uri, byte_offset,
         byte_length, checksum, job_id)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, decode($19, 'hex'), $20)
       on conflict (base_time, producer_id, param_id, level_type_id, level_value, start_step, end_step, step_type,
         data_type, member, geometry_id)
       do update set cycle_id = excluded.cycle_id, step_range = excluded.step_range, edition = excluded.edition,
         packing_type = excluded.packing_type, storage_uri = excluded.storage_uri, byte_offset = excluded.byte_offset,
         byte_length = excluded.byte_length, checksum = excluded.checksum, job_id = excluded.job_id, created_at = now()
       returning id`,
      [
        product.baseTime,
        cycle.rows[0]!.id,
        producerId,
        paramId,
        levelTypeId,
        product.level,
        product.startStep,
        product.endStep,
        product.stepRange,
        product.stepType,
        product.dataType,
        product.member,
        geometryId,
        product.edition,
        product.packingType,
        product.storageUri,
        product.offset,
        product.length,
        product.checksum,
        product.jobId,
      ],
    );
    const id = Number(row.rows[0]!.id);
    await client.query("delete from product_input where base_time = $1 and product_id = $2", [
      product.baseTime,
      id,
    ]);
    if (product.inputs.length > 0) {
      await client.query(
        `insert into product_input (base_time, product_id, input_kind, input_id)
         select $1, $2, k, i from unnest($3::text[], $4::bigint[]) as t(k, i) on conflict do nothing`,
        [product.baseTime, id, product.inputs.map((i) => i.kind), product.inputs.map((i) => i.id)],
      );
    }
    return id;
  });
}

export interface ProductLineage {
  id: number;
  jobId: string;
  inputs: Array<{ kind: "field" | "product"; id: number }>;
}

export async function productLineage(db: Pick<pg.Pool, "query">, id: number): Promise<ProductLineage | null> {
  const product = await db.query<{ id: string; job_id: string; base_time: Date }>(
    "select id, job_id, base_time from product where id = $1",
    [id],
  );
  const row = product.rows[0];
  if (!row) return null;
  const inputs = await db.query<{ input_kind: "field" | "product"; input_id: string }>(
    "select input_kind, input_id from product_input where base_time = $1 and product_id = $2 order by input_kind, input_id",
    [row.base_time, id],
  );
  return {
    id: Number(row.id),
    jobId: row.job_id,
    inputs: inputs.rows.map((r) => ({ kind: r.input_kind, id: Number(r.input_id) })),
  };
}

export interface ProductRow {
  id: number;
  producer: string;
  baseTime: string;
  cycleId: number;
  param: string;
  levelType: string;
  level: number;
  step: number;
  stepRange: string;
  packingType: string;
  jobId: string;
  createdAt: string;
  storageUri: string;
  offset: number;
  length: number;
}

/** What products can be filtered by (as fields are: `parseFieldFilter`). */
const productColumns: FilterColumns = {
  id: "p.id",
  producer: "pr.name",
  base: "p.base_time",
  cycle: "p.cycle_id",
  param: "pa.name",
  levelType: "lt.name",
  level: "p.level_value",
  step: "p.end_step",
  stepRange: "p.step_range",
};

const productSelect = `
  select p.id, pr.name as producer, p.base_time, p.cycle_id, pa.name as param, lt.name as level_type,
         p.level_value, p.end_step, p.step_range, p.packing_type, p.job_id, p.created_at, p.storage_uri,
         p.byte_offset, p.byte_length
    from product p
    join producer pr on pr.id = p.producer_id
    join parameter pa on pa.id = p.param_id
    join level_type lt on lt.id = p.level_type_id`;

interface ProductDbRow {
  id: string;
  producer: string;
  base_time: Date;
  cycle_id: string;
  param: string;
  level_type: string;
  level_value: number;
  end_step: number;
  step_range: string;
  packing_type: string;
  job_id: string;
  created_at: Date;
  storage_uri: string;
  byte_offset: string;
  byte_length: string;
}

function toProductRow(r: ProductDbRow): ProductRow {
  return {
    id: Number(r.id),
    producer: r.producer,
    baseTime: r.base_time.toISOString(),
    cycleId: Number(r.cycle_id),
    param: r.param,
    levelType: r.level_type,
    level: r.level_value,
    step: r.end_step,
    stepRange: r.step_range,
    packingType: r.packing_type,
    jobId: r.job_id,
    createdAt: r.created_at.toISOString(),
    storageUri: r.storage_uri,
    offset: Number(r.byte_offset),
    length: Number(r.byte_length),
  };
}

/** Products matching `filter`, in step order (a FilterError names a key products do not have). */
export async function listProducts(
  db: Pick<pg.Pool, "query">,
  filter: FieldFilter,
  page: Page = {},
): Promise<ProductRow[]> {
  const params: unknown[] = [];
  let where = whereClause(filter, params, productColumns);
  if (page.after !== undefined)
    where = `${where ? `${where} and` : "where"} ${afterInStepOrder("p", "product", params.push(page.after))}`;
  const limit = Math.min(Math.max(page.limit ?? 1000, 1), 100_000);
  const result = await db.query<ProductDbRow>(
    `${productSelect} ${where} order by ${stepOrder("p")} limit $${params.push(limit)}`,
    params,
  );
  return result.rows.map(toProductRow);
}

export async function getProduct(db: Pick<pg.Pool, "query">, id: number): Promise<ProductRow | null> {
  const result = await db.query<ProductDbRow>(`${productSelect} where p.id = $1`, [id]);
  return result.rows[0] ? toProductRow(result.rows[0]) : null;
}
