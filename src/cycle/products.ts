// The products a cycle makes: product configurations from the `cycle` section (or the built-in set,
// himan configurations as FMI writes them for ECMWF data), each with the steps it is made for: those of
// its steps that the model run's steps can make (a rate at a step ECMWF does not disseminate comes from
// the steps around it).
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { type ProductConfig, ProductConfigError, parseProductConfig } from "../products/config/index.ts";
import { forecastTypeFor, isJobReady, jobTasks } from "../products/jobs.ts";
import type { CycleConfig } from "./config.ts";
import { parseStepSpec, stepArrivals } from "./dissemination.ts";
import type { CycleProduct } from "./suite.ts";

export interface CycleProductSpec {
  name: string;
  config: ProductConfig;
  steps: number[];
  /** The definition as written (its file's name and text), for nodes to parse the very same. */
  source: { fileName: string; text: string };
}

const builtInDir = join(import.meta.dirname, "products");

/**
 * Built-in products for the (simulated) ECMWF stream, himan's JSON run as is: 2 m temperature, wind at
 * 10 m and on pressure levels, humidity, hourly rain and rain rates, model-level pressure and humidity,
 * θw from the dew point.
 */
export function builtInProductFiles(): Array<{ name: string; file: string }> {
  return readdirSync(builtInDir)
    .filter((f) => /\.(json|ya?ml)$/.test(f))
    .sort()
    .map((f) => ({ name: f.replace(/\.(json|ya?ml)$/, "").replace(/-/g, "_"), file: join(builtInDir, f) }));
}

/** Whether some input set of every task of the job is made of fields of the model's steps. */
function madeFromModelSteps(config: ProductConfig, step: number, modelSteps: ReadonlySet<number>): boolean {
  return isJobReady(config, step, (key) => modelSteps.has(key.step));
}

/** The cycle's products, limited to the steps the model run provides (by default ECMWF's disseminated steps). */
export function cycleProducts(
  config: { file: string | null; cycle: CycleConfig },
  modelSteps: readonly number[] = stepArrivals().map((a) => a.step),
): CycleProductSpec[] {
  const base = config.file ? dirname(config.file) : process.cwd();
  const entries: Array<{ name: string; file: string; steps?: string | undefined }> = config.cycle.products
    .length
    ? config.cycle.products.map((p) => ({ name: p.name, file: resolve(base, p.config), steps: p.steps }))
    : builtInProductFiles();
  const available = new Set(modelSteps);
  return entries.map((entry) => {
    const text = readDefinition(entry.file);
    const productConfig = parseProductConfig(text, entry.file);
    const wanted = entry.steps ? parseStepSpec(entry.steps) : null;
    const steps = productConfig.steps.filter(
      (s) => (!wanted || wanted.has(s)) && madeFromModelSteps(productConfig, s, available),
    );
    return {
      name: entry.name,
      config: productConfig,
      steps,
      source: { fileName: basename(entry.file), text },
    };
  });
}

function readDefinition(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new ProductConfigError(file, [
      `cannot read the file: ${(error as NodeJS.ErrnoException).code ?? error}`,
    ]);
  }
}

/** A product as another process or thread is given it: its definition as written, parsed there. */
export interface ProductSource {
  name: string;
  fileName: string;
  text: string;
  steps: number[];
}

export function productSource(spec: CycleProductSpec): ProductSource {
  return { name: spec.name, fileName: spec.source.fileName, text: spec.source.text, steps: spec.steps };
}

/** The products as the data role defines them (over the worker protocol), parsed here the same way. */
export function productsFromSources(sources: ReadonlyArray<ProductSource>): CycleProductSpec[] {
  return sources.map((s) => ({
    name: s.name,
    config: parseProductConfig(s.text, s.fileName),
    steps: s.steps,
    source: { fileName: s.fileName, text: s.text },
  }));
}

export function findProduct(products: CycleProductSpec[], name: string): CycleProductSpec {
  const product = products.find((p) => p.name === name);
  if (!product)
    throw new Error(
      `no product named ${name} in this cycle (known: ${products.map((p) => p.name).join(", ")})`,
    );
  return product;
}

/**
 * The products as the cycle suite lists them, with the steps `wanted` (all when absent) and, as their
 * weight, the fields each writes per step: a step's heaviest job is taken first (and listed first, for
 * ecFlow, which submits in tree order), so that on few nodes its longest job starts early, not last.
 */
export function suiteProducts(specs: CycleProductSpec[], wanted?: ReadonlySet<number>): CycleProduct[] {
  return specs
    .map((spec) => ({
      name: spec.name,
      steps: wanted ? spec.steps.filter((s) => wanted.has(s)) : spec.steps,
      weight: fieldsWritten(spec),
    }))
    .filter((p) => p.steps.length > 0)
    .sort((a, b) => b.weight - a.weight);
}

function fieldsWritten(spec: CycleProductSpec): number {
  const step = spec.steps[0];
  if (step === undefined) return 0;
  return jobTasks(spec.config, step, forecastTypeFor(spec.config))
    .filter((t) => (t.plugin.fileWrite ?? spec.config.fileWrite) !== "cache only")
    .reduce((n, t) => n + t.outputs.length, 0);
}
