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

/** Runs `work` on every item with at most `limit` running at once; results keep the items' order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: "fulfilled", value: await work(items[index]!, index) };
      } catch (reason) {
        results[index] = { status: "rejected", reason };
      }
    }
  });
  await Promise.all(lanes);
  return results;
}
