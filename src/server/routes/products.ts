// Products (fields cloudburst computed) over HTTP, beside the received fields of fields.ts:
//   GET /api/products?KEY=VALUE...&limit=N&after=ID   products, filtered as /api/fields is (producer, cycle,
//                                                    param, levelType, level, step), paged by id
//   GET /api/products/{id}/raster?width=N            the whole product on a lat/lon raster (raster.ts)
// The query lives here until the catalogue's query module lists products itself.
import type { FastifyPluginAsync } from "fastify";
import { type FieldFilter, FilterError, parseFieldFilter } from "../../catalogue/query.ts";
import { decodeMessage } from "../../grib/index.ts";
import { currentIngest } from "../../ingest/service.ts";
import { HttpError } from "../errors.ts";
import { rasterise, rasterQuery, sendRaster } from "./raster.ts";

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

/** The filter keys products have, and the column each one compares. */
const columns = {
  producer: "pr.name",
  cycle: "p.cycle_id",
  param: "pa.name",
  levelType: "lt.name",
  level: "p.level_value",
  step: "p.end_step",
} as const;
type ProductKey = keyof typeof columns;

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

/** SQL conditions for the filter's terms (each term: any of its values or ranges). */
function conditions(filter: FieldFilter, params: unknown[]): string[] {
  const add = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const out: string[] = [];
  for (const [key, term] of Object.entries(filter)) {
    if (!(key in columns))
      throw new FilterError(
        `products cannot be filtered by "${key}"; keys: ${Object.keys(columns).join(", ")}`,
      );
    const column = columns[key as ProductKey];
    const alternatives: string[] = [];
    if (term.kind === "text") alternatives.push(`${column} = any(${add(term.values)}::text[])`);
    else if (term.kind === "number") {
      if (term.values.length) alternatives.push(`${column} = any(${add(term.values)}::float8[])`);
      for (const [low, high] of term.ranges) {
        const bounds = [
          ...(low !== null ? [`${column} >= ${add(low)}`] : []),
          ...(high !== null ? [`${column} <= ${add(high)}`] : []),
        ];
        alternatives.push(`(${bounds.join(" and ")})`);
      }
    }
    out.push(`(${alternatives.join(" or ")})`);
  }
  return out;
}

const listQuery = {
  type: "object",
  properties: {
    limit: { type: "integer", minimum: 1, maximum: 10_000, default: 1000 },
    after: { type: "integer", minimum: 0 },
  },
} as const;

export const productRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: Record<string, string> & { limit: number; after?: number } }>(
    "/products",
    { schema: { querystring: listQuery } },
    async (request) => {
      const { limit, after, ...rest } = request.query;
      const params: unknown[] = [];
      let where: string[];
      try {
        where = conditions(parseFieldFilter(Object.entries(rest).map(([k, v]) => [k, String(v)])), params);
      } catch (error) {
        if (error instanceof FilterError) throw new HttpError(400, "bad_request", error.message);
        throw error;
      }
      if (after !== undefined) where.push(`p.id > $${params.push(after)}`);
      const result = await app.pool.query<ProductDbRow>(
        `${productSelect} ${where.length ? `where ${where.join(" and ")}` : ""}
          order by p.id limit $${params.push(limit)}`,
        params,
      );
      const products = result.rows.map(toProductRow);
      const last = products.at(-1);
      return { products, next: products.length === limit && last ? last.id : null };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { width: number } }>(
    "/products/:id/raster",
    { schema: { querystring: rasterQuery } },
    async (request, reply) => {
      const id = Number(request.params.id);
      if (!Number.isSafeInteger(id) || id <= 0)
        throw new HttpError(400, "bad_request", `"${request.params.id}" is not a product id`);
      const result = await app.pool.query<ProductDbRow>(`${productSelect} where p.id = $1`, [id]);
      const row = result.rows[0];
      if (!row)
        throw new HttpError(404, "not_found", `no product ${id}`, { hint: "GET /api/products lists them" });
      const product = toProductRow(row);
      const store = currentIngest()?.store;
      if (!store)
        throw new HttpError(503, "unavailable", "the store is not open in this server (ingest not started)");
      const bytes = await store.readBytes(product.storageUri, product.offset, product.length);
      const message = decodeMessage(bytes, { offset: product.offset });
      return sendRaster(reply, rasterise(message, product.param, request.query.width));
    },
  );
};
