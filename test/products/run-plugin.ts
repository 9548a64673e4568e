// Runs one plugin on values given by field (param, level type and level), as the job runner would: the
// first input set whose every field is given, each input read by its full key.
import assert from "node:assert/strict";
import type { GridDefinition } from "../../src/grib/types.ts";
import type { LevelType } from "../../src/products/fields.ts";
import { plugins } from "../../src/products/plugins/index.ts";
import type { OutputField, Target } from "../../src/products/plugins/types.ts";

const anyGrid = { gridType: "other", uvRelativeToGrid: 0 } as unknown as GridDefinition;

/** A target at a level of step 6 of a deterministic forecast. */
export function targetAt(levelType: LevelType, level: number): Target {
  return {
    levelType,
    level,
    levelIndex: 0,
    step: 6,
    forecastType: { kind: "det" },
    configStep: 1,
    targetProducer: 0,
  };
}

/** Runs `name` with fields keyed "PARAM levelType level" (e.g. "RH-0TO1 pressure 850"). */
export function runPlugin(
  name: string,
  options: Record<string, unknown>,
  target: Target,
  fields: Record<string, Float64Array>,
): OutputField[] {
  const instance = plugins.get(name)!.configure({ name, ...options });
  const id = (param: string, levelType: LevelType, level: number) => `${param} ${levelType} ${level}`;
  const sets = instance.inputs(target);
  const inputSet = sets.findIndex((set) => set.every((k) => id(k.param, k.levelType, k.level) in fields));
  assert.ok(inputSet >= 0, `no complete input set among ${JSON.stringify(sets)}`);
  return instance.compute({
    target,
    inputSet,
    input(param, step = target.step, levelType = target.levelType, level = target.level) {
      const values = fields[id(param, levelType, level)];
      assert.ok(values, `${id(param, levelType, level)} not given`);
      return { key: { param, levelType, level, step }, values, grid: anyGrid };
    },
  });
}
