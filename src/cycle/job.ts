// One product job of a cycle: read its inputs from the store through the catalogue, compute, write the
// output files atomically (a re-run replaces them), and return what was made from what.
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type pg from "pg";
import type { FieldRow } from "../catalogue/query.ts";
import { encodeProduct } from "../products/encode.ts";
import { jobCandidateInputs } from "../products/jobs.ts";
import { runJob } from "../products/run.ts";
import { MessageIndex } from "../products/source.ts";
import type { LocalStore } from "../store/store.ts";
import { cycleFields, keyId } from "./inputs.ts";
import type { CycleProductSpec } from "./products.ts";

export interface ProductFile {
  name: string;
  path: string;
  bytes: number;
}

export interface ProductJobResult {
  files: ProductFile[];
  inputs: FieldRow[];
  skipped: string[];
}

/** Where a cycle's products are written: one directory per cycle and product. */
export function productDir(outputRoot: string, baseTime: Date, product: string): string {
  return join(outputRoot, baseTime.toISOString().slice(0, 13).replace(/[-T:]/g, ""), product);
}

export async function runProductJob(
  pool: pg.Pool,
  store: LocalStore,
  producer: string,
  baseTime: Date,
  product: CycleProductSpec,
  step: number,
  outputRoot: string,
): Promise<ProductJobResult> {
  const wanted = jobCandidateInputs(product.config, baseTime, step);
  const fields = await cycleFields(
    pool,
    producer,
    baseTime,
    wanted.map((k) => k.step),
  );
  const inputs = [...new Set(wanted.map(keyId))].flatMap((id) => fields.get(id) ?? []);
  const index = new MessageIndex();
  for (const field of inputs)
    index.add(await store.readBytes(field.storageUri, field.offset, field.length), field.offset);
  const result = await runJob(index, product.config, baseTime, step, encodeProduct);
  const dir = productDir(outputRoot, baseTime, product.name);
  await mkdir(dir, { recursive: true });
  const files: ProductFile[] = [];
  for (const file of result.files) {
    const path = join(dir, file.name);
    // Written aside and renamed: a reader never sees half a product, a re-run replaces it whole.
    await writeFile(`${path}.part`, file.bytes);
    await rename(`${path}.part`, path);
    files.push({ name: file.name, path, bytes: file.bytes.length });
  }
  return {
    files,
    inputs,
    skipped: result.skipped.map(
      (s) => `${s.plugin} ${s.levelType} ${s.level}: missing ${s.missing.join(", ")}`,
    ),
  };
}
