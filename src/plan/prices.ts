// What nodes, the data server and subscriptions cost per hour or month: from a CloudSigma price list
// (a saved `GET /pricing/` answer: each resource's price per unit at the account's current burst level,
// with CloudSigma's multiplier to a price per unit-second), or from the charges CloudSigma recorded in
// the ledger of its API documentation when the planner has nothing better.
import { z } from "zod";
import { PlanInputError } from "./errors.ts";

export interface PriceList {
  currency: string;
  /** Where the figures come from, for the report. */
  source: string;
  perHour: { cpuGHz: number; memGiB: number; diskGiB: number };
  /** Subscriptions (paid monthly, whatever the cycles do); null when the list has no price. */
  perMonth: { vlan: number | null; ip: number | null };
}

/** A node's size per CPU, as the golden server's: 2 GHz and 2 GiB a CPU, a 10 GiB disk. */
export interface NodeShape {
  ghzPerCpu: number;
  memGiBPerCpu: number;
  diskGiB: number;
}

export const goldenShape: NodeShape = { ghzPerCpu: 2, memGiBPerCpu: 2, diskGiB: 10 };

export function pricePerHour(prices: PriceList, cpus: number, shape: NodeShape): number {
  const p = prices.perHour;
  return cpus * (shape.ghzPerCpu * p.cpuGHz + shape.memGiBPerCpu * p.memGiB) + shape.diskGiB * p.diskGiB;
}

/**
 * CloudSigma's own charges in the ledger of its API 2.0 documentation (dumps/response_ledger_list,
 * USD, burst): 12 GHz of CPU for 137 s cost 0.0090831 (0.01989 per GHz-hour), 4 GiB of memory for
 * 137 s 0.00255733 (0.0168 per GiB-hour), 4.5 GiB of SSD for 300 s 0.000145833 (0.28 per GB-month,
 * as its price list says). The same ledger bills each 5-minute billing cycle for the seconds a
 * resource was used in it (intervals of 133-137 s). It prices no VLAN or IP.
 */
export const recordedCloudSigmaPrices: PriceList = {
  currency: "USD",
  source:
    "CloudSigma's recorded ledger in its API 2.0 documentation (2014, USD, burst): not your account's prices",
  perHour: {
    cpuGHz: 0.0090831 / 12 / (137 / 3600),
    memGiB: 0.00255733 / 4 / (137 / 3600),
    diskGiB: 0.28 / 720,
  },
  perMonth: { vlan: null, ip: null },
};

const priceRow = z.looseObject({
  resource: z.string(),
  currency: z.string(),
  level: z.number().int(),
  price: z.union([z.string(), z.number()]).transform(Number),
  multiplier: z.union([z.string(), z.number()]).transform(Number).optional(),
  unit: z.string().nullish(),
});
const pricing = z.looseObject({
  current: z.record(z.string(), z.number()).nullish(),
  objects: z.array(priceRow).min(1),
});

/** Unit-seconds of one unit of each resource the planner prices: MHz·s per GHz, bytes per GiB, a count. */
const unitsPerHour: Record<string, number> = { cpu: 1000 * 3600, mem: 2 ** 30 * 3600, dssd: 2 ** 30 * 3600 };

/** A saved `GET /pricing/` answer (CloudSigma API 2.0), in `currency`, at its current burst levels. */
export function priceListFromPricing(json: unknown, currency: string, source: string): PriceList {
  const parsed = pricing.safeParse(json);
  if (!parsed.success)
    throw new PlanInputError(
      `${source} is not a CloudSigma price list: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      "save one with `curl -u USER https://zrh.cloudsigma.com/api/2.0/pricing/?limit=0`",
    );
  const rows = parsed.data.objects.filter((r) => r.currency === currency);
  const row = (resource: string, level: number | undefined) =>
    rows.find((r) => r.resource === resource && r.level === level) ??
    rows.find((r) => r.resource === resource && r.level === 0);
  const perUnitSecond = (resource: string, level: number | undefined) => {
    const r = row(resource, level);
    if (!r) return null;
    if (!(r.multiplier && r.multiplier > 0))
      throw new PlanInputError(
        `${source}: the ${resource} price has no multiplier (CloudSigma's unit-seconds per unit)`,
      );
    return r.price / r.multiplier;
  };
  const hourly = (resource: string) => {
    const price = perUnitSecond(resource, parsed.data.current?.[resource]);
    if (price === null)
      throw new PlanInputError(
        `${source} has no ${resource} price in ${currency}`,
        `set fleet.cloudsigma.currency to one the list has (${[...new Set(parsed.data.objects.map((r) => r.currency))].join(", ")})`,
      );
    return price * unitsPerHour[resource]!;
  };
  // Subscriptions are bought at level 0, for a month (CloudSigma's multiplier: 30 days of seconds).
  const monthly = (resource: string) => {
    const r = row(resource, 0);
    return r ? r.price : null;
  };
  return {
    currency,
    source,
    perHour: { cpuGHz: hourly("cpu"), memGiB: hourly("mem"), diskGiB: hourly("dssd") },
    perMonth: { vlan: monthly("vlan"), ip: monthly("ip") },
  };
}
