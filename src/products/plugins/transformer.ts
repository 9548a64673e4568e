// transformer: one parameter into another by scale and offset (units: K -> C is scale 1, base -273.15),
// optionally read from another level type and levels (the n-th source level feeds the n-th target level).
// Regridding to the target area is done for every plugin's inputs (see ../run.ts); the transformer
// asks for nearest-neighbour with "interpolation": "nearest". Output keeps the source's precision, as
// himan's does.
import { z } from "zod";
import { type LevelType, levelTypes } from "../fields.ts";
import { defineParam, type ParamInfo, paramInfo } from "../params.ts";
import { inputAt, type Plugin, type PluginInstance, type Target } from "./types.ts";

const numberLike = z.union(
  [
    z.number(),
    z
      .string()
      .trim()
      .regex(/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/)
      .transform(Number),
  ],
  { error: "expected a number (or a number in a string)" },
);
const intLike = numberLike.refine(Number.isInteger, "expected a whole number");

export const transformerOptions = z.looseObject({
  name: z.literal("transformer"),
  source_param: z.string({ error: "expected the parameter to read, e.g. T-K" }).min(1),
  target_param: z.string().min(1).optional(),
  scale: numberLike.default(1),
  base: numberLike.default(0),
  source_level_type: z.enum(levelTypes as [LevelType, ...LevelType[]]).optional(),
  source_levels: z.union([z.string(), z.number()]).optional(),
  grib_discipline: intLike.optional(),
  grib_category: intLike.optional(),
  grib_parameter: intLike.optional(),
  grib1_table_version: intLike.optional(),
  grib1_parameter: intLike.optional(),
  interpolation: z.enum(["bilinear", "nearest"]).optional(),
});

function targetParam(o: z.infer<typeof transformerOptions>): ParamInfo {
  const name = o.target_param ?? o.source_param;
  const known = paramInfo(name);
  const grib2 =
    o.grib_discipline !== undefined && o.grib_category !== undefined && o.grib_parameter !== undefined
      ? {
          discipline: o.grib_discipline,
          parameterCategory: o.grib_category,
          parameterNumber: o.grib_parameter,
        }
      : (known?.grib2 ?? null);
  const grib1 =
    o.grib1_table_version !== undefined && o.grib1_parameter !== undefined
      ? { table2Version: o.grib1_table_version, indicatorOfParameter: o.grib1_parameter }
      : (known?.grib1 ?? null);
  return defineParam({ name, units: known?.units ?? "", grib2, grib1 });
}

export const transformer: Plugin = {
  name: "transformer",
  configure(options): PluginInstance {
    const o = transformerOptions.parse(options);
    const output = { ...targetParam(o) };
    const sourceLevels =
      o.source_levels === undefined
        ? undefined
        : String(o.source_levels)
            .split(",")
            .map((s) => Number(s.trim()));
    const source = (target: Target) => ({
      ...inputAt(target, o.source_param),
      levelType: o.source_level_type ?? target.levelType,
      level: sourceLevels?.[target.levelIndex] ?? sourceLevels?.[0] ?? target.level,
    });
    return {
      ...(o.interpolation ? { interpolation: o.interpolation } : {}),
      outputs: () => [output],
      inputs: (target) => [[source(target)]],
      compute(context) {
        const key = source(context.target);
        const input = context.input(key.param, key.step, key.levelType, key.level);
        const values = new Float64Array(input.values.length);
        const { scale, base } = o;
        for (let i = 0; i < values.length; i++) values[i] = input.values[i] * scale + base;
        return [{ param: output, values, keepSourcePrecision: true }];
      },
    };
  },
};
