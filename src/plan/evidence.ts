// Everything a plan learns from, gathered at the edge: the cycle's products from the configuration,
// recorded cycles and provisioning times from the database, a price list from a file (or CloudSigma's
// recorded charges), and job seconds measured on the spot when the history has none for the grid.
import { readFileSync } from "node:fs";
import type pg from "pg";
import type { CycleConfig } from "../cycle/config.ts";
import { stepArrivals } from "../cycle/dissemination.ts";
import { type CycleProductSpec, cycleProducts, suiteProducts } from "../cycle/products.ts";
import type { FleetConfig } from "../fleet/config.ts";
import { PlanInputError } from "./errors.ts";
import { provisionSamples, recordedCycles } from "./history.ts";
import type { PlanEvidence, PlanQuestion } from "./inputs.ts";
import { jobSeconds } from "./learn.ts";
import { measureJobSeconds } from "./measure.ts";
import { type PriceList, priceListFromPricing, recordedCloudSigmaPrices } from "./prices.ts";

/** What the planner reads of a loaded configuration (the whole configuration has these keys). */
export interface PlannerSettings {
  /** The configuration file, which relative product configurations are read from. */
  file: string | null;
  cycle: CycleConfig;
  fleet: FleetConfig;
  ingest: { concurrency: number };
}

export interface EvidenceOptions {
  /** auto: measure the products the history has no jobs of at the grid; always; never. */
  measure: "auto" | "always" | "never";
  /** A saved CloudSigma `GET /pricing/` answer. */
  pricesFile?: string | undefined;
  /** Recorded cycles to learn from, newest first. */
  historyCycles: number;
}

/** The configuration's products (every step of ECMWF's schedule), as the cycle suite weighs them. */
export function planProducts(config: Pick<PlannerSettings, "file" | "cycle">): {
  specs: CycleProductSpec[];
  products: ReturnType<typeof suiteProducts>;
} {
  const specs = cycleProducts(
    config,
    stepArrivals(360).map((a) => a.step),
  );
  return { specs, products: suiteProducts(specs) };
}

export function loadPriceList(file: string, currency: string): PriceList {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new PlanInputError(`cannot read the price list ${file}: ${(error as Error).message}`);
  }
  return priceListFromPricing(json, currency, `the price list in ${file}`);
}

/**
 * What the database and the configuration hold for a question, and which products are to be measured
 * on the spot (those the history has no job of at the question's grid, or all of them).
 */
export async function gatherEvidence(
  config: PlannerSettings,
  pool: pg.Pool,
  question: PlanQuestion,
  options: EvidenceOptions,
): Promise<{ evidence: PlanEvidence; toMeasure: CycleProductSpec[] }> {
  const { specs, products } = planProducts(config);
  const records = await recordedCycles(pool, {
    producer: config.cycle.producer,
    limit: options.historyCycles,
  });
  const samples = await provisionSamples(pool, question.provider, config.fleet.leadTime.window);
  const prices = options.pricesFile
    ? loadPriceList(options.pricesFile, config.fleet.cloudsigma.currency)
    : question.provider === "cloudsigma"
      ? recordedCloudSigmaPrices
      : null;
  const wanted = specs.filter((s) => !question.products || question.products.includes(s.name));
  const recorded = jobSeconds(
    records.filter((r) => r.grid !== null && Math.abs(r.grid - question.grid) < 1e-6),
    question.jobTime,
  );
  const toMeasure =
    options.measure === "always"
      ? wanted
      : options.measure === "auto"
        ? wanted.filter((s) => !recorded.has(s.name))
        : [];
  return {
    evidence: {
      products,
      records,
      samples,
      prices,
      fleet: config.fleet,
      ingestConcurrency: config.ingest.concurrency,
    },
    toMeasure,
  };
}

/** The evidence with the job seconds of `specs` (the products to measure) measured on the spot. */
export async function withMeasured(
  specs: readonly CycleProductSpec[],
  evidence: PlanEvidence,
  grid: number,
  onProgress?: (what: string) => void,
): Promise<PlanEvidence> {
  if (specs.length === 0) return evidence;
  const measured = await measureJobSeconds(specs, grid, onProgress);
  return { ...evidence, measured: measured.seconds };
}
