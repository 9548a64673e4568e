// One product job of a cycle: its inputs from the ProductData (the catalogue and the store, here or
// on the data role), the product computed, and each output file published there: stored, catalogued
// with its lineage, and delivered.
import { encodeProduct } from "../products/encode.ts";
import { runJob } from "../products/run.ts";
import { MessageIndex } from "../products/source.ts";
import { allLimit } from "../system/map-limit.ts";
import type { InputField, ProductData, PublishedFile } from "./product-data.ts";
import type { CycleProductSpec } from "./products.ts";

export interface ProductJobResult {
  files: PublishedFile[];
  inputs: InputField[];
  skipped: string[];
  /** Wall-clock seconds of each phase: finding and reading the inputs, computing, publishing. */
  seconds: { read: number; compute: number; store: number };
}

/**
 * A job's transfers to and from the data role that run at once. One at a time, a job waited a round
 * trip per input field and per output file, while the data role served others: most of a small job's
 * time. A few at once hide that wait without crowding the data role, which serves every node.
 */
const TRANSFERS_AT_ONCE = 4;

export async function runProductJob(
  data: ProductData,
  baseTime: Date,
  product: CycleProductSpec,
  step: number,
  job: string,
): Promise<ProductJobResult> {
  const t0 = performance.now();
  const inputs = await data.inputs(baseTime, product, step);
  const messages = await allLimit(inputs, TRANSFERS_AT_ONCE, (field) => data.read(field));
  // In the inputs' order: the first message for a key wins.
  const index = new MessageIndex();
  inputs.forEach((field, i) => {
    index.add(messages[i]!, field.offset);
  });
  const t1 = performance.now();
  const result = await runJob(index, product.config, baseTime, step, encodeProduct);
  const t2 = performance.now();
  const identity = { baseTime, product: product.name, step, job, inputs: inputs.map((f) => f.id) };
  const files: PublishedFile[] = await allLimit(result.files, TRANSFERS_AT_ONCE, (file) =>
    data.publish(file, identity),
  );
  return {
    files,
    inputs,
    seconds: { read: (t1 - t0) / 1000, compute: (t2 - t1) / 1000, store: (performance.now() - t2) / 1000 },
    skipped: result.skipped.map(
      (s) => `${s.plugin} ${s.levelType} ${s.level}: missing ${s.missing.join(", ")}`,
    ),
  };
}
