// Capped exponential backoff with full jitter, shared by everything that retries over a network
// (the cloud providers' APIs, deliveries, a compute node's calls to the data role).
import { setTimeout as sleep } from "node:timers/promises";

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseMs: number;
  maxMs: number;
}

/** The delay before retry number `attempt` (1-based): uniform in [0, min(max, base·2^(attempt-1))]. */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
  return Math.round(cap * random());
}

/**
 * Runs `call`, and again after a backoff delay while it fails with an error that `retryable` accepts,
 * up to the policy's attempts; the last failure, and any other, is thrown. `onRetry` sees each failure
 * that will be retried.
 */
export async function withBackoff<T>(
  call: () => Promise<T>,
  policy: RetryPolicy,
  options: {
    retryable: (error: unknown) => boolean;
    onRetry?: ((error: Error, attempt: number, delayMs: number) => void) | undefined;
  },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!options.retryable(error) || attempt >= policy.attempts) throw error;
      const delay = backoffDelay(attempt, policy);
      options.onRetry?.(error as Error, attempt, delay);
      await sleep(delay);
    }
  }
}
