// Running one job: read its inputs through a provider, bring them onto the computation grid (the target
// area, or the first input's grid), compute every task, and encode the outputs with their file names.
// Pure apart from the provider and the encoder it is given; running it twice gives the same bytes.
import type { GridDefinition } from "../grib/types.ts";
import type { Packing, ProductConfig } from "./config/model.ts";
import { type Field, type FieldKey, type ForecastType, fieldKeyText, type LevelType } from "./fields.ts";
import { chooseInputSets, forecastTypeFor, jobTasks, missingInputs } from "./jobs.ts";
import { fileName } from "./naming.ts";
import type { ParamInfo } from "./params.ts";
import type { InputField, OutputField } from "./plugins/types.ts";
import { latticeOf } from "./projection.ts";
import { applyWeights, type RegridMethod, type RegridWeights, regridWeights } from "./regrid.ts";
import { toEarthRelative, vectorPairs } from "./wind.ts";

/** Where a job's inputs come from (the store via the catalogue, or files on the command line). */
export interface InputsProvider {
  /** The field, or undefined when it does not exist (yet). */
  get(key: FieldKey): Promise<Field | undefined>;
  /** Whether the field exists, without reading it; when absent, get() answers. */
  has?(key: FieldKey): boolean | Promise<boolean>;
}

/** One product field ready to encode. */
export interface ProductMessage {
  edition: 1 | 2;
  /** Originating centre (WMO code) and the source message's sub-centre. */
  centre: number;
  analysisTime: Date;
  /** Lead time in hours; for statistically processed products, the end of `interval`. */
  step: number;
  interval?: [number, number];
  levelType: LevelType;
  level: number;
  param: ParamInfo;
  forecastType: ForecastType;
  grid: GridDefinition;
  values: Float64Array;
  packing: Packing;
}

export type Encoder = (message: ProductMessage) => Uint8Array;

export interface OutputFile {
  name: string;
  bytes: Uint8Array;
  /** The fields in the file (one in "multiple" mode). */
  fields: FieldKey[];
  /** Lineage: the input fields the file's products were computed from. */
  inputs: FieldKey[];
}

export interface RunOptions {
  /** Output edition (himan's -t); else the configuration's, else the first input's. */
  edition?: 1 | 2;
  /** A job's member; undefined = the configuration's first forecast type. */
  member?: number;
}

export interface JobResult {
  files: OutputFile[];
  /** Tasks skipped because no input set was complete, with what the preferred set lacks. */
  skipped: Array<{ plugin: string; levelType: LevelType; level: number; missing: string[] }>;
}

/** FMI's centre: FMI's local table 203 (GRIB1) and local GRIB2 numbers are coded under it. */
const fmiCentre = 86;

/** himan interpolates these with nearest point: vectors, sums and symbols must not be smoothed. */
const nearestParams = /^(U-MS|V-MS|WGU-MS|WGV-MS|DD-D|FF-MS|RR.*|SN.*|GR.*|.*-N)$/;

const vectorParams = new Set(vectorPairs.flat());

const weightCache = new Map<string, RegridWeights>();

function gridId(grid: GridDefinition): string {
  const { uvRelativeToGrid: _uv, ...rest } = grid;
  return JSON.stringify(rest);
}

function weightsFor(from: GridDefinition, to: GridDefinition, method: RegridMethod): RegridWeights {
  const id = `${method}\n${gridId(from)}\n${gridId(to)}`;
  let w = weightCache.get(id);
  if (!w) {
    w = regridWeights(latticeOf(from), latticeOf(to), method);
    if (weightCache.size >= 16) weightCache.delete(weightCache.keys().next().value as string);
    weightCache.set(id, w);
  }
  return w;
}

const keyId = (k: FieldKey) => `${k.param}|${k.levelType}|${k.level}|${k.step}|${k.member ?? ""}`;

