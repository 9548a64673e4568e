// What the planner knows of a quantity (a job's seconds, a boot, a step's lateness): a constant, a
// textbook distribution given by the operator, or the recorded values themselves (drawn from as they
// are: no shape is assumed for what was measured).
import { PlanInputError } from "./errors.ts";
import { normal, type Random } from "./random.ts";

export type Distribution =
  | { kind: "constant"; value: number }
  | { kind: "uniform"; min: number; max: number }
  | { kind: "normal"; mean: number; sd: number }
  | { kind: "exponential"; mean: number }
  /** Recorded values, sorted ascending; a draw is one of them. */
  | { kind: "empirical"; values: readonly number[] }
  /**
   * Recorded values by where in the stream they were recorded (its first fifth, second, ...): a draw
   * for a place in the stream comes from the values recorded there, so that what changes along a cycle
   * (a cold start, a busier middle) stays where it was. `pooled` is all of them.
   */
  | { kind: "staged"; stages: readonly Distribution[]; pooled: Distribution };

export const constant = (value: number): Distribution => ({ kind: "constant", value });

/** The recorded values as a distribution; null when there are none. */
export function empirical(values: readonly number[]): Distribution | null {
  const finite = values.filter((v) => Number.isFinite(v));
  return finite.length ? { kind: "empirical", values: finite.sort((a, b) => a - b) } : null;
}

/** A draw; `position` (0 the stream's start, 1 its end) picks the stage of a staged distribution. */
export function draw(d: Distribution, random: Random, position = 0.5): number {
  switch (d.kind) {
    case "staged":
      return draw(d.stages[Math.min(d.stages.length - 1, Math.floor(position * d.stages.length))]!, random);
    case "constant":
      return d.value;
    case "uniform":
      return d.min + (d.max - d.min) * random();
    case "normal":
      return d.mean + d.sd * normal(random);
    case "exponential":
      return -d.mean * Math.log(1 - random());
    case "empirical":
      return d.values[Math.min(d.values.length - 1, Math.floor(random() * d.values.length))]!;
  }
}

/** The p-quantile (p in 0..1); nearest rank for recorded values. */
export function quantile(d: Distribution, p: number): number {
  switch (d.kind) {
    case "staged":
      return quantile(d.pooled, p);
    case "constant":
      return d.value;
    case "uniform":
      return d.min + (d.max - d.min) * p;
    case "normal":
      return d.mean + d.sd * normalQuantile(p);
    case "exponential":
      return -d.mean * Math.log(1 - Math.min(p, 1 - 1e-12));
    case "empirical":
      return nearestRank(d.values, p);
  }
}

export function mean(d: Distribution): number {
  switch (d.kind) {
    case "staged":
      return mean(d.pooled);
    case "constant":
      return d.value;
    case "uniform":
      return (d.min + d.max) / 2;
    case "normal":
      return d.mean;
    case "exponential":
      return d.mean;
    case "empirical":
      return d.values.reduce((s, v) => s + v, 0) / d.values.length;
  }
}

/** A recorded value and where in its stream it was recorded (0 the start, 1 the end). */
export interface Placed {
  value: number;
  position: number;
}

/**
 * Recorded values kept by where in the stream they were recorded, in `stages` equal parts; a part with
 * too few values of its own draws from all of them. Null when there are none.
 */
export function stagedEmpirical(placed: readonly Placed[], stages = 5): Distribution | null {
  const pooled = empirical(placed.map((p) => p.value));
  if (!pooled || placed.length < stages * 3) return pooled;
  const parts = Array.from({ length: stages }, (_, k) =>
    placed.filter((p) => Math.min(stages - 1, Math.floor(p.position * stages)) === k).map((p) => p.value),
  );
  return {
    kind: "staged",
    stages: parts.map((values) => (values.length >= 3 ? empirical(values)! : pooled)),
    pooled,
  };
}

/** Every value scaled (a job's seconds on a faster CPU, lateness at another time factor). */
export function scaled(d: Distribution, factor: number): Distribution {
  switch (d.kind) {
    case "staged":
      return {
        kind: "staged",
        stages: d.stages.map((s) => scaled(s, factor)),
        pooled: scaled(d.pooled, factor),
      };
    case "constant":
      return constant(d.value * factor);
    case "uniform":
      return { kind: "uniform", min: d.min * factor, max: d.max * factor };
    case "normal":
      return { kind: "normal", mean: d.mean * factor, sd: d.sd * factor };
    case "exponential":
      return { kind: "exponential", mean: d.mean * factor };
    case "empirical":
      return { kind: "empirical", values: d.values.map((v) => v * factor) };
  }
}

