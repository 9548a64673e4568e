// Job seconds measured on the spot: each product run on a sample step of the simulated IFS stream at the
// question's grid, on this machine, as a worker runs it (decode the inputs, compute, encode the product;
// the store, the catalogue and the delivery are not in it). Each runs twice: the first pays what a
// worker pays once (compiling, the regridding weights), the second is what every later job costs.
import type { CycleProductSpec } from "../cycle/products.ts";
import { encodeField } from "../grib/write/index.ts";
import { encodeProduct } from "../products/encode.ts";
import { runJob } from "../products/run.ts";
import { MessageIndex } from "../products/source.ts";
import { describeField } from "../sim/ecmwf/encode.ts";
import { fieldValues, globalGrid, newAccumulation, type SimulatedField } from "../sim/ecmwf/fields.ts";
import { PlanInputError } from "./errors.ts";

const baseTime = new Date("2026-11-24T00:00:00Z");
const sampleStep = 6;

/** The simulated fields a product reads: surface temperature and precipitation, and its pressure levels. */
function fieldsFor(products: readonly CycleProductSpec[]): SimulatedField[] {
  const levels = new Set<number>();
  for (const p of products)
    for (const item of p.config.processqueue)
      if (item.levelType === "pressure") for (const l of item.levels) levels.add(l);
  return [
    { shortName: "2t", levelKind: "surface", level: 0 },
    { shortName: "tp", levelKind: "surface", level: 0 },
    ...[...levels].flatMap((level) =>
      (["t", "u", "v", "q"] as const).map(
        (shortName): SimulatedField => ({ shortName, levelKind: "isobaricInhPa", level }),
      ),
    ),
  ];
}

/** The sample step's messages (and the step before's precipitation, which hourly sums read). */
function sampleMessages(fields: readonly SimulatedField[], increment: number): Uint8Array[] {
  const grid = globalGrid(increment);
  const accumulation = newAccumulation(grid);
  const encode = (field: SimulatedField, step: number) =>
    encodeField(
      describeField(field, grid, baseTime, step, fieldValues(field, grid, baseTime, step, accumulation)),
    );
  const tp = fields.find((f) => f.shortName === "tp")!;
  return [encode(tp, sampleStep - 1), ...fields.map((f) => encode(f, sampleStep))];
}

export interface Measured {
  /** CPU seconds of a warm job per product. */
  seconds: Map<string, number>;
  /** CPU seconds of each product's first (cold) job. */
  firstSeconds: Map<string, number>;
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
    messages = sampleMessages(fieldsFor(wanted), increment);
  } catch (error) {
    throw new PlanInputError(`cannot make a sample step at ${increment}°: ${(error as Error).message}`);
  }
  const seconds = new Map<string, number>();
  const firstSeconds = new Map<string, number>();
  for (const product of wanted) {
    onProgress?.(`measuring ${product.name}`);
    for (const target of [firstSeconds, seconds]) {
      const index = new MessageIndex();
      const before = process.cpuUsage();
      for (const bytes of messages) index.add(bytes);
      const result = await runJob(index, product.config, baseTime, sampleStep, encodeProduct);
      const used = process.cpuUsage(before);
      if (result.files.length === 0)
        throw new PlanInputError(
          `${product.name} made nothing from the sample step: ${result.skipped.map((s) => `${s.plugin} ${s.level}: missing ${s.missing.join(", ")}`).join("; ")}`,
        );
      target.set(product.name, (used.user + used.system) / 1e6);
    }
  }
  return { seconds, firstSeconds };
}
