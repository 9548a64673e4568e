// Products and retry policies shared by the delivery transports' tests.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RetryPolicy } from "../../src/fleet/retry.ts";
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
