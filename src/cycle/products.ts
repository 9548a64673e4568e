// The products a cycle makes: product configurations from the `cycle` section (or the built-in
// demonstration set), each with the steps it is made for.
import { readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Config } from "../config/load.ts";
import { loadProductConfig, type ProductConfig } from "../products/config/index.ts";
import { parseStepSpec } from "../sim/ecmwf/schedule.ts";

export interface CycleProductSpec {
  name: string;
  config: ProductConfig;
  steps: number[];
}

const builtInDir = join(import.meta.dirname, "products");

/** Built-in products for the simulated ECMWF stream: 2 m temperature, wind, humidity, hourly rain. */
export function builtInProductFiles(): Array<{ name: string; file: string }> {
  return readdirSync(builtInDir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => ({ name: f.slice(0, -".yaml".length).replace(/-/g, "_"), file: join(builtInDir, f) }));
}

/** The cycle's products, limited to the steps the model run provides. */
export function cycleProducts(config: Config, modelSteps: readonly number[]): CycleProductSpec[] {
  const base = config.file ? dirname(config.file) : process.cwd();
  const entries: Array<{ name: string; file: string; steps?: string | undefined }> = config.cycle.products
    .length
    ? config.cycle.products.map((p) => ({ name: p.name, file: resolve(base, p.config), steps: p.steps }))
    : builtInProductFiles();
  const available = new Set(modelSteps);
  return entries.map((entry) => {
    const productConfig = loadProductConfig(entry.file);
    const wanted = entry.steps ? parseStepSpec(entry.steps) : null;
    const steps = productConfig.steps.filter((s) => available.has(s) && (!wanted || wanted.has(s)));
    return { name: entry.name, config: productConfig, steps };
  });
}

export function findProduct(products: CycleProductSpec[], name: string): CycleProductSpec {
  const product = products.find((p) => p.name === name);
  if (!product)
    throw new Error(
      `no product named ${name} in this cycle (known: ${products.map((p) => p.name).join(", ")})`,
    );
  return product;
}
