// Retrying and polling: capped exponential backoff with full jitter, and polling to a final state.
import { setTimeout as sleep } from "node:timers/promises";
import { backoffDelay, type RetryPolicy } from "../system/backoff.ts";
import { ProviderError, ProviderTimeoutError } from "./errors.ts";

export { backoffDelay, type RetryPolicy } from "../system/backoff.ts";

/**
 * Runs `work`, retrying a retryable ProviderError (5xx, no answer) with backoff; anything else, and
 * the last failure, is thrown. `onRetry` sees each failure that will be retried.
 */
export async function withRetry<T>(
  work: () => Promise<T>,
  policy: RetryPolicy,
  onRetry?: (error: ProviderError, attempt: number, delayMs: number) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof ProviderError) || !error.retryable || attempt >= policy.attempts) throw error;
      const delay = backoffDelay(attempt, policy);
      onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}

/** Calls `check` every `intervalMs` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options: { intervalMs: number; timeoutMs: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) {
      throw new ProviderTimeoutError(
        `timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${what}`,
      );
    }
    await sleep(options.intervalMs);
  }
}
