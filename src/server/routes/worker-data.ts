// /api/worker/...: the product jobs' data calls of the worker protocol (cycle/data-protocol.ts), served
// by the data role: the cycle's product definitions, a job's input fields and their messages (byte
// ranges allowed), and the upload of what a job made (stored, catalogued with its lineage, delivered).
import type { z } from "zod";
import { dataCalls, publishAnswer, publishQuery } from "../../cycle/data-protocol.ts";
import { findProduct, productSource } from "../../cycle/products.ts";
import { HttpError } from "../errors.ts";
import { type ApiServices, required } from "../services.ts";
import { useZodSchemas, type ZodPlugin, type ZodTypeProvider } from "../zod.ts";
import { fieldOrFail, sendField } from "./fields.ts";
import { refuseOtherReleases } from "./worker.ts";

/** The largest product file a node may upload. */
const maxProductBytes = 4 * 1024 ** 3;
const productName = /^[A-Za-z0-9_+,=-][A-Za-z0-9._+,=-]{0,199}$/;

function schema<Request extends z.ZodType, Answer extends z.ZodType>(call: {
  request: Request;
  answer: Answer;
}) {
  return { body: call.request, response: { 200: call.answer } };
}

export const workerDataRoutes: ZodPlugin<ApiServices> = async (app, services) => {
  useZodSchemas(app);
  refuseOtherReleases(app, services.version);
  const cycle = () => required(services.cycle, "the cycle's product data", "data");

  app.post("/worker/products", { schema: schema(dataCalls.products) }, async () => ({
    products: cycle().products.map(productSource),
  }));

  app.post("/worker/inputs", { schema: schema(dataCalls.inputs) }, async (request) => {
    const { products, productData } = cycle();
    const product = findProduct(products, request.body.product);
    return { fields: await productData.inputs(new Date(request.body.baseTime), product, request.body.step) };
  });

  app.get("/worker/fields/:id", async (request, reply) => {
    const field = await fieldOrFail(app.pool, (request.params as { id: string }).id);
    return sendField(reply, required(services.store, "the store", "data"), field, request.headers.range);
  });

  await app.register(async (upload) => {
    // A product file is GRIB, taken whole (it is stored and scanned as one buffer).
    upload.removeAllContentTypeParsers();
    upload.addContentTypeParser(
      "*",
      { parseAs: "buffer", bodyLimit: maxProductBytes },
      (_request, body, done) => done(null, body),
    );
    upload.withTypeProvider<ZodTypeProvider>().put(
      "/worker/products/:name",
      {
        schema: { querystring: publishQuery, response: { 200: publishAnswer } },
        bodyLimit: maxProductBytes,
      },
      async (request) => {
        const name = (request.params as { name: string }).name;
        if (!productName.test(name))
          throw new HttpError(
            400,
            "bad_request",
            `"${name}" is not a product file name: letters, digits and ._+,=- only`,
          );
        if (!Buffer.isBuffer(request.body) || request.body.length === 0)
          throw new HttpError(400, "bad_request", "the product file is the request's body, and it is empty");
        const { baseTime, ...job } = request.query;
        findProduct(cycle().products, job.product);
        return cycle().productData.publish(
          { name, bytes: new Uint8Array(request.body) },
          { ...job, baseTime: new Date(baseTime) },
        );
      },
    );
  });
};
