// Job planning, pure: a job is (product configuration, cycle, step[, member]). What it reads is known
// before any data arrives, so a scheduler can fire it the moment the catalogue holds its inputs.
import type { PluginStep, ProductConfig } from "./config/model.ts";
import { type FieldKey, type ForecastType, fieldKeyText } from "./fields.ts";
import type { ParamInfo } from "./params.ts";
import type { InputSet, Target } from "./plugins/types.ts";

export interface Job {
  config: ProductConfig;
  cycle: Date;
  step: number;
  forecastType: ForecastType;
}

/** One plugin at one level within a job. */
export interface JobTask {
  plugin: PluginStep;
  target: Target;
  outputs: ParamInfo[];
  /** Input alternatives, best first; the task can run when one is complete. */
  alternatives: InputSet[];
}

/** Every job of a cycle: each configured step for each forecast type (member). */
export function planJobs(config: ProductConfig, cycle: Date): Job[] {
  return config.steps.flatMap((step) =>
    config.forecastTypes.map((forecastType) => ({ config, cycle, step, forecastType })),
  );
}

/** The configured forecast type for a member (undefined: the first, e.g. deterministic). */
export function forecastTypeFor(config: ProductConfig, member?: number): ForecastType {
  if (member === undefined) return config.forecastTypes[0];
  const found = config.forecastTypes.find((f) => f.member === member);
  if (!found) throw new Error(`member ${member} is not one of the configuration's forecast types`);
  return found;
}

export function jobTasks(config: ProductConfig, step: number, forecastType: ForecastType): JobTask[] {
  const tasks: JobTask[] = [];
  for (const item of config.processqueue) {
    item.levels.forEach((level, levelIndex) => {
      const target: Target = {
        levelType: item.levelType,
        level,
        levelIndex,
        step,
        forecastType,
        configStep: config.stepHours ?? 1,
        targetProducer: config.targetProducer ?? 0,
      };
      for (const plugin of item.plugins) {
        const outputs = plugin.instance.outputs(target);
        if (outputs.length === 0) continue;
        tasks.push({ plugin, target, outputs, alternatives: plugin.instance.inputs(target) });
      }
    });
  }
  return tasks;
}

const keyId = (k: FieldKey) => `${k.param}|${k.levelType}|${k.level}|${k.step}|${k.member ?? ""}`;

function unique(keys: FieldKey[]): FieldKey[] {
  return [...new Map(keys.map((k) => [keyId(k), k])).values()];
}

/**
 * The fields a job reads (each task's preferred input set), with no data at hand. `cycle` is part of
 * the job's identity: the keys are fields of that cycle.
 */
export function jobInputs(config: ProductConfig, _cycle: Date, step: number, member?: number): FieldKey[] {
  return unique(
    jobTasks(config, step, forecastTypeFor(config, member)).flatMap((t) => t.alternatives[0] ?? []),
  );
}

/** Every field any alternative of the job could read: what a scheduler should watch for. */
export function jobCandidateInputs(
  config: ProductConfig,
  _cycle: Date,
  step: number,
  member?: number,
): FieldKey[] {
  return unique(
    jobTasks(config, step, forecastTypeFor(config, member)).flatMap((t) => t.alternatives.flat()),
  );
}

/** For each task, the first input set whose fields are all present; -1 when none is. */
export function chooseInputSets(tasks: JobTask[], has: (key: FieldKey) => boolean): number[] {
  return tasks.map((t) => t.alternatives.findIndex((set) => set.every(has)));
}

/** True when every task of the job has a complete input set. */
export function isJobReady(
  config: ProductConfig,
  step: number,
  has: (key: FieldKey) => boolean,
  member?: number,
): boolean {
  return chooseInputSets(jobTasks(config, step, forecastTypeFor(config, member)), has).every((i) => i >= 0);
}

/** What is missing for a task: the preferred set's absent fields, as text for messages. */
export function missingInputs(task: JobTask, has: (key: FieldKey) => boolean): string[] {
  return (task.alternatives[0] ?? []).filter((k) => !has(k)).map(fieldKeyText);
}