export async function runJob(
  inputs: InputsProvider,
  config: ProductConfig,
  cycle: Date,
  step: number,
  encode: Encoder,
  options: RunOptions = {},
): Promise<JobResult> {
  const forecastType = forecastTypeFor(config, options.member);
  const tasks = jobTasks(config, step, forecastType);
  const cache = new Map<string, Promise<Field | undefined>>();
  const fetch = (k: FieldKey) => {
    const id = keyId(k);
    let f = cache.get(id);
    if (!f) {
      f = inputs.get(k);
      cache.set(id, f);
    }
    return f;
  };
  // Which set each task can use: ask for every candidate field once.
  const present = new Set<string>();
  for (const k of tasks.flatMap((t) => t.alternatives.flat())) {
    if (present.has(keyId(k))) continue;
    if (await (inputs.has ? inputs.has(k) : fetch(k))) present.add(keyId(k));
  }
  const chosen = chooseInputSets(tasks, (k) => present.has(keyId(k)));

  const messages: Array<{ message: ProductMessage; key: FieldKey; inputs: FieldKey[] }> = [];
  const skipped: JobResult["skipped"] = [];
  for (let t = 0; t < tasks.length; t++) {
    const task = tasks[t];
    if (chosen[t] < 0) {
      const missing = missingInputs(task, (k) => present.has(keyId(k)));
      skipped.push({
        plugin: task.plugin.name,
        levelType: task.target.levelType,
        level: task.target.level,
        missing,
      });
      continue;
    }
    const set = task.alternatives[chosen[t]];
    const fields = await Promise.all(
      set.map(async (k) => {
        const f = await fetch(k);
        if (!f) throw new Error(`${fieldKeyText(k)} was listed as present but could not be read`);
        return f;
      }),
    );
    const grid = config.target?.grid ?? fields[0].grid;
    const onGrid = bringOntoGrid(
      fields,
      grid,
      config.interpolation ?? task.plugin.instance.interpolation ?? null,
    );
    const outputs = task.plugin.instance.compute({
      target: task.target,
      inputSet: chosen[t],
      input(param, atStep = task.target.step, levelType, level) {
        const found = onGrid.find(
          (f) =>
            f.key.param === param &&
            f.key.step === atStep &&
            (levelType === undefined || f.key.levelType === levelType) &&
            (level === undefined || f.key.level === level),
        );
        if (!found)
          throw new Error(`${task.plugin.name} asked for ${param} at step ${atStep}, not among its inputs`);
        return found;
      },
    });
    const edition = options.edition ?? config.edition ?? fields[0].edition ?? 2;
    // Products are earth-relative, except vector components passed through still relative to the grid.
    const gridRelative = onGrid.some((f) => f.grid.uvRelativeToGrid === 1);
    for (const out of outputs) {
      const uvRelativeToGrid = gridRelative && vectorParams.has(out.param.name) ? 1 : 0;
      const key: FieldKey = {
        param: out.param.name,
        levelType: task.target.levelType,
        level: task.target.level,
        step,
      };
      if (forecastType.member !== undefined) key.member = forecastType.member;
      messages.push({
        key,
        inputs: set,
        message: {
          edition,
          centre: centreFor(out.param, edition, fields[0].centre),
          analysisTime: cycle,
          step,
          ...(out.interval ? { interval: out.interval } : {}),
          levelType: task.target.levelType,
          level: task.target.level,
          param: out.param,
          forecastType,
          grid: { ...grid, uvRelativeToGrid },
          values: out.values,
          packing: packingFor(config, out, onGrid),
        },
      });
    }
  }

  const files: OutputFile[] = [];
  if (config.fileWrite === "single") {
    if (messages.length > 0) {
      const parts = messages.map((m) => encode(m.message));
      const ext = messages[0].message.edition === 2 ? "grib2" : "grib";
      files.push({
        name: `${config.name}.${ext}`,
        bytes: concat(parts),
        fields: messages.map((m) => m.key),
        inputs: messages.flatMap((m) => m.inputs),
      });
    }
  } else {
    for (const { message, key, inputs: used } of messages) {
      const name = fileName(config.fileNameTemplate, {
        key,
        grid: message.grid,
        forecastType,
        edition: message.edition,
        analysisTime: cycle,
        geometryName: config.target?.name ?? "source",
      });
      files.push({ name, bytes: encode(message), fields: [key], inputs: used });
    }
  }
  return { files, skipped };
}

function centreFor(param: ParamInfo, edition: 1 | 2, sourceCentre: number | undefined): number {
  if (edition === 1) return fmiCentre;
  const code = param.grib2;
  const local = code !== null && (code.parameterCategory >= 192 || code.parameterNumber >= 192);
  return local || sourceCentre === undefined ? fmiCentre : sourceCentre;
}

function packingFor(config: ProductConfig, out: OutputField, inputs: InputField[]): Packing {
  if (config.packing) return config.packing;
  const sourceBits = inputs[0]?.bitsPerValue;
  if (out.keepSourcePrecision && sourceBits && sourceBits > 0)
    return { type: "simple", bitsPerValue: sourceBits };
  return { type: "simple", bitsPerValue: 16 };
}

/** Inputs on `grid`: vector pairs turned earth-relative first when they must move, then regridded. */
function bringOntoGrid(fields: Field[], grid: GridDefinition, method: RegridMethod | null): InputField[] {
  const target = gridId(grid);
  const moved = new Map<Field, Field>();
  for (const [xName, yName] of vectorPairs) {
    for (const x of fields) {
      if (x.key.param !== xName || x.grid.uvRelativeToGrid !== 1 || gridId(x.grid) === target) continue;
      const y = fields.find(
        (f) => f.key.param === yName && f.key.step === x.key.step && f.key.level === x.key.level,
      );
      if (!y) continue;
      const { u, v } = toEarthRelative(x.grid, x.values, y.values);
      moved.set(x, { ...x, values: u, grid: { ...x.grid, uvRelativeToGrid: 0 } });
      moved.set(y, { ...y, values: v, grid: { ...y.grid, uvRelativeToGrid: 0 } });
    }
  }
  return fields.map((original) => {
    const f = moved.get(original) ?? original;
    if (gridId(f.grid) === target) return f;
    const how = method ?? (nearestParams.test(f.key.param) ? "nearest" : "bilinear");
    return {
      ...f,
      grid: { ...grid, uvRelativeToGrid: f.grid.uvRelativeToGrid },
      values: applyWeights(weightsFor(f.grid, grid, how), f.values),
    };
  });
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
