// One product job of a cycle: read its inputs from the store through the catalogue, compute, write the
// output files into the store atomically (a re-run replaces them), and register every product field
// in the catalogue with the job that made it and the fields it came from (lineage).
import { createHash } from "node:crypto";
import type pg from "pg";
import { Dimensions } from "../catalogue/lookups.ts";
import { registerProduct } from "../catalogue/products.ts";
import type { FieldRow } from "../catalogue/query.ts";
import { decodeFields, isGribError, scanBuffer } from "../grib/index.ts";
import { fieldRecord } from "../ingest/records.ts";
import { encodeProduct } from "../products/encode.ts";
import { jobCandidateInputs } from "../products/jobs.ts";
import { runJob } from "../products/run.ts";
import { MessageIndex } from "../products/source.ts";
import type { LocalStore } from "../store/store.ts";
import { cycleFields, keyId } from "./inputs.ts";
import type { CycleProductSpec } from "./products.ts";

export interface ProductFile {
  name: string;
  /** Where the file is: a store URI and the local path it resolves to. */
  uri: string;
  path: string;
  bytes: number;
  /** Catalogue ids of the product fields in the file. */
  productIds: number[];
}

export interface ProductJobResult {
  files: ProductFile[];
  inputs: FieldRow[];
  skipped: string[];
  /** Wall-clock seconds of each phase: finding and reading the inputs, computing, storing and cataloguing. */
  seconds: { read: number; compute: number; store: number };
}

/** The store URI of a product file: products/<producer>/<yyyymmddhh>/<product>/<name>. */
export function productUri(producer: string, baseTime: Date, product: string, name: string): string {
  return `store:products/${producer}/${baseTime.toISOString().slice(0, 13).replace(/[-T:]/g, "")}/${product}/${name}`;
}

export async function runProductJob(
  pool: pg.Pool,
  store: LocalStore,
  producer: string,
  baseTime: Date,
  product: CycleProductSpec,
  step: number,
  jobId: string,
): Promise<ProductJobResult> {
  const t0 = performance.now();
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
  const t1 = performance.now();
  const result = await runJob(index, product.config, baseTime, step, encodeProduct);
  const t2 = performance.now();
  const lineage = inputs.map((f) => ({ kind: "field" as const, id: f.id }));
  const dimensions = new Dimensions();
  const files: ProductFile[] = [];
  for (const file of result.files) {
    const uri = productUri(producer, baseTime, product.name, file.name);
    // Written aside and renamed by the store: a reader never sees half a product, a re-run replaces it.
    await store.write(uri, file.bytes);
    const productIds: number[] = [];
    for (const message of scanBuffer(file.bytes)) {
      if (isGribError(message))
        throw new Error(`${product.name} wrote an unreadable message: ${message.message}`);
      for (const decoded of decodeFields(message.bytes)) {
        const where = {
          producer,
          storageUri: uri,
          offset: message.offset,
          length: message.length,
          checksum: sha256(message.bytes),
        };
        productIds.push(
          await registerProduct(pool, dimensions, {
            ...fieldRecord(decoded.metadata, where),
            jobId,
            inputs: lineage,
          }),
        );
      }
    }
    files.push({ name: file.name, uri, path: store.path(uri), bytes: file.bytes.length, productIds });
  }
  return {
    files,
    inputs,
    seconds: { read: (t1 - t0) / 1000, compute: (t2 - t1) / 1000, store: (performance.now() - t2) / 1000 },
    skipped: result.skipped.map(
      (s) => `${s.plugin} ${s.levelType} ${s.level}: missing ${s.missing.join(", ")}`,
    ),
  };
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
