// Prices the simulator bills with, in the shape of GET /pricing/: per resource a unit, a multiplier
// ("applied to get the price of one unit per second, from the unit of the price") and one price per
// burst level; level 0 is the subscription price. The figures are the simulator's own, of the order
// of CloudSigma's public list prices; only their shape is CloudSigma's.

const MONTH_SECONDS = 30 * 24 * 3600;
const GIB = 1024 ** 3;

export interface PriceRow {
  resource: string;
  unit: string;
  /** Unit-seconds in one priced unit: MHz·s per GHz-month, byte·s per GB-month, count·s per month. */
  multiplier: number;
  /** Price per priced unit at burst levels 0 (subscription), 1, 2, 3. */
  levels: [number, number, number, number];
}

export const priceTable: PriceRow[] = [
  { resource: "cpu", unit: "GHz/month", multiplier: 1000 * MONTH_SECONDS, levels: [5, 10, 12, 15] },
  { resource: "mem", unit: "GB/month", multiplier: GIB * MONTH_SECONDS, levels: [7, 14, 16.8, 21] },
  { resource: "dssd", unit: "GB/month", multiplier: GIB * MONTH_SECONDS, levels: [0.14, 0.28, 0.336, 0.42] },
  { resource: "ip", unit: "IP/month", multiplier: MONTH_SECONDS, levels: [3.5, 7, 8.4, 10.5] },
  { resource: "vlan", unit: "VLAN/month", multiplier: MONTH_SECONDS, levels: [7, 14, 16.8, 21] },
  { resource: "tx", unit: "GB", multiplier: GIB, levels: [0.05, 0.1, 0.12, 0.15] },
];

/** The burst level in force for every resource (GET /pricing/ "current" and "next"). */
export const currentBurstLevel = 1;

function row(resource: string): PriceRow {
  const found = priceTable.find((r) => r.resource === resource);
  if (!found) throw new Error(`no price for ${resource}`);
  return found;
}

/** Price of one unit-second (MHz·s, byte·s, count·s) of burst usage at the current level. */
export function burstPricePerUnitSecond(resource: string): number {
  const r = row(resource);
  return r.levels[currentBurstLevel]! / r.multiplier;
}

/** Price of a subscription for `amount` units over `seconds`. */
export function subscriptionPrice(resource: string, amount: number, seconds: number): number {
  const r = row(resource);
  return (r.levels[0] / r.multiplier) * amount * seconds;
}

/** Burst cost per simulated second of a running guest (cpu MHz + mem bytes). */
export function guestCostPerSecond(cpu: number, mem: number): number {
  return cpu * burstPricePerUnitSecond("cpu") + mem * burstPricePerUnitSecond("mem");
}

export function decimal(value: number): string {
  return value.toFixed(20);
}

export function pricingObjects(currency: string): Array<Record<string, unknown>> {
  const objects: Array<Record<string, unknown>> = [];
  let id = 1;
  for (const r of priceTable) {
    r.levels.forEach((price, level) => {
      objects.push({
        currency,
        id: String(id++),
        level,
        multiplier: r.multiplier,
        price: decimal(price),
        resource: r.resource,
        unit: r.unit,
      });
    });
  }
  return objects;
}

export function burstLevels(): Record<string, number> {
  return Object.fromEntries(priceTable.map((r) => [r.resource, currentBurstLevel]));
}

const unitSeconds: Record<string, number> = {
  second: 1,
  minute: 60,
  hour: 3600,
  day: 86400,
  week: 7 * 86400,
  month: MONTH_SECONDS,
  year: 365 * 86400,
};

/** Parses CloudSigma's free-form period ("1 month", "2 weeks 3 days", "365 days, 2:45:57"); null if invalid. */
export function parsePeriod(text: string): number | null {
  let seconds = 0;
  let rest = text.trim().toLowerCase();
  const clock = rest.match(/,?\s*(\d+):(\d{2}):(\d{2})(\.\d+)?$/);
  if (clock) {
    seconds += Number(clock[1]) * 3600 + Number(clock[2]) * 60 + Number(clock[3]);
    rest = rest.slice(0, clock.index).trim();
  }
  const parts = rest.split(/[\s,]+/).filter(Boolean);
  if (parts.length % 2 !== 0) return null;
  for (let i = 0; i < parts.length; i += 2) {
    const amount = Number(parts[i]);
    const unit = parts[i + 1]!.replace(/s$/, "");
    const size = unitSeconds[unit];
    if (!Number.isFinite(amount) || amount < 0 || size === undefined) return null;
    seconds += amount * size;
  }
  return seconds > 0 ? seconds : null;
}
