// himan's JSON configuration, accepted as himan writes it: numbers and booleans may be strings, levels
// and hours are comma lists or ranges ("1,2,3", "1-3"), steps in hours or minutes, forecast types like
// "cf", "pf9", "pf1-10". Unknown keys (e.g. "_INFO") are ignored, as himan does. Errors name the JSON path.
import { z } from "zod";
import { type ForecastType, type LevelType, levelTypes } from "../fields.ts";
import { knownGeometryNames, namedGeometry } from "../geometries.ts";
import type { WriteMode } from "../outputs.ts";
import { plugins } from "../plugins/index.ts";
import type { PluginStep, ProductConfig, QueueItem } from "./model.ts";

export class ProductConfigError extends Error {
  override name = "ProductConfigError";
  readonly problems: string[];
  constructor(source: string, problems: string[]) {
    super(`invalid product configuration ${source}:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.problems = problems;
  }
}

const numberText = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
const num = z.union(
  [
    z.number(),
    z
      .string()
      .regex(numberText)
      .transform((s) => Number(s)),
  ],
  { error: "expected a number (or a number in a string)" },
);
const int = num.refine((n) => Number.isInteger(n), "expected a whole number");
const bool = z.union(
  [
    z.boolean(),
    z
      .enum(["true", "false", "1", "0", "yes", "no"])
      .transform((s) => s === "true" || s === "1" || s === "yes"),
  ],
  { error: 'expected true or false (or "true"/"false")' },
);

/**
 * "2", 2, "700,850", "1-5", "65-1" -> [2], [700, 850], [1, 2, 3, 4, 5], [65, 64, ..., 1], as himan's
 * Split fills ranges (either way); a layer "0_7" (ground_depth, height_layer) stands for its top, 0.
 */
const numberList = z
  .union([z.number(), z.string(), z.array(z.union([z.number(), z.string()]))])
  .transform((v, ctx) => {
    const parts = Array.isArray(v) ? v.map(String) : String(v).split(",");
    const out: number[] = [];
    for (const raw of parts) {
      const part = raw.trim();
      const range = /^(-?\d+(?:\.\d+)?)\s*-\s*(-?\d+(?:\.\d+)?)$/.exec(part);
      const layer = /^(\d+(?:\.\d+)?)_(\d+(?:\.\d+)?)$/.exec(part);
      if (range) {
        const [a, b] = [Number(range[1]), Number(range[2])];
        if (Math.abs(b - a) > 100_000) {
          ctx.addIssue({ code: "custom", message: `"${part}" is too long a range` });
          return z.NEVER;
        }
        const by = b < a ? -1 : 1;
        for (let x = a; by * x <= by * b; x += by) out.push(x);
      } else if (layer) out.push(Number(layer[1]));
      else if (numberText.test(part)) out.push(Number(part));
      else {
        ctx.addIssue({ code: "custom", message: `"${part}" is not a number or a range like 1-5` });
        return z.NEVER;
      }
    }
    return out;
  });

/** himan's level type names (case does not matter), with his aliases. */
const levelTypeAliases: Record<string, LevelType> = { topofatmosphere: "top", mean_sea: "meansea" };
const levelType = z
  .string()
  .transform((s) => levelTypeAliases[s.toLowerCase()] ?? s.toLowerCase())
  .pipe(
    z.enum(levelTypes as [LevelType, ...LevelType[]], {
      error: `expected a level type: ${levelTypes.join(", ")}`,
    }),
  );

const fileWrite = z
  .enum(["single", "multiple", "database", "cache only", "few"], {
    error: 'expected "single", "multiple", "database" or "cache only"',
  })
  .transform(
    (w): WriteMode => (w === "single" || w === "few" ? "single" : w === "cache only" ? w : "multiple"),
  );

/** "det", "an", "cf", "cf0", "pf9", "pf1-3", comma lists. */
export const forecastTypeList = z.string().transform((text, ctx) => {
  const out: ForecastType[] = [];
  for (const raw of text.split(",")) {
    const part = raw.trim().toLowerCase();
    const m = /^(det|deterministic|an|analysis|cf|pf|sp)(\d+)?(?:-(\d+))?$/.exec(part);
    if (!m) {
      ctx.addIssue({
        code: "custom",
        message: `"${raw}" is not a forecast type (det, an, cf, pfN, pfN-M, sp)`,
      });
      return z.NEVER;
    }
    const kind =
      m[1] === "deterministic" ? "det" : m[1] === "analysis" ? "an" : (m[1] as ForecastType["kind"]);
    if (kind === "cf") out.push({ kind, member: m[2] ? Number(m[2]) : 0 });
    else if (kind === "pf") {
      if (!m[2]) {
        ctx.addIssue({
          code: "custom",
          message: `"${raw}": a perturbed forecast needs its member, e.g. pf9 or pf1-10`,
        });
        return z.NEVER;
      }
      const last = m[3] ? Number(m[3]) : Number(m[2]);
      for (let member = Number(m[2]); member <= last; member++) out.push({ kind, member });
    } else out.push({ kind });
  }
  return out;
});

const pluginEntry = z.looseObject({ name: z.string().min(1, "expected the plugin's name") });

const queueItem = z.looseObject({
  leveltype: levelType.optional(),
  levels: numberList.optional(),
  file_write: fileWrite.optional(),
  plugins: z.array(pluginEntry).min(1, "expected at least one plugin"),
});

const origin = z.union(
  [
    z
      .string()
      .regex(/^\d{4}-\d\d-\d\d([ T]\d\d:\d\d(:\d\d)?)?Z?$/)
      .transform(
        (s) => new Date(`${s.replace(" ", "T").replace(/Z$/, "")}${s.length <= 10 ? "T00:00:00" : ""}Z`),
      ),
    z.literal("latest").transform(() => null),
  ],
  { error: 'expected "YYYY-MM-DD HH:MM:SS" (UTC) or "latest"' },
);

export const himanConfigSchema = z
  .looseObject({
    source_producer: z.union([int, z.string()]).optional(),
    target_producer: int.optional(),
    source_geom_name: z.string().optional(),
    target_geom_name: z.string().optional(),
    start_hour: num.optional(),
    stop_hour: num.optional(),
    start_minute: int.optional(),
    stop_minute: int.optional(),
    step: num.optional(),
    step_unit: z.enum(["hour", "minute"], { error: 'expected "hour" or "minute"' }).optional(),
    hours: numberList.optional(),
    origintime: origin.optional(),
    forecast_type: forecastTypeList.optional(),
    file_write: fileWrite.optional(),
    read_data_from_database: bool.optional(),
    leveltype: levelType.optional(),
    levels: numberList.optional(),
    processqueue: z.array(queueItem).min(1, "expected at least one processqueue item"),
  })
  .superRefine((c, ctx) => {
    const hasHours = c.hours !== undefined;
    const hasHourRange = c.start_hour !== undefined || c.stop_hour !== undefined;
    const hasMinuteRange = c.start_minute !== undefined || c.stop_minute !== undefined;
    if (!hasHours && !hasHourRange && !hasMinuteRange) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message:
          'give the steps: "hours", or "start_hour"/"stop_hour"/"step", or "start_minute"/"stop_minute"/"step"',
      });
    }
    if ((hasHourRange || hasMinuteRange) && c.step === undefined && !hasHours) {
      ctx.addIssue({ code: "custom", path: ["step"], message: "expected a step with start/stop" });
    }
    if (c.step !== undefined && c.step <= 0)
      ctx.addIssue({ code: "custom", path: ["step"], message: "expected a positive step" });
    c.processqueue.forEach((item, i) => {
      if (!item.leveltype && !c.leveltype)
        ctx.addIssue({
          code: "custom",
          path: ["processqueue", i, "leveltype"],
          message: "expected a level type here or at the top",
        });
      if (!item.levels && !c.levels)
        ctx.addIssue({
          code: "custom",
          path: ["processqueue", i, "levels"],
          message: "expected levels here or at the top",
        });
    });
  });

export type HimanConfig = z.infer<typeof himanConfigSchema>;

/** "$.processqueue[0].levels" */
export function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  return `$${path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}`;
}

export function zodProblems(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = []): string[] {
  return error.issues.map((issue) => `${jsonPath([...prefix, ...issue.path])}: ${issue.message}`);
}

/** Steps in hours from himan's step keys. */
function stepsOf(c: HimanConfig): { steps: number[]; stepHours: number | null } {
  if (c.hours) return { steps: [...c.hours].sort((a, b) => a - b), stepHours: null };
  const minutes = c.start_minute !== undefined || c.stop_minute !== undefined || c.step_unit === "minute";
  const unit = minutes ? 1 / 60 : 1;
  const start = (minutes ? (c.start_minute ?? (c.start_hour ?? 0) * 60) : (c.start_hour ?? 0)) as number;
  const stop = (
    minutes
      ? (c.stop_minute ?? (c.stop_hour !== undefined ? c.stop_hour * 60 : start))
      : (c.stop_hour ?? start)
  ) as number;
  const step = c.step ?? 1;
  const steps: number[] = [];
  for (let s = start; s <= stop + 1e-9; s += step) steps.push(Math.round(s * unit * 3600) / 3600);
  return { steps, stepHours: step * unit };
}

/** Configures each plugin of each queue item; problems are collected with their JSON paths. */
export function buildQueue(
  items: Array<{
    levelType: LevelType;
    levels: number[];
    fileWrite?: WriteMode | undefined;
    plugins: Array<Record<string, unknown> & { name: string }>;
  }>,
  problems: string[],
  pathOf: (item: number, plugin: number) => PropertyKey[],
): QueueItem[] {
  return items.map((item, i) => ({
    levelType: item.levelType,
    levels: item.levels,
    plugins: item.plugins.flatMap((entry, j): PluginStep[] => {
      const plugin = plugins.get(entry.name);
      const at = pathOf(i, j);
      if (!plugin) {
        problems.push(
          `${jsonPath([...at, "name"])}: unknown plugin "${entry.name}" (known: ${[...plugins.keys()].join(", ")})`,
        );
        return [];
      }
      try {
        return [
          {
            name: entry.name,
            options: entry,
            instance: plugin.configure(entry),
            ...(item.fileWrite ? { fileWrite: item.fileWrite } : {}),
          },
        ];
      } catch (error) {
        if (error instanceof z.ZodError) problems.push(...zodProblems(error, at));
        else problems.push(`${jsonPath(at)}: ${error instanceof Error ? error.message : String(error)}`);
        return [];
      }
    }),
  }));
}

/** Reads himan's JSON configuration text; `name` is the file name (himan names single-file output after it). */
export function parseHimanConfig(text: string, name: string): ProductConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ProductConfigError(name, [`not valid JSON: ${(error as Error).message}`]);
  }
  const parsed = himanConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ProductConfigError(name, zodProblems(parsed.error));
  const c = parsed.data;
  const problems: string[] = [];
  const processqueue = buildQueue(
    c.processqueue.map((item) => ({
      levelType: (item.leveltype ?? c.leveltype) as LevelType,
      levels: (item.levels ?? c.levels) as number[],
      fileWrite: item.file_write,
      plugins: item.plugins,
    })),
    problems,
    (i, j) => ["processqueue", i, "plugins", j],
  );
  if (problems.length > 0) throw new ProductConfigError(name, problems);
  const { steps, stepHours } = stepsOf(c);
  const notes: string[] = [];
  const geometry = c.target_geom_name === undefined ? undefined : namedGeometry(c.target_geom_name);
  if (c.target_geom_name !== undefined && !geometry)
    notes.push(
      `target_geom_name ${c.target_geom_name} is not a geometry known here (known: ${knownGeometryNames().join(", ")}); products stay on their source grid`,
    );
  const sourceProducers = String(c.source_producer ?? "")
    .split(",")
    .map((p) => Number.parseInt(p, 10))
    .filter(Number.isFinite);
  return {
    name,
    sourceProducer: sourceProducers[0] ?? null,
    sourceProducers,
    targetProducer: c.target_producer ?? null,
    originTime: c.origintime ?? null,
    steps,
    stepHours,
    forecastTypes: c.forecast_type ?? [{ kind: "det" }],
    fileWrite: c.file_write ?? "multiple",
    target: geometry ? { name: c.target_geom_name as string, grid: geometry } : null,
    interpolation: null,
    edition: null,
    packing: null,
    fileNameTemplate: null,
    processqueue,
    notes,
  };
}
