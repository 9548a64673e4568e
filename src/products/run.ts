// Running one job: read its inputs through a provider, bring them onto the computation grid (the target
// area, or the inputs' own grid), compute every task in processqueue order (a later plugin reads what an
// earlier one made, as in himan), and encode the outputs with their file names. Pure apart from the
// provider and the encoder it is given; running it twice gives the same bytes.
import type { GridDefinition } from "../grib/types.ts";
import type { Packing, ProductConfig } from "./config/model.ts";
import {
  type Field,
  type FieldKey,
  type ForecastType,
  fieldKeyText,
  keyId,
  type LevelType,
  levelId,
} from "./fields.ts";
import { bringOntoGrid, gridId, gridText } from "./grids.ts";
import { forecastTypeFor, type JobTask, jobTasks, missingInputs } from "./jobs.ts";
import { assembleFiles, type OutputFile, type WriteMode } from "./outputs.ts";
import type { ParamInfo } from "./params.ts";
import type { InputField, OutputField } from "./plugins/types.ts";
import { levelPv } from "./vertical.ts";
import { vectorPairs } from "./wind.ts";

export type { OutputFile } from "./outputs.ts";

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
  /** Hybrid levels: the source's vertical coordinates, written with the product as himan does. */
  pv?: Float64Array;
}

export type Encoder = (message: ProductMessage) => Uint8Array;

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

/** Inputs that cannot make one product: on different grids, or one parameter in different units. */
export class ProductInputError extends Error {
  override name = "ProductInputError";
}

/** FMI's centre: FMI's local table 203 (GRIB1) and local GRIB2 numbers are coded under it. */
const fmiCentre = 86;

const vectorParams = new Set(vectorPairs.flat());

/** The provider's fields, each read once per job, and which of the candidates exist. */
class JobSource {
  private readonly cache = new Map<string, Promise<Field | undefined>>();
  private readonly present = new Set<string>();
  private readonly provider: InputsProvider;
  constructor(provider: InputsProvider) {
    this.provider = provider;
  }

  read(k: FieldKey): Promise<Field | undefined> {
    const id = keyId(k);
    let f = this.cache.get(id);
    if (!f) {
      f = this.provider.get(k);
      this.cache.set(id, f);
    }
    return f;
  }

  async probe(keys: FieldKey[]): Promise<void> {
    for (const k of keys) {
      const id = keyId(k);
      if (this.present.has(id)) continue;
      if (await (this.provider.has ? this.provider.has(k) : this.read(k))) this.present.add(id);
    }
  }

  has(k: FieldKey): boolean {
    return this.present.has(keyId(k));
  }
}

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
  const source = new JobSource(inputs);
  await source.probe(tasks.flatMap((t) => t.alternatives.flat()));
  // What earlier tasks made, on their computation grid: later tasks read it like any input.
  const produced = new Map<string, Field>();
  const has = (k: FieldKey) => produced.has(keyId(k)) || source.has(k);

  const messages: Array<{ message: ProductMessage; key: FieldKey; inputs: FieldKey[]; mode: WriteMode }> = [];
  const skipped: JobResult["skipped"] = [];
  for (const task of tasks) {
    const chosen = task.alternatives.findIndex((set) => set.every(has));
    if (chosen < 0) {
      const { levelType, level } = task.target;
      skipped.push({ plugin: task.plugin.name, levelType, level, missing: missingInputs(task, has) });
      continue;
    }
    const set = task.alternatives[chosen];
    const fields = await Promise.all(
      set.map(async (k) => {
        const f = produced.get(keyId(k)) ?? (await source.read(k));
        if (!f) throw new Error(`${fieldKeyText(k)} was listed as present but could not be read`);
        return f;
      }),
    );
    if (!config.target) checkOneGrid(task, fields);
    checkUnits(task, fields);
    const grid = config.target?.grid ?? fields[0].grid;
    const onGrid = bringOntoGrid(fields, grid, config.interpolation ?? task.instance.interpolation ?? null);
    const outputs = task.instance.compute({
      target: task.target,
      inputSet: chosen,
      input: (param, atStep, levelType, level) => findInput(task, onGrid, param, atStep, levelType, level),
    });
    const gridRelative = onGrid.some((f) => f.grid.uvRelativeToGrid === 1);
    const pv = task.target.levelType === "hybrid" ? levelPv(fields, task.target.level) : undefined;
    for (const out of outputs) {
      const asked = options.edition ?? config.edition ?? fields[0].edition ?? 2;
      const edition = outputEdition(asked, forecastType, step, pv, out.param);
      // Products are earth-relative, except vector components passed through still relative to the grid.
      const uvRelativeToGrid = gridRelative && vectorParams.has(out.param.name) ? 1 : 0;
      const key: FieldKey = {
        param: out.param.name,
        levelType: task.target.levelType,
        level: task.target.level,
        step,
      };
      if (forecastType.member !== undefined) key.member = forecastType.member;
      const message: ProductMessage = {
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
        ...(pv ? { pv } : {}),
      };
      produced.set(keyId(key), producedField(key, message));
      messages.push({ key, message, inputs: set, mode: task.plugin.fileWrite ?? config.fileWrite });
    }
  }
  return { files: assembleFiles(messages, config, cycle, forecastType, encode), skipped };
}

