// The provisioning lead time, learned: the p95 of measured provisioning times plus a margin, instead
// of the thesis's fixed 3–4 minutes. CloudSigma slows down past 4 concurrent provisions, so a batch of
// N is judged by measurements of batches of about the same size.
import type { FleetConfig } from "./config.ts";

export interface ProvisionSample {
  batchSize: number;
  seconds: number;
}

/** Nearest-rank percentile (p in 0–100) of the values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** The batch-size bucket: 1–4, 5–8, 9–16, 17–32, … */
export function sizeBucket(n: number): number {
  return n <= 4 ? 0 : Math.ceil(Math.log2(n)) - 2;
}

export interface LeadTime {
  seconds: number;
  source: "learned" | "default";
  samples: number;
}

/**
 * Seconds before data is due at which provisioning of `batchSize` nodes must start. Uses the samples
 * of the same size bucket when there are enough, else the larger buckets' (pessimistic), else the
 * configured default.
 */
export function leadTimeFor(
  batchSize: number,
  samples: readonly ProvisionSample[],
  config: FleetConfig["leadTime"],
): LeadTime {
  const recent = samples.slice(0, config.window);
  const bucket = sizeBucket(Math.max(1, batchSize));
  const same = recent.filter((s) => sizeBucket(s.batchSize) === bucket);
  const larger = recent.filter((s) => sizeBucket(s.batchSize) >= bucket);
  const chosen = same.length >= config.minSamples ? same : larger.length >= config.minSamples ? larger : null;
  if (!chosen) return { seconds: config.defaultSeconds, source: "default", samples: same.length };
  const p = percentile(
    chosen.map((s) => s.seconds),
    config.percentile,
  );
  return { seconds: p + config.marginSeconds, source: "learned", samples: chosen.length };
}
