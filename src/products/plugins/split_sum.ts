// split_sum: interval sums (RR-1-MM ... RR-24-MM) and rates (RRR-KGM2, SNR-KGM2, radiation W/m2) from
// fields accumulated since the start of the forecast, as himan's split_sum: the difference of two steps,
// negative differences (numerical noise) set to zero, metres of water turned to millimetres, and
// precipitation below 0.01 mm (or 0.01 mm/h) set to zero as himan's MEPS results show.
import { type ParamInfo, paramInfo } from "../params.ts";
import { inputAt, isTrue, type OutputField, type Plugin, type PluginInstance, type Target } from "./types.ts";

interface Product {
  option: string;
  output: string;
  /** Accumulated sources, in order of preference, with the factor to the output's unit. */
  sources: Array<[param: string, factor: number]>;
  /** Sum over this many hours, or a rate (per hour, or per second for radiation). */
  kind: { sum: number } | { rate: "hour" | "second" };
  /** Smaller results are set to zero (precipitation: what a gauge would not see). */
  floor?: number;
}

const precipitation: Array<[string, number]> = [
  ["RR-KGM2", 1],
  ["RR-M", 1000],
];
const products: Product[] = [
  { option: "rr1h", output: "RR-1-MM", sources: precipitation, floor: 0.01, kind: { sum: 1 } },
  { option: "rr3h", output: "RR-3-MM", sources: precipitation, floor: 0.01, kind: { sum: 3 } },
  { option: "rr6h", output: "RR-6-MM", sources: precipitation, floor: 0.01, kind: { sum: 6 } },
  { option: "rr12h", output: "RR-12-MM", sources: precipitation, floor: 0.01, kind: { sum: 12 } },
  { option: "rr24h", output: "RR-24-MM", sources: precipitation, floor: 0.01, kind: { sum: 24 } },
  { option: "rrr", output: "RRR-KGM2", sources: precipitation, floor: 0.01, kind: { rate: "hour" } },
  { option: "snr", output: "SNR-KGM2", sources: [["SNACC-KGM2", 1]], kind: { rate: "hour" } },
  { option: "glob", output: "RADGLO-WM2", sources: [["RADGLOA-JM2", 1]], kind: { rate: "second" } },
  { option: "lw", output: "RADLW-WM2", sources: [["RADLWA-JM2", 1]], kind: { rate: "second" } },
  { option: "sw", output: "RADSW-WM2", sources: [["RADSWA-JM2", 1]], kind: { rate: "second" } },
];

export const splitSumOptions = products.map((p) => p.option);

/** The two steps [previous, current] a product differences at this target, or null when it cannot. */
function interval(product: Product, target: Target): [number, number] | null {
  if (target.step <= 0) return null;
  if ("sum" in product.kind) {
    const from = target.step - product.kind.sum;
    return from >= 0 ? [from, target.step] : null;
  }
  // Rates over the configuration's step; himan uses one hour for Harmonie producers 210 and 270.
  const hours = target.targetProducer === 210 || target.targetProducer === 270 ? 1 : target.configStep;
  const from = target.step - hours;
  return from >= 0 ? [from, target.step] : null;
}

export const splitSum: Plugin = {
  name: "split_sum",
  configure(options): PluginInstance {
    const chosen = products.filter((p) => isTrue(options[p.option]));
    if (chosen.length === 0) {
      throw new Error(`split_sum needs at least one of ${splitSumOptions.join(", ")} set to true`);
    }
    const active = (target: Target) =>
      chosen.flatMap((p) => {
        const range = interval(p, target);
        return range ? [{ product: p, range }] : [];
      });
    // Every product here reads the same kind of source for a given set index (precipitation: kg/m2 or m).
    const sourceAlternatives = Math.max(...chosen.map((p) => p.sources.length));
    const sourceFor = (p: Product, set: number) => p.sources[Math.min(set, p.sources.length - 1)];
    return {
      outputs: (target) => active(target).map((a) => paramInfo(a.product.output) as ParamInfo),
      inputs(target) {
        const jobs = active(target);
        if (jobs.length === 0) return [];
        const sets = [];
        for (let s = 0; s < sourceAlternatives; s++) {
          const keys = new Map<string, ReturnType<typeof inputAt>>();
          for (const { product, range } of jobs) {
            const [param] = sourceFor(product, s);
            for (const step of range) keys.set(`${param}@${step}`, inputAt(target, param, step));
          }
          sets.push([...keys.values()]);
        }
        return sets;
      },
      compute(context) {
        const out: OutputField[] = [];
        for (const { product, range } of active(context.target)) {
          const [param, factor] = sourceFor(product, context.inputSet);
          const previous = context.input(param, range[0]).values;
          const current = context.input(param, range[1]).values;
          let divisor = 1;
          if ("rate" in product.kind)
            divisor = (range[1] - range[0]) * (product.kind.rate === "second" ? 3600 : 1);
          const scale = factor / divisor;
          const floor = product.floor ?? 0;
          const values = new Float64Array(current.length);
          for (let i = 0; i < values.length; i++) {
            const d = (current[i] - previous[i]) * scale;
            values[i] = d < floor ? 0 : d;
          }
          out.push({ param: paramInfo(product.output)!, values, interval: range });
        }
        return out;
      },
    };
  },
};
