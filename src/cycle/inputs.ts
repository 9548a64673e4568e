// A product job's inputs as the catalogue holds them: catalogue fields named by the FMI parameter,
// level and step that the product plugins ask for.
import type pg from "pg";
import { type FieldRow, listFields, parseFieldFilter } from "../catalogue/query.ts";
import { type FieldKey, keyId } from "../products/fields.ts";
import { jobCandidateInputs, jobWaitsFor } from "../products/jobs.ts";
import { catalogueFieldKey } from "../products/source-params.ts";
import type { CycleProductSpec } from "./products.ts";

export { keyId };

/** The FMI name and level of a catalogue field, by ECMWF's paramId (the same for GRIB1 and GRIB2). */
export function fieldKeyOfRow(row: FieldRow): FieldKey | null {
  return catalogueFieldKey(row);
}

/** The cycle's fields at the given steps, by field key (the first registered wins). */
export async function cycleFields(
  pool: pg.Pool,
  producer: string,
  baseTime: Date,
  steps: number[],
): Promise<Map<string, FieldRow>> {
  const byKey = new Map<string, FieldRow>();
  if (steps.length === 0) return byKey;
  const filter = parseFieldFilter([
    ["producer", producer],
    ["base", baseTime.toISOString().slice(0, 16)],
    ["step", [...new Set(steps)].join(",")],
  ]);
  for (let after: number | undefined; ; ) {
    const page = await listFields(pool, filter, { limit: 10_000, ...(after !== undefined ? { after } : {}) });
    for (const row of page) {
      const key = fieldKeyOfRow(row);
      if (key && !byKey.has(keyId(key))) byKey.set(keyId(key), row);
    }
    if (page.length < 10_000) return byKey;
    after = page.at(-1)!.id;
  }
}

export interface JobReadiness {
  ready: boolean;
  /** In words: what is there and what is missing. */
  detail: string;
}

/**
 * Whether the catalogue holds every input of the product's job for `step`. Given the cycle's planned
 * steps, the fields of a planned step whose parameter and level the stream carries (at some step of
 * the job's) are expected, and the job waits for the input set it will have once they are in.
 */
export async function jobReadiness(
  pool: pg.Pool,
  producer: string,
  baseTime: Date,
  product: CycleProductSpec,
  step: number,
  plannedSteps?: readonly number[],
): Promise<JobReadiness> {
  const candidates = jobCandidateInputs(product.config, baseTime, step);
  const fields = await cycleFields(
    pool,
    producer,
    baseTime,
    candidates.map((k) => k.step),
  );
  const has = (key: FieldKey) => fields.has(keyId(key));
  const expected = plannedSteps && expectedFields(fields.values(), plannedSteps);
  const waits = jobWaitsFor(product.config, step, has, expected ? { expected } : {});
  return waits.length === 0
    ? { ready: true, detail: `all inputs of ${product.name} step ${step} are registered` }
    : { ready: false, detail: `${product.name} step ${step} waits for ${[...new Set(waits)].join(", ")}` };
}

/** Fields of the planned steps whose parameter, level and member are among `present` (at any step). */
function expectedFields(
  present: Iterable<FieldRow>,
  plannedSteps: readonly number[],
): (key: FieldKey) => boolean {
  const planned = new Set(plannedSteps);
  const carried = new Set<string>();
  for (const row of present) {
    const key = fieldKeyOfRow(row);
    if (key) carried.add(keyId({ ...key, step: 0 }));
  }
  return (key) => planned.has(key.step) && carried.has(keyId({ ...key, step: 0 }));
}
