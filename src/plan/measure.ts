// Job seconds measured on the spot: each product run on a sample step of the simulated IFS stream at the
// question's grid, on this machine, as a worker runs it: decode the inputs, compute, encode the product
// (the store, the catalogue and the delivery are not in it). CPU seconds, so that other work on the
// machine does not count. Once each: a second run costs within a few per cent of the first.
import type { CycleProductSpec } from "../cycle/products.ts";
import { decodeFields } from "../grib/index.ts";
import { encodeProduct } from "../products/encode.ts";
import { keyId } from "../products/fields.ts";
import { jobCandidateInputs } from "../products/jobs.ts";
import { runJob } from "../products/run.ts";
import { fieldKeyOf, MessageIndex } from "../products/source.ts";
import { encodeSimulatedField } from "../sim/ecmwf/encode.ts";
import {
  defaultContent,
  fieldsOfStep,
  globalGrid,
  newAccumulation,
  type SimulatedField,
} from "../sim/ecmwf/fields.ts";
import { PlanInputError } from "./errors.ts";

const baseTime = new Date("2026-11-24T00:00:00Z");
const sampleStep = 6;

/** The simulated stream's fields by the key products read them as (step aside): each field encoded once
 *  on a coarse grid and read back, so that the planner names fields exactly as the products do. */
function simulatedFieldsByKey(): Map<string, SimulatedField> {
  const coarse = globalGrid(30);
  const accumulation = newAccumulation(coarse);
  const byKey = new Map<string, SimulatedField>();
  for (const field of fieldsOfStep(defaultContent)) {
    const bytes = encodeSimulatedField(field, coarse, baseTime, sampleStep, accumulation);
    const [message] = decodeFields(bytes);
    const key = message ? fieldKeyOf(message.metadata) : null;
    if (key) byKey.set(keyId({ ...key, step: 0 }), field);
  }
  return byKey;
}

/** The sample step's messages: every field the products may read that the simulated stream has, in step order. */
function sampleMessages(products: readonly CycleProductSpec[], increment: number): Uint8Array[] {
  const simulated = simulatedFieldsByKey();
  const wanted = new Map<string, { field: SimulatedField; step: number }>();
  for (const product of products)
    for (const key of jobCandidateInputs(product.config, baseTime, sampleStep)) {
      const field = simulated.get(keyId({ ...key, step: 0, member: undefined }));
      if (field)
        wanted.set(`${field.shortName}/${field.levelKind}/${field.level}/${key.step}`, {
          field,
          step: key.step,
        });
    }
  const grid = globalGrid(increment);
  const accumulation = newAccumulation(grid);
  return [...wanted.values()]
    .sort((a, b) => a.step - b.step)
    .map(({ field, step }) => encodeSimulatedField(field, grid, baseTime, step, accumulation));
}

export interface Measured {
  /** CPU seconds of one job per product. */
  seconds: Map<string, number>;
}

export async function measureJobSeconds(
  products: readonly CycleProductSpec[],
  increment: number,
  onProgress?: (what: string) => void,
): Promise<Measured> {
  const wanted = products.filter((p) => p.steps.includes(sampleStep));
  const without = products.filter((p) => !p.steps.includes(sampleStep));
  if (without.length)
    throw new PlanInputError(
      `cannot measure ${without.map((p) => p.name).join(", ")} on the spot: the sample step ${sampleStep} is not one of ${without.length > 1 ? "their" : "its"} steps`,
      "record a cycle that runs them, and plan from its history",
    );
  onProgress?.(`making a sample step at ${increment}°`);
  let messages: Uint8Array[];
  try {
    messages = sampleMessages(wanted, increment);
  } catch (error) {
    throw new PlanInputError(`cannot make a sample step at ${increment}°: ${(error as Error).message}`);
  }
  const seconds = new Map<string, number>();
  for (const product of wanted) {
    onProgress?.(`measuring ${product.name}`);
    const index = new MessageIndex();
    const before = process.cpuUsage();
    for (const bytes of messages) index.add(bytes);
    const result = await runJob(index, product.config, baseTime, sampleStep, encodeProduct);
    const used = process.cpuUsage(before);
    if (result.files.length === 0)
      throw new PlanInputError(
        `${product.name} made nothing from the sample step: ${result.skipped.map((s) => `${s.plugin} ${s.level}: missing ${s.missing.join(", ")}`).join("; ")}`,
      );
    seconds.set(product.name, (used.user + used.system) / 1e6);
  }
  return { seconds };
}
