// Products and retry policies shared by the delivery transports' tests.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deliver, deliveryItem } from "../../src/delivery/deliver.ts";
import { type Destination, TransientDeliveryError } from "../../src/delivery/destination.ts";
import type { RetryPolicy } from "../../src/system/backoff.ts";
import { tempDir } from "./cli.ts";

/** Retries without waiting: for failures that must not be retried, or are retried at once. */
export const fast: RetryPolicy = { attempts: 4, baseMs: 1, maxMs: 5 };

/** Retries long enough for a server to come (back) up. */
export const patient: RetryPolicy = { attempts: 30, baseMs: 100, maxMs: 400 };

/** A local product of random bytes. */
export function product(bytes = 256 * 1024): { path: string; data: Buffer } {
  const data = randomBytes(bytes);
  const path = join(tempDir(), "T-K_pressure_850_rll_100_100_0_006.grib");
  writeFileSync(path, data);
  return { path, data };
}

/** Collects the errors `deliver` retries after. */
export function retries(): { errors: Error[]; onRetry: (error: Error) => void } {
  const errors: Error[] = [];
  return { errors, onRetry: (error) => errors.push(error) };
}

/**
 * Delivers a product into a nested directory, again (already present), then a newer version over it:
 * the bytes under `root` are the product's each time and no temporary name is left.
 */
export async function assertDeliversAndReplaces(destination: Destination, root: string): Promise<void> {
  const { path, data } = product();
  const item = await deliveryItem(path, "06/12/product.grib");
  const receipt = await deliver(destination, item, fast);
  assert.equal(receipt.attempts, 1);
  assert.equal(receipt.alreadyPresent, false);
  assert.deepEqual(readFileSync(join(root, "06/12/product.grib")), data);
  assert.deepEqual(readdirSync(join(root, "06/12")), ["product.grib"]);
  const again = await deliver(destination, item, fast);
  assert.equal(again.alreadyPresent, true);

  const newer = product(1000);
  const replaced = await deliver(destination, await deliveryItem(newer.path, "06/12/product.grib"), fast);
  await destination.close();
  assert.equal(replaced.alreadyPresent, false);
  assert.deepEqual(readFileSync(join(root, "06/12/product.grib")), newer.data);
  assert.deepEqual(readdirSync(join(root, "06/12")), ["product.grib"]);
}

/**
 * Stops the server, delivers (the first refusal starts the server again), and checks that the
 * delivery was retried after ECONNREFUSED and its bytes are under `root`.
 */
export async function assertRetriedUntilServerIsBack(
  server: { start(): Promise<void>; stop(): Promise<void> },
  destination: () => Destination,
  root: string,
): Promise<void> {
  const { path, data } = product(50_000);
  await server.stop();
  let restarted: Promise<void> | null = null;
  const { errors, onRetry } = retries();
  const target = destination();
  const receipt = await deliver(target, await deliveryItem(path, "p.grib"), patient, (error) => {
    onRetry(error);
    restarted ??= server.start();
  });
  await target.close();
  await restarted;
  assert.ok(receipt.attempts >= 2);
  assert.ok(errors[0] instanceof TransientDeliveryError);
  assert.match(errors[0].message, /ECONNREFUSED/);
  assert.deepEqual(readFileSync(join(root, "p.grib")), data);
}
