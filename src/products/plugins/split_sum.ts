// split_sum: interval sums (RR-1-MM ... RR-24-MM) and rates (RRR-KGM2, SNR-KGM2, radiation W/m2) from
// accumulated fields, as himan's split_sum:
//   - a sum over N hours differences the accumulations at step and step − N (a missing step 0 counts
//     as zero: the model starts from nothing);
//   - a rate takes the configuration's step back (one hour for Harmonie's producers 210 and 270); when
//     that step does not exist it takes the nearest earlier step and the nearest later one that do,
//     up to 6 hours away (ECMWF's 3- and 6-hourly steps: the rate at 164 is (168 − 162) / 6);
//   - accumulations that restart (a field accumulated from step s rather than from 0) are used as they
//     are when s is the interval's start, and differenced when both run from the same s;
//   - negative differences (numerical noise) are 0, and precipitation below 0.01 mm (or mm/h) is 0, as
//     himan's MEPS results show. Sources in metres of water are read as kg m-2 (source-params.ts).
import type { FieldKey } from "../fields.ts";
import { type ParamInfo, paramInfo } from "../params.ts";
import {
  type InputField,
  inputAt,
  isTrue,
  type OutputField,
  type Plugin,
  type PluginInstance,
  type Target,
} from "./types.ts";

interface Product {
  option: string;
  output: string;
  /** Accumulated sources, in order of preference. */
  sources: string[];
  /** Sum over this many hours, or a rate (per hour, or per second for radiation). */
  kind: { sum: number } | { rate: "hour" | "second" };
  /** Smaller results are set to zero (precipitation: what a gauge would not see). */
  floor?: number;
}

const rr = ["RR-KGM2"];
const products: Product[] = [
  { option: "rr1h", output: "RR-1-MM", sources: rr, floor: 0.01, kind: { sum: 1 } },
  { option: "rr3h", output: "RR-3-MM", sources: rr, floor: 0.01, kind: { sum: 3 } },
  { option: "rr6h", output: "RR-6-MM", sources: rr, floor: 0.01, kind: { sum: 6 } },
  { option: "rr12h", output: "RR-12-MM", sources: rr, floor: 0.01, kind: { sum: 12 } },
  { option: "rr24h", output: "RR-24-MM", sources: rr, floor: 0.01, kind: { sum: 24 } },
  { option: "rrr", output: "RRR-KGM2", sources: rr, floor: 0.01, kind: { rate: "hour" } },
  { option: "rrrc", output: "RRRC-KGM2", sources: ["RRC-KGM2"], floor: 0.01, kind: { rate: "hour" } },
  { option: "rrrl", output: "RRRL-KGM2", sources: ["RRL-KGM2"], floor: 0.01, kind: { rate: "hour" } },
  { option: "snr", output: "SNR-KGM2", sources: ["SNACC-KGM2"], kind: { rate: "hour" } },
  { option: "glob", output: "RADGLO-WM2", sources: ["RADGLOA-JM2"], kind: { rate: "second" } },
  { option: "lw", output: "RADLW-WM2", sources: ["RADLWA-JM2"], kind: { rate: "second" } },
  { option: "sw", output: "RADSW-WM2", sources: ["RADSWA-JM2"], kind: { rate: "second" } },
];

export const splitSumOptions = products.map((p) => p.option);

/** How far himan looks for an existing earlier or later step of a rate (hours). */
const searchHours = 6;

/** Pairs of steps [previous, current] a product may difference at this target, best first. */
function intervals(product: Product, target: Target): Array<[number, number]> {
  const step = target.step;
  if (step <= 0) return [];
  if ("sum" in product.kind) {
    const from = step - product.kind.sum;
    return from >= 0 ? [[from, step]] : [];
  }
  // Rates over the configuration's step; himan uses one hour for Harmonie producers 210 and 270.
  const back = target.targetProducer === 210 || target.targetProducer === 270 ? 1 : target.configStep;
  const pairs: Array<[number, number]> = [];
  if (step - back >= 0) pairs.push([step - back, step]);
  // Else the nearest earlier step (from one hour back) and the nearest later one (from the step itself).
  for (let b = 1; b <= searchHours + 1 && step - b >= 0; b++)
    for (let f = 0; f <= searchHours + 1; f++) pairs.push([step - b, step + f]);
  return pairs;
}

