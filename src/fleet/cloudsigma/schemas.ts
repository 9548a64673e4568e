// CloudSigma API 2.0 responses, validated at the edge. Loose objects: the fields we use are checked,
// the rest is kept (a server definition is sent back whole on PUT).
import { z } from "zod";

/** A reference to another object: a URI string, or {uuid, resource_uri, …}. */
const reference = z.union([
  z.string(),
  z.looseObject({ uuid: z.string(), resource_uri: z.string().nullish(), name: z.string().nullish() }),
]);
export type Reference = z.infer<typeof reference>;

/** The uuid of a reference: the object's uuid, or the last path segment of its URI. */
export function referenceId(ref: Reference): string {
  if (typeof ref !== "string") return ref.uuid;
  const parts = ref.split("/").filter(Boolean);
  return parts[parts.length - 1] ?? ref;
}

export const listMeta = z.looseObject({
  limit: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  total_count: z.number().int().nonnegative(),
});

export function listOf<T extends z.ZodType>(item: T) {
  return z.looseObject({ meta: listMeta, objects: z.array(item) });
}

const meta = z.record(z.string(), z.unknown());

export const serverSchema = z.looseObject({
  uuid: z.string().min(1),
  name: z.string(),
  status: z.string(),
  meta: meta.nullish(),
  tags: z.array(reference).nullish(),
  jobs: z.array(reference).nullish(),
  cpu: z.number().nullish(),
  mem: z.number().nullish(),
  drives: z.array(z.looseObject({ drive: reference.nullish() })).nullish(),
  runtime: z
    .looseObject({
      nics: z.array(z.looseObject({ ip_v4: reference.nullish() })).nullish(),
    })
    .nullish(),
});
export type Server = z.infer<typeof serverSchema>;

export const driveSchema = z.looseObject({
  uuid: z.string().min(1),
  name: z.string(),
  status: z.string(),
  size: z.number().nullish(),
  meta: meta.nullish(),
  tags: z.array(reference).nullish(),
  mounted_on: z.array(reference).nullish(),
});
export type Drive = z.infer<typeof driveSchema>;

export const tagSchema = z.looseObject({
  uuid: z.string().min(1),
  name: z.string(),
  resources: z.array(reference).nullish(),
});
export type Tag = z.infer<typeof tagSchema>;

export const jobSchema = z.looseObject({
  uuid: z.string(),
  state: z.string(),
  operation: z.string().nullish(),
  data: z.looseObject({ progress: z.number().nullish() }).nullish(),
});

/** Actions (start, stop, shutdown) answer {action, result, uuid}. */
export const actionSchema = z.looseObject({ action: z.string().nullish(), result: z.string().nullish() });

const decimal = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = Number(v);
  if (!Number.isFinite(n)) {
    ctx.addIssue({ code: "custom", message: `expected a decimal number, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return n;
});

export const balanceSchema = z.looseObject({ balance: decimal, currency: z.string() });

export const priceSchema = z.looseObject({
  resource: z.string(),
  currency: z.string(),
  level: z.number().int(),
  price: decimal,
  unit: z.string().nullish(),
});
export const pricingSchema = z.looseObject({
  current: z.record(z.string(), z.number()).nullish(),
  meta: listMeta,
  objects: z.array(priceSchema),
});

export const vlanSchema = z.looseObject({
  uuid: z.string().min(1),
  meta: meta.nullish(),
  tags: z.array(reference).nullish(),
  servers: z.array(reference).nullish(),
  subscription: z.looseObject({ id: z.union([z.number(), z.string()]) }).nullish(),
});
export const ipSchema = z.looseObject({
  uuid: z.string().min(1),
  meta: meta.nullish(),
  tags: z.array(reference).nullish(),
  server: reference.nullish(),
  subscription: z.looseObject({ id: z.union([z.number(), z.string()]) }).nullish(),
});
export const subscriptionSchema = z.looseObject({
  id: z.union([z.number(), z.string()]).transform(String),
  resource: z.string(),
  status: z.string(),
  auto_renew: z.boolean().nullish(),
  amount: z.union([z.string(), z.number()]).nullish(),
  end_time: z.string().nullish(),
  subscribed_object: z.string().nullish(),
});

/** The error body: a JSON list of {error_point, error_type, error_message} (a single object is tolerated). */
const errorEntry = z.looseObject({
  error_point: z.string().nullish(),
  error_type: z.string().nullish(),
  error_message: z.string().nullish(),
});
export const errorBodySchema = z.union([z.array(errorEntry), errorEntry.transform((e) => [e])]);
