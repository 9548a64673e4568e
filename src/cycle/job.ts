// One product job of a cycle: its inputs from the ProductData (the catalogue and the store, here or
// on the data role), the product computed, and each output file published there: stored, catalogued
// with its lineage, and delivered.
import { encodeProduct } from "../products/encode.ts";
import { runJob } from "../products/run.ts";
import { MessageIndex } from "../products/source.ts";
import type { InputField, ProductData, PublishedFile } from "./product-data.ts";
import type { CycleProductSpec } from "./products.ts";

export interface ProductJobResult {
  files: PublishedFile[];
  inputs: InputField[];
  skipped: string[];
  /** Wall-clock seconds of each phase: finding and reading the inputs, computing, publishing. */
  seconds: { read: number; compute: number; store: number };
}

export async function runProductJob(
  data: ProductData,
  baseTime: Date,
  product: CycleProductSpec,
  step: number,
  job: string,
): Promise<ProductJobResult> {
  const t0 = performance.now();
  const inputs = await data.inputs(baseTime, product, step);
  const index = new MessageIndex();
  for (const field of inputs) index.add(await data.read(field), field.offset);
  const t1 = performance.now();
  const result = await runJob(index, product.config, baseTime, step, encodeProduct);
  const t2 = performance.now();
  const files: PublishedFile[] = [];
  const identity = { baseTime, product: product.name, step, job, inputs: inputs.map((f) => f.id) };
  for (const file of result.files) files.push(await data.publish(file, identity));
  return {
    files,
    inputs,
    seconds: { read: (t1 - t0) / 1000, compute: (t2 - t1) / 1000, store: (performance.now() - t2) / 1000 },
    skipped: result.skipped.map(
      (s) => `${s.plugin} ${s.levelType} ${s.level}: missing ${s.missing.join(", ")}`,
    ),
  };
}
