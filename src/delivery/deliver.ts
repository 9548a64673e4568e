// The delivery protocol, the same on every transport: write under a temporary name (resuming a
// partial one), verify the checksum as the destination holds it, then rename, so a consumer never
// sees a partial or corrupt product. Transient failures are retried with capped backoff and jitter.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { posix } from "node:path";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { backoffDelay, type RetryPolicy } from "../system/backoff.ts";
import { type DeliveryItem, type Destination, type PushItem, TransientDeliveryError } from "./destination.ts";

export interface DeliveryReceipt {
  name: string;
  bytes: number;
  sha256: string;
  attempts: number;
  /** Bytes found already delivered under the temporary name and not sent again (0 when none). */
  resumedFrom: number;
  /** True when the destination already held the same bytes under the final name. */
  alreadyPresent: boolean;
}

export const defaultDeliveryRetry: RetryPolicy = { attempts: 6, baseMs: 500, maxMs: 30_000 };

/** The temporary name a file is written under: hidden, in the same directory, so the rename is atomic. */
export function temporaryName(name: string): string {
  return posix.join(posix.dirname(name), `.${posix.basename(name)}.part`);
}

/** Describes a local file for delivery (size and SHA-256). */
export async function deliveryItem(localPath: string, name: string): Promise<DeliveryItem> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(localPath), hash);
  return { localPath, name, size: (await stat(localPath)).size, sha256: hash.digest("hex") };
}

/** Delivers `item` by the protocol above: temporary name, size and checksum verified, rename. */
export async function deliver(
  destination: Destination,
  item: DeliveryItem,
  policy: RetryPolicy = defaultDeliveryRetry,
  onRetry?: (error: Error, attempt: number, delayMs: number) => void,
): Promise<DeliveryReceipt> {
  const receipt = await withRetries(() => deliverOnce(destination, item, item.sha256), policy, onRetry);
  return { ...receipt, sha256: item.sha256 };
}

/** A pushed file's receipt: no checksum, since nothing was read back. */
export type PushReceipt = Omit<DeliveryReceipt, "sha256">;

/**
 * A dissemination push as ECMWF's makes one (ECPDS): temporary name, size checked, rename, and no
 * reading back; the receiver checks what it got. Half the traffic of `deliver`, whose read-back
 * confirms a product as the destination holds it.
 */
export function push(
  destination: Destination,
  item: PushItem,
  policy: RetryPolicy = defaultDeliveryRetry,
): Promise<PushReceipt> {
  return withRetries(() => deliverOnce(destination, item, null), policy);
}

/** Describes a local file for a push (its size). */
export async function pushItem(localPath: string, name: string): Promise<PushItem> {
  return { localPath, name, size: (await stat(localPath)).size };
}

async function withRetries(
  once: () => Promise<Omit<PushReceipt, "attempts">>,
  policy: RetryPolicy,
  onRetry?: (error: Error, attempt: number, delayMs: number) => void,
): Promise<PushReceipt> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { ...(await once()), attempts: attempt };
    } catch (error) {
      if (!(error instanceof TransientDeliveryError) || attempt >= policy.attempts) throw error;
      const delay = backoffDelay(attempt, policy);
      onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}

/** One attempt; with `sha256`, the file as the destination holds it is read back and compared. */
async function deliverOnce(
  destination: Destination,
  item: PushItem,
  sha256: string | null,
): Promise<Omit<PushReceipt, "attempts">> {
  const receipt = { name: item.name, bytes: item.size };
  if (
    sha256 !== null &&
    (await destination.size(item.name)) === item.size &&
    (await destination.checksum(item.name)) === sha256
  ) {
    return { ...receipt, resumedFrom: 0, alreadyPresent: true };
  }
  const part = temporaryName(item.name);
  let start = (await destination.size(part)) ?? 0;
  if (start > item.size) {
    await destination.remove(part);
    start = 0;
  }
  if (start < item.size || item.size === 0) await destination.write(item, start, part);
  const written = await destination.size(part);
  if (written !== item.size) {
    throw new TransientDeliveryError(
      `${destination.label}/${part} holds ${written} bytes, expected ${item.size}`,
    );
  }
  if (sha256 !== null) {
    const checksum = await destination.checksum(part);
    if (checksum !== sha256) {
      // A corrupt partial (e.g. from an earlier, different file) is discarded and sent again whole.
      await destination.remove(part);
      throw new TransientDeliveryError(
        `${destination.label}/${part}: checksum ${checksum} differs from the product's ${sha256}`,
      );
    }
  }
  await destination.rename(part, item.name);
  return { ...receipt, resumedFrom: start, alreadyPresent: false };
}
