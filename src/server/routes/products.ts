// Products (fields cloudburst computed) over HTTP, beside the received fields of fields.ts:
//   GET /api/products?KEY=VALUE...&limit=N&after=ID   products, filtered as /api/fields is (producer, cycle,
//                                                    param, levelType, level, step), paged by id
//   GET /api/products/{id}/raster?width=N            the whole product on a lat/lon raster (raster.ts)
import type { FastifyPluginAsync } from "fastify";
import { getProduct, listProducts } from "../../catalogue/products.ts";
import { FilterError, parseFieldFilter } from "../../catalogue/query.ts";
import { decodeMessage } from "../../grib/index.ts";
import { HttpError } from "../errors.ts";
import { type ApiServices, required } from "../services.ts";
import { rasterise, rasterQuery, sendRaster } from "./raster.ts";

const listQuery = {
  type: "object",
  properties: {
    limit: { type: "integer", minimum: 1, maximum: 10_000, default: 1000 },
    after: { type: "integer", minimum: 0 },
  },
} as const;

export const productRoutes: FastifyPluginAsync<ApiServices> = async (app, services) => {
  app.get<{ Querystring: Record<string, string> & { limit: number; after?: number } }>(
    "/products",
    { schema: { querystring: listQuery } },
    async (request) => {
      const { limit, after, ...rest } = request.query;
      let products: Awaited<ReturnType<typeof listProducts>>;
      try {
        const filter = parseFieldFilter(Object.entries(rest).map(([k, v]) => [k, String(v)]));
        products = await listProducts(app.pool, filter, { limit, ...(after !== undefined ? { after } : {}) });
      } catch (error) {
        if (error instanceof FilterError) throw new HttpError(400, "bad_request", error.message);
        throw error;
      }
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
      const product = await getProduct(app.pool, id);
      if (!product)
        throw new HttpError(404, "not_found", `no product ${id}`, { hint: "GET /api/products lists them" });
      const store = required(services.store, "the store", "data");
      const bytes = await store.readBytes(product.storageUri, product.offset, product.length);
      const message = decodeMessage(bytes, { offset: product.offset });
      return sendRaster(reply, rasterise(message, product.param, request.query.width));
    },
  );
};