/** A product's input keys for one pair; a missing step 0 may stand for zero (himan's emulated field). */
function pairKeys(source: string, pair: [number, number], target: Target): FieldKey[][] {
  const [prev, cur] = pair;
  const both = [inputAt(target, source, prev), inputAt(target, source, cur)];
  return prev === 0 ? [both, [both[1]]] : [both];
}

interface Choice {
  product: Product;
  source: string;
  pair: [number, number];
  /** The step-0 accumulation is taken as zero. */
  zeroStart: boolean;
}

/** One product's input sets for the target (source × interval × zero start), best first. */
function choices(product: Product, target: Target): Array<{ keys: FieldKey[]; choice: Choice }> {
  return product.sources.flatMap((source) =>
    intervals(product, target).flatMap((pair) =>
      pairKeys(source, pair, target).map((keys) => ({
        keys,
        choice: { product, source, pair, zeroStart: keys.length === 1 },
      })),
    ),
  );
}

/** The accumulation over [prev, cur] from the two fields, with their restart points. */
function difference(previous: InputField | null, current: InputField, prev: number): (i: number) => number {
  const from = current.accumulatedFrom ?? 0;
  if (from === prev && from > 0) return (i) => current.values[i];
  if (!previous) return (i) => current.values[i];
  if ((previous.accumulatedFrom ?? 0) !== from) {
    throw new Error(
      `split_sum cannot difference ${current.key.param} accumulated from step ${from} at step ${current.key.step} ` +
        `and from step ${previous.accumulatedFrom ?? 0} at step ${previous.key.step}`,
    );
  }
  return (i) => current.values[i] - previous.values[i];
}

function compute(
  choice: Choice,
  step: number,
  input: (param: string, step: number) => InputField,
): OutputField {
  const { product, source, pair, zeroStart } = choice;
  const [prev, cur] = pair;
  const current = input(source, cur);
  const previous = zeroStart ? null : input(source, prev);
  const diff = difference(previous, current, prev);
  let divisor = 1;
  if ("rate" in product.kind) divisor = (cur - prev) * (product.kind.rate === "second" ? 3600 : 1);
  const scale = 1 / divisor;
  const floor = product.floor ?? 0;
  const values = new Float64Array(current.values.length);
  for (let i = 0; i < values.length; i++) {
    const d = diff(i) * scale;
    values[i] = d < floor ? 0 : d;
  }
  // Labelled as himan labels them: a sum over its hours, a rate per hour over the hour ending at the
  // step whatever steps it came from, radiation as an instantaneous flux.
  const param = paramInfo(product.output) as ParamInfo;
  const hours = "sum" in product.kind ? product.kind.sum : param.statistical?.hours;
  if (hours === undefined) return { param, values };
  return { param, values, interval: [step - hours, step] };
}

/** One product of the plugin: it chooses its own steps, independently of the others. */
function productInstance(product: Product): PluginInstance {
  const param = paramInfo(product.output) as ParamInfo;
  return {
    outputs: (target) => (choices(product, target).length > 0 ? [param] : []),
    inputs: (target) => choices(product, target).map((c) => c.keys),
    compute(context) {
      const { choice } = choices(product, context.target)[context.inputSet];
      return [compute(choice, context.target.step, (p, at) => context.input(p, at))];
    },
  };
}

export const splitSum: Plugin = {
  name: "split_sum",
  configure(options): PluginInstance {
    const chosen = products.filter((p) => isTrue(options[p.option]));
    if (chosen.length === 0) {
      throw new Error(`split_sum needs at least one of ${splitSumOptions.join(", ")} set to true`);
    }
    const parts = chosen.map(productInstance);
    return {
      parts,
      outputs: (target) => parts.flatMap((p) => p.outputs(target)),
      inputs: () => {
        throw new Error("split_sum runs as one task per product (parts)");
      },
      compute: () => {
        throw new Error("split_sum runs as one task per product (parts)");
      },
    };
  },
};
