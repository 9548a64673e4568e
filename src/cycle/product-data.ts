// Where a product job gets its inputs and puts its outputs. On the data role (and a worker beside it)
// that is the catalogue and the store themselves (local-data.ts); on a compute node it is the data
// role, over the worker protocol (remote-data.ts). The job itself (job.ts) only sees this interface.
import type { CycleProductSpec } from "./products.ts";

/** One input field of a job: where its message is, and the checksum it must have. */
export interface InputField {
  id: number;
  param: string;
  levelType: string;
  level: number;
  stepRange: string;
  /** The message's byte offset in its stored file (its position when it is decoded). */
  offset: number;
  length: number;
  /** SHA-256 of the message, hex. */
  checksum: string;
}

/** What a job made, to be stored, catalogued and delivered. */
export interface ProductFile {
  name: string;
  bytes: Uint8Array;
}

/** Which job made a file: its cycle, product, step, try, and the fields it read (lineage). */
export interface ProductJobIdentity {
  baseTime: Date;
  product: string;
  step: number;
  /** The task and try that made it, e.g. "/cycle_20261124_00/products/step_006/wind try 1". */
  job: string;
  inputs: number[];
}

/** A stored product file: where it is, its catalogue rows, and whether its delivery went through. */
export interface PublishedFile {
  name: string;
  uri: string;
  bytes: number;
  productIds: number[];
  delivery: "delivered" | "failed" | "pending";
}

export interface ProductData {
  /** The catalogued fields of the product's job at `step` (those of its candidate inputs that exist). */
  inputs(baseTime: Date, product: CycleProductSpec, step: number): Promise<InputField[]>;
  /** One field's message, checked against its checksum. */
  read(field: InputField): Promise<Uint8Array>;
  /** Stores the file atomically, registers its fields with their lineage, and delivers it. */
  publish(file: ProductFile, job: ProductJobIdentity): Promise<PublishedFile>;
}
