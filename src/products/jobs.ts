// Job planning, pure: a job is (product configuration, cycle, step[, member]). What it reads is known
// before any data arrives, so a scheduler can fire it the moment the catalogue holds its inputs.
import type { PluginStep, ProductConfig } from "./config/model.ts";
import { type FieldKey, type ForecastType, fieldKeyText, keyId } from "./fields.ts";
import type { ParamInfo } from "./params.ts";
import type { InputSet, PluginInstance, Target } from "./plugins/types.ts";

export interface Job {
  config: ProductConfig;
  cycle: Date;
  step: number;
  forecastType: ForecastType;
}

/** One plugin at one level within a job. */
export interface JobTask {
  plugin: PluginStep;
  /** The plugin, or the part of it, that this task runs. */
  instance: PluginInstance;
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
        for (const instance of plugin.instance.parts ?? [plugin.instance]) {
          const outputs = instance.outputs(target);
          if (outputs.length === 0) continue;
          tasks.push({ plugin, instance, target, outputs, alternatives: instance.inputs(target) });
        }
      }
    });
  }
  return tasks;
}

/** The fields a task writes (and later tasks of the same job may read). */
export function taskOutputKeys(task: JobTask): FieldKey[] {
  return task.outputs.map((p) => {
    const key: FieldKey = {
      param: p.name,
      levelType: task.target.levelType,
      level: task.target.level,
      step: task.target.step,
    };
    if (task.target.forecastType.member !== undefined) key.member = task.target.forecastType.member;
    return key;
  });
}

/** For each task, the keys of fields that earlier tasks of the job write (they need not be read). */
function producedBefore(tasks: JobTask[]): Array<Set<string>> {
  const produced = new Set<string>();
  return tasks.map((t) => {
    const before = new Set(produced);
    for (const k of taskOutputKeys(t)) produced.add(keyId(k));
    return before;
  });
}

function unique(keys: FieldKey[]): FieldKey[] {
  return [...new Map(keys.map((k) => [keyId(k), k])).values()];
}

/**
 * The fields a job reads (each task's preferred input set), with no data at hand. `cycle` is part of
 * the job's identity: the keys are fields of that cycle.
 */
export function jobInputs(config: ProductConfig, _cycle: Date, step: number, member?: number): FieldKey[] {
  const tasks = jobTasks(config, step, forecastTypeFor(config, member));
  const before = producedBefore(tasks);
  return unique(tasks.flatMap((t, i) => (t.alternatives[0] ?? []).filter((k) => !before[i].has(keyId(k)))));
}

/** Every field any alternative of the job could read: what a scheduler should watch for. */
export function jobCandidateInputs(
  config: ProductConfig,
  _cycle: Date,
  step: number,
  member?: number,
): FieldKey[] {
  const tasks = jobTasks(config, step, forecastTypeFor(config, member));
  const before = producedBefore(tasks);
  return unique(tasks.flatMap((t, i) => t.alternatives.flat().filter((k) => !before[i].has(keyId(k)))));
}

/**
 * For each task, the first input set whose fields are all present or written by an earlier task of
 * the job that can run (himan's processqueue: a plugin reads what the plugins before it made); -1
 * when none is.
 */
export function chooseInputSets(tasks: JobTask[], has: (key: FieldKey) => boolean): number[] {
  const produced = new Set<string>();
  const available = (k: FieldKey) => produced.has(keyId(k)) || has(k);
  return tasks.map((t) => {
    const chosen = t.alternatives.findIndex((set) => set.every(available));
    if (chosen >= 0) for (const k of taskOutputKeys(t)) produced.add(keyId(k));
    return chosen;
  });
}

/**
 * What the job waits for, in words (nothing: it can run): each task needs a complete input set. With
 * `expected` (fields not in yet that the stream will bring), each task must have the very set it will
 * have once they are in: a late field holds the job rather than letting a later alternative stand in
 * for it (a rate at step 1 over steps 0 to 2 because step 2 came before step 1), so the same stream
 * makes the same products whatever the order in which its files arrive.
 */
export function jobWaitsFor(
  config: ProductConfig,
  step: number,
  has: (key: FieldKey) => boolean,
  options: { member?: number; expected?: (key: FieldKey) => boolean } = {},
): string[] {
  const tasks = jobTasks(config, step, forecastTypeFor(config, options.member));
  const now = chooseInputSets(tasks, has);
  const { expected } = options;
  const planned = expected ? chooseInputSets(tasks, (key) => has(key) || expected(key)) : now;
  const before = producedBefore(tasks);
  return tasks.flatMap((task, i) => {
    if (now[i]! >= 0 && now[i] === planned[i]) return [];
    const set = task.alternatives[planned[i]!];
    if (!set) return missingInputs(task, has);
    return set.filter((k) => !has(k) && !before[i]!.has(keyId(k))).map(fieldKeyText);
  });
}

/** True when every task of the job has a complete input set (see jobWaitsFor for `expected`). */
export function isJobReady(
  config: ProductConfig,
  step: number,
  has: (key: FieldKey) => boolean,
  options: { member?: number; expected?: (key: FieldKey) => boolean } = {},
): boolean {
  return jobWaitsFor(config, step, has, options).length === 0;
}

/** What is missing for a task: the preferred set's absent fields, as text for messages. */
export function missingInputs(task: JobTask, has: (key: FieldKey) => boolean): string[] {
  const preferred = task.alternatives[0] ?? [];
  const missing = preferred.filter((k) => !has(k)).map(fieldKeyText);
  const others = task.alternatives.length - 1;
  if (others > 0 && missing.length > 0)
    missing[missing.length - 1] +=
      ` (nor is any of the ${others} other input set${others === 1 ? "" : "s"} the plugin accepts complete)`;
  return missing;
}
