// A product job's data on a compute node: the data role, over the worker protocol. Input messages are
// fetched by field (HTTP, over TLS when the server has it), checked against the catalogue's checksum,
// and kept in a bounded cache, since a step's products share their inputs; every call is retried with
// backoff while the data role cannot be reached or restarts. Publishing is idempotent on the data role
// (the same file replaces itself, its catalogue rows are upserted), so a retried upload is made once.
import { createHash } from "node:crypto";
import { type RetryPolicy, withBackoff } from "../system/backoff.ts";
import {
  type OnServerRetry,
  type ServerClient,
  ServerRequestError,
  serverRetry,
} from "../worker/server-client.ts";
import { dataCalls, publishAnswer } from "./data-protocol.ts";
import type {
  InputField,
  ProductData,
  ProductFile,
  ProductJobIdentity,
  PublishedFile,
} from "./product-data.ts";
import { type CycleProductSpec, productsFromSources } from "./products.ts";

export interface RemoteDataOptions {
  /** Bytes of input messages kept (least recently used go first). */
  cacheBytes?: number;
  retry?: RetryPolicy;
  /** Told of each failed call that will be tried again. */
  onRetry?: OnServerRetry;
}

const defaultCacheBytes = 512 * 1024 ** 2;

export class ChecksumError extends Error {
  override name = "ChecksumError";
}

export class RemoteProductData implements ProductData {
  readonly #client: ServerClient;
  readonly #retry: RetryPolicy;
  readonly #onRetry: RemoteDataOptions["onRetry"];
  readonly #cacheBytes: number;
  readonly #cache = new Map<string, Uint8Array>();
  #cached = 0;

  constructor(client: ServerClient, options: RemoteDataOptions = {}) {
    this.#client = client;
    this.#retry = options.retry ?? serverRetry;
    this.#onRetry = options.onRetry;
    this.#cacheBytes = options.cacheBytes ?? defaultCacheBytes;
  }

  /** The cycle's products as the data role defines them. */
  async products(): Promise<CycleProductSpec[]> {
    const answer = await this.#retrying("the products", () =>
      this.#client.json("products", {}, dataCalls.products.answer),
    );
    return productsFromSources(answer.products);
  }

  async inputs(baseTime: Date, product: CycleProductSpec, step: number): Promise<InputField[]> {
    const answer = await this.#retrying(`the inputs of ${product.name} step ${step}`, () =>
      this.#client.json(
        "inputs",
        { baseTime: baseTime.toISOString(), product: product.name, step },
        dataCalls.inputs.answer,
      ),
    );
    return answer.fields;
  }

  async read(field: InputField): Promise<Uint8Array> {
    const key = `${field.id}:${field.checksum}`;
    const hit = this.#cache.get(key);
    if (hit) {
      this.#cache.delete(key);
      this.#cache.set(key, hit);
      return hit;
    }
    const bytes = await this.#retrying(`field ${field.id}`, async () => {
      const got = await this.#client.bytes(`fields/${field.id}`);
      const sum = createHash("sha256").update(got).digest("hex");
      if (got.length !== field.length || sum !== field.checksum)
        throw new ChecksumError(
          `field ${field.id} came as ${got.length} bytes with SHA-256 ${sum}; the catalogue says ${field.length} bytes, ${field.checksum}`,
        );
      return got;
    });
    this.#remember(key, bytes);
    return bytes;
  }

  async publish(file: ProductFile, job: ProductJobIdentity): Promise<PublishedFile> {
    const query = {
      baseTime: job.baseTime.toISOString(),
      product: job.product,
      step: String(job.step),
      job: job.job,
      inputs: job.inputs.join(","),
    };
    return this.#retrying(`the upload of ${file.name}`, () =>
      this.#client.upload(`products/${encodeURIComponent(file.name)}`, query, file.bytes, publishAnswer),
    );
  }

  #remember(key: string, bytes: Uint8Array): void {
    // Two jobs may fetch the same field at once: it is counted once.
    if (bytes.length > this.#cacheBytes || this.#cache.has(key)) return;
    this.#cache.set(key, bytes);
    this.#cached += bytes.length;
    for (const [old, value] of this.#cache) {
      if (this.#cached <= this.#cacheBytes) break;
      this.#cache.delete(old);
      this.#cached -= value.length;
    }
  }

  /** Runs `call`, again with backoff while the data role cannot be reached, is busy, or sent a damaged field. */
  #retrying<T>(what: string, call: () => Promise<T>): Promise<T> {
    const onRetry = this.#onRetry;
    return withBackoff(call, this.#retry, {
      retryable: (error) =>
        error instanceof ChecksumError || (error instanceof ServerRequestError && error.retryable),
      onRetry: onRetry && ((error, attempt, delay) => onRetry(what, error, attempt, delay)),
    });
  }
}
