// How long nodes take to come up when `batch` of them are asked for at once: from the provider's
// recorded provisioning times (queueing behind its concurrency included, judged by batches of about the
// same size, as the learned lead time is), or, with nothing recorded, from a latency model such as the
// thesis's measurements on CloudSigma (15–30 s with at most 4 at once, over a minute beyond).
import { type ProvisionSample, sizeBucket } from "../fleet/leadtime.ts";
import { type LatencyModel, provisionSeconds } from "../sim/cloudsigma/latency.ts";
import type { NodeModel } from "./model.ts";

/** Draws from the recorded times of the same batch-size bucket, else of larger ones, else of any. */
export function recordedProvisioning(samples: readonly ProvisionSample[]): NodeModel["provision"] {
  const byBucket = new Map<number, number[]>();
  for (const s of samples) {
    const bucket = sizeBucket(Math.max(1, s.batchSize));
    byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), s.seconds]);
  }
  const all = samples.map((s) => s.seconds);
  const pools = new Map<number, number[]>();
  const poolFor = (bucket: number): number[] => {
    const cached = pools.get(bucket);
    if (cached) return cached;
    const same = byBucket.get(bucket) ?? [];
    const larger = [...byBucket.entries()].filter(([b]) => b >= bucket).flatMap(([, v]) => v);
    const pool = same.length > 0 ? same : larger.length > 0 ? larger : all;
    pools.set(bucket, pool);
    return pool;
  };
  return (batch, random) => {
    const pool = poolFor(sizeBucket(Math.max(1, batch)));
    return Array.from({ length: batch }, () => pool[Math.floor(random() * pool.length)]!);
  };
}

/**
 * Times from a latency model, for a provider that provisions `concurrency` nodes at a time: each node
 * waits for a free slot, and its own time depends on how many provisions are under way (the slots).
 */
export function modelledProvisioning(latency: LatencyModel, concurrency: number): NodeModel["provision"] {
  return (batch, random) => {
    const slots = Array.from({ length: Math.max(1, Math.min(concurrency, batch)) }, () => 0);
    const times: number[] = [];
    for (let i = 0; i < batch; i++) {
      let slot = 0;
      for (let s = 1; s < slots.length; s++) if (slots[s]! < slots[slot]!) slot = s;
      // While the batch lasts, every slot has a provision under way.
      slots[slot] = slots[slot]! + provisionSeconds(latency, slots.length, random);
      times.push(slots[slot]!);
    }
    return times;
  };
}
