// A product job's data where the catalogue and the store are: the data role's own, and what it serves
// compute nodes over the worker protocol. Inputs come from the catalogue and the store; a product file
// is written into the store atomically (a re-run replaces it), each of its fields registered with the
// job and the fields it came from (lineage), then queued for delivery and delivered at once.
import { createHash } from "node:crypto";
import { basename, posix } from "node:path";
import type pg from "pg";
import { Dimensions } from "../catalogue/lookups.ts";
import { registerProduct } from "../catalogue/products.ts";
import { deliver, deliveryItem } from "../delivery/deliver.ts";
import { deliverCycle, deliveryStates, queueDeliveries } from "../delivery/ledger.ts";
import { destinationFromUrl } from "../delivery/url.ts";
import { decodeFields, isGribError, scanBuffer } from "../grib/index.ts";
import { fieldRecord } from "../ingest/records.ts";
import { jobCandidateInputs } from "../products/jobs.ts";
import type { LocalStore } from "../store/store.ts";
import type { CycleConfig } from "./config.ts";
import { cycleFields, keyId } from "./inputs.ts";
import { cycleKey } from "./names.ts";
import type {
  InputField,
  ProductData,
  ProductFile,
  ProductJobIdentity,
  PublishedFile,
} from "./product-data.ts";

/** The store URI of a product file: products/<producer>/<yyyymmddhh>/<product>/<name>. */
export function productUri(producer: string, baseTime: Date, product: string, name: string): string {
  return `store:products/${producer}/${baseTime.toISOString().slice(0, 13).replace(/[-T:]/g, "")}/${product}/${name}`;
}

export class LocalProductData implements ProductData {
  readonly #pool: pg.Pool;
  readonly #store: LocalStore;
  readonly #settings: Pick<CycleConfig, "producer" | "destination">;
  /** The catalogue's dimension rows, looked up once per process. */
  readonly #dimensions = new Dimensions();
  /** Where each input field is stored, by id (a read names the field only). */
  readonly #locations = new Map<number, string>();

  constructor(
    db: { pool: pg.Pool },
    store: LocalStore,
    settings: Pick<CycleConfig, "producer" | "destination">,
  ) {
    this.#pool = db.pool;
    this.#store = store;
    this.#settings = settings;
  }

  async inputs(
    baseTime: Date,
    product: Parameters<ProductData["inputs"]>[1],
    step: number,
  ): Promise<InputField[]> {
    const wanted = jobCandidateInputs(product.config, baseTime, step);
    const fields = await cycleFields(
      this.#pool,
      this.#settings.producer,
      baseTime,
      wanted.map((k) => k.step),
    );
    const rows = [...new Set(wanted.map(keyId))].flatMap((id) => fields.get(id) ?? []);
    for (const row of rows) this.#locations.set(row.id, row.storageUri);
    return rows.map((r) => ({
      id: r.id,
      param: r.param,
      levelType: r.levelType,
      level: r.level,
      stepRange: r.stepRange,
      offset: r.offset,
      length: r.length,
      checksum: r.checksum,
    }));
  }

  /** The field's message from the store; a field asked for by id alone is looked up in the catalogue. */
  async read(field: InputField): Promise<Uint8Array> {
    const uri = this.#locations.get(field.id) ?? (await this.#locate(field.id));
    return this.#store.readBytes(uri, field.offset, field.length);
  }

  async #locate(id: number): Promise<string> {
    const result = await this.#pool.query<{ storage_uri: string }>(
      "select storage_uri from field where id = $1",
      [id],
    );
    const uri = result.rows[0]?.storage_uri;
    if (!uri) throw new Error(`no field ${id} in the catalogue`);
    return uri;
  }

  async publish(file: ProductFile, job: ProductJobIdentity): Promise<PublishedFile> {
    const { producer } = this.#settings;
    const uri = productUri(producer, job.baseTime, job.product, file.name);
    // Written aside and renamed by the store: a reader never sees half a product, a re-run replaces it.
    await this.#store.write(uri, file.bytes);
    const productIds = await this.#register(uri, file.bytes, job);
    const delivery = await this.#deliver(this.#store.path(uri), job);
    return { name: file.name, uri, bytes: file.bytes.length, productIds, delivery };
  }

  async #register(uri: string, bytes: Uint8Array, job: ProductJobIdentity): Promise<number[]> {
    const lineage = job.inputs.map((id) => ({ kind: "field" as const, id }));
    const ids: number[] = [];
    for (const message of scanBuffer(bytes)) {
      if (isGribError(message))
        throw new Error(`${job.product} wrote an unreadable message: ${message.message}`);
      for (const decoded of decodeFields(message.bytes)) {
        const where = {
          producer: this.#settings.producer,
          storageUri: uri,
          offset: message.offset,
          length: message.length,
          checksum: createHash("sha256").update(message.bytes).digest("hex"),
        };
        ids.push(
          await registerProduct(this.#pool, this.#dimensions, {
            ...fieldRecord(decoded.metadata, where),
            jobId: job.job,
            inputs: lineage,
          }),
        );
      }
    }
    return ids;
  }

  /** Products go out as soon as they exist; the cycle's deliver task confirms the lot and retries failures. */
  async #deliver(path: string, job: ProductJobIdentity): Promise<PublishedFile["delivery"]> {
    const destination = destinationFromUrl(this.#settings.destination);
    const key = cycleKey(this.#settings.producer, job.baseTime);
    try {
      const item = await deliveryItem(path, posix.join(key.replace("/", "_"), job.product, basename(path)));
      await queueDeliveries(this.#pool, key, destination.label, [item], job.step);
      await deliverCycle(this.#pool, key, destination.label, (queued) => deliver(destination, queued), {
        names: [item.name],
      });
      return (
        (await deliveryStates(this.#pool, key, destination.label, [item.name])).get(item.name) ?? "pending"
      );
    } finally {
      await destination.close();
    }
  }
}