function findInput(
  task: JobTask,
  fields: InputField[],
  param: string,
  atStep = task.target.step,
  levelType?: LevelType,
  level?: number,
): InputField {
  const wanted = levelType === undefined ? undefined : levelId(levelType, level ?? 0);
  const found = fields.find(
    (f) =>
      f.key.param === param &&
      Math.abs(f.key.step - atStep) < 1e-6 &&
      (wanted === undefined || levelId(f.key.levelType, f.key.level) === wanted),
  );
  if (!found)
    throw new Error(`${task.plugin.name} asked for ${param} at step ${atStep}, not among its inputs`);
  return found;
}

const where = (task: JobTask) =>
  `${task.plugin.name} ${task.target.levelType} ${task.target.level} step ${task.target.step}`;

/** With no target area, every input must be on one grid: which one would the product be on? */
function checkOneGrid(task: JobTask, fields: Field[]): void {
  const first = fields[0];
  const other = fields.find((f) => gridId(f.grid) !== gridId(first.grid));
  if (!other) return;
  throw new ProductInputError(
    `${where(task)}: its inputs are on different grids: ${fieldKeyText(first.key)} on ${gridText(first.grid)}, ` +
      `${fieldKeyText(other.key)} on ${gridText(other.grid)}; give the configuration a target area ` +
      "(target_geom_name, or targetArea in YAML) so that both are brought onto it",
  );
}

/** One parameter read at several steps or levels must come in one unit (an accumulation in m and in kg m-2 would not difference). */
function checkUnits(task: JobTask, fields: Field[]): void {
  for (const a of fields) {
    const b = fields.find((f) => f.key.param === a.key.param && f.units && a.units && f.units !== a.units);
    if (b) {
      throw new ProductInputError(
        `${where(task)}: ${fieldKeyText(a.key)} is in ${a.units} but ${fieldKeyText(b.key)} is in ${b.units}; ` +
          "the inputs of one product must agree (check the source files' parameter codes)",
      );
    }
  }
}

/**
 * himan writes GRIB2 when GRIB1 cannot hold the product: a forecast that is neither an analysis nor
 * deterministic (an ensemble member or a statistical product: GRIB1 has no code for them without a
 * local section), a product on a hybrid level whose coordinates (pv) are more than 255 values (one
 * made on another level from such inputs, e.g. the tropopause at height 0, carries none), or a step that is not whole hours (a
 * Harmonie 15-minute step; unless the parameter has no GRIB2 code, where himan would write it as
 * temperature: GRIB1 has the minute as a unit).
 */
function outputEdition(
  asked: 1 | 2,
  forecastType: ForecastType,
  step: number,
  pv: Float64Array | undefined,
  param: ParamInfo,
): 1 | 2 {
  if (asked === 2) return 2;
  const notDeterministic = forecastType.kind !== "an" && forecastType.kind !== "det";
  const longPv = (pv?.length ?? 0) > 255;
  const minutes = Math.abs(step * 60 - Math.round(step) * 60) > 1e-6 && param.grib2 !== null;
  return notDeterministic || longPv || minutes ? 2 : 1;
}

function producedField(key: FieldKey, message: ProductMessage): Field {
  const pv = message.pv;
  return {
    key,
    grid: message.grid,
    values: message.values,
    edition: message.edition,
    centre: message.centre,
    units: message.param.units,
    ...(pv ? { pv } : {}),
  };
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
