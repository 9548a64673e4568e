// Capped exponential backoff with full jitter, shared by everything that retries over a network
// (the cloud providers' APIs, deliveries).

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
