// The product jobs' part of the worker protocol: what a compute node asks the data role for (the
// cycle's product definitions, a job's input fields) and where it puts what it made. Two calls carry
// bytes instead of JSON: GET /api/worker/fields/:id (a field's message; byte ranges allowed) and
// PUT /api/worker/products/:name (a product file, its job in the query).
import { z } from "zod";
import type { InputField, PublishedFile } from "./product-data.ts";

/** The cycle's product definitions as the data role has them, so that nodes run the very same. */
export const productsRequest = z.strictObject({});
export const productsAnswer = z.strictObject({
  products: z.array(
    z.strictObject({
      name: z.string().min(1),
      /** The definition's file name (its extension says himan JSON or YAML) and text. */
      fileName: z.string().min(1),
      text: z.string(),
      steps: z.array(z.number()),
    }),
  ),
});

const isoTime = z.iso.datetime({ offset: true });
export const inputsRequest = z.strictObject({
  baseTime: isoTime,
  product: z.string().min(1),
  step: z.number().min(0),
});
const inputField = z.strictObject({
  id: z.number().int().positive(),
  param: z.string(),
  levelType: z.string(),
  level: z.number(),
  stepRange: z.string(),
  offset: z.number().int().min(0),
  length: z.number().int().positive(),
  checksum: z.string().regex(/^[0-9a-f]{64}$/),
}) satisfies z.ZodType<InputField>;
export const inputsAnswer = z.strictObject({ fields: z.array(inputField) });

/** The query of a product upload (PUT /api/worker/products/:name, the file as the body). */
export const publishQuery = z.strictObject({
  baseTime: isoTime,
  product: z.string().min(1),
  step: z.coerce.number().min(0),
  job: z.string().min(1).max(2000),
  /** The input fields' ids, comma-separated (lineage). */
  inputs: z
    .string()
    .regex(/^(\d+(,\d+)*)?$/)
    .transform((t) => (t ? t.split(",").map(Number) : [])),
});
export const publishAnswer = z.strictObject({
  name: z.string(),
  uri: z.string(),
  bytes: z.number().int(),
  productIds: z.array(z.number().int()),
  delivery: z.enum(["delivered", "failed", "pending"]),
}) satisfies z.ZodType<PublishedFile>;

/** The data calls that take and give JSON: the path below /api/worker/, the request and the answer. */
export const dataCalls = {
  products: { request: productsRequest, answer: productsAnswer },
  inputs: { request: inputsRequest, answer: inputsAnswer },
} as const;