/** Nearest-rank quantile of sorted values (p in 0..1). */
export function nearestRank(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(p * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Acklam's rational approximation of the standard normal quantile (error below 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [
    -39.6968302866538, 220.946098424521, -275.928510446969, 138.357751867269, -30.6647980661472,
    2.50662827745924,
  ];
  const b = [-54.4760987982241, 161.585836858041, -155.698979859887, 66.8013118877197, -13.2806815528857];
  const c = [
    -0.00778489400243029, -0.322396458041136, -2.40075827716184, -2.54973253934373, 4.37466414146497,
    2.93816398269878,
  ];
  const d = [0.00778469570904146, 0.32246712907004, 2.445134137143, 3.75440866190742];
  const q = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
  const tail = (r: number) =>
    (((((c[0]! * r + c[1]!) * r + c[2]!) * r + c[3]!) * r + c[4]!) * r + c[5]!) /
    ((((d[0]! * r + d[1]!) * r + d[2]!) * r + d[3]!) * r + 1);
  if (q < 0.02425) return tail(Math.sqrt(-2 * Math.log(q)));
  if (q > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - q)));
  const s = q - 0.5;
  const r = s * s;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * s) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

const unitSeconds: Record<string, number> = { ms: 0.001, s: 1, sec: 1, m: 60, min: 60, h: 3600 };

/** A duration: "90min", "1h30m", "45s", "1.5" (seconds), "-20s". */
export function parseDuration(text: string, what: string): number {
  const trimmed = text.trim();
  const sign = trimmed.startsWith("-") ? -1 : 1;
  const body = trimmed.replace(/^[-+]/, "");
  if (/^\d+(\.\d+)?$/.test(body)) return sign * Number(body);
  const parts = [...body.matchAll(/(\d+(?:\.\d+)?)\s*(ms|sec|min|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== body.replace(/\s+/g, ""))
    throw new PlanInputError(
      `${what}: "${text}" is not a duration`,
      'write seconds ("45"), or with units: "45s", "90min", "1h30m"',
    );
  return sign * parts.reduce((sum, p) => sum + Number(p[1]) * unitSeconds[p[2]!]!, 0);
}

/**
 * A distribution the operator gives: "none", "const:20s", "normal:SD" or "normal:MEAN,SD",
 * "uniform:MIN,MAX", "exp:MEAN" (durations with units allowed).
 */
export function parseDistribution(spec: string, what: string): Distribution {
  const [kind = "", rest = ""] = spec.trim().split(":", 2);
  const args = rest ? rest.split(",").map((a) => parseDuration(a, what)) : [];
  const need = (n: number, form: string) => {
    if (args.length !== n) throw new PlanInputError(`${what}: "${spec}" needs ${form}`);
  };
  switch (kind) {
    case "none":
      return constant(0);
    case "const":
      need(1, "one value, e.g. const:20s");
      return constant(args[0]!);
    case "normal":
      if (args.length === 1) return { kind: "normal", mean: 0, sd: args[0]! };
      need(2, "a standard deviation (normal:30s) or a mean and one (normal:10s,30s)");
      return { kind: "normal", mean: args[0]!, sd: args[1]! };
    case "uniform":
      need(2, "a range, e.g. uniform:-10s,60s");
      if (args[1]! < args[0]!) throw new PlanInputError(`${what}: "${spec}" has its range backwards`);
      return { kind: "uniform", min: args[0]!, max: args[1]! };
    case "exp":
      need(1, "a mean, e.g. exp:30s");
      return { kind: "exponential", mean: args[0]! };
    default:
      throw new PlanInputError(
        `${what}: "${spec}" is not a distribution`,
        "use none, const:20s, normal:30s, normal:10s,30s, uniform:-10s,60s or exp:30s",
      );
  }
}

/** How a distribution reads in a report. */
export function describeDistribution(d: Distribution, unit = "s"): string {
  const f = (v: number) => `${Math.abs(v) < 5e-4 ? 0 : Number(v.toPrecision(3))} ${unit}`;
  switch (d.kind) {
    case "staged":
      return `${describeDistribution(d.pooled, unit)}, drawn by where in the stream they were recorded`;
    case "constant":
      return f(d.value);
    case "uniform":
      return `uniform ${f(d.min)} to ${f(d.max)}`;
    case "normal":
      return `normal, mean ${f(d.mean)}, sd ${f(d.sd)}`;
    case "exponential":
      return `exponential, mean ${f(d.mean)}`;
    case "empirical":
      return `${d.values.length} recorded: p50 ${f(quantile(d, 0.5))}, p95 ${f(quantile(d, 0.95))}, max ${f(d.values.at(-1)!)}`;
  }
}
