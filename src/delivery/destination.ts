// A place products are delivered to. Transports only move bytes; `deliver.ts` owns the protocol
// (temporary name, resume, checksum, rename) so that every transport behaves the same way.

/** A file to deliver: its bytes are at localPath; `name` is its path relative to the destination root. */
export interface DeliveryItem extends PushItem {
  sha256: string;
}

/** A file to write: what a transport needs of it. */
export interface PushItem {
  localPath: string;
  name: string;
  size: number;
}

export interface Destination {
  /** For logs and reports: never contains a password. */
  readonly label: string;
  /** Size of the file at `path`, or null if there is none. */
  size(path: string): Promise<number | null>;
  /** Writes the local file's bytes from `start` on to `path` (creating it when start is 0, appending otherwise). */
  write(item: PushItem, start: number, path: string): Promise<void>;
  /** SHA-256 (hex) of the file at `path` as the destination holds it. */
  checksum(path: string): Promise<string>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  close(): Promise<void>;
}

/** A failure worth another attempt (network, server, checksum); anything else stops the delivery. */
export class TransientDeliveryError extends Error {
  override name = "TransientDeliveryError";
}
