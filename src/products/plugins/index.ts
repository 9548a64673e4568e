// Every plugin by its himan name.
import { cloudCode } from "./cloud_code.ts";
import { density } from "./density.ts";
import { dewpoint } from "./dewpoint.ts";
import { hybridHeight } from "./hybrid_height.ts";
import { hybridPressure } from "./hybrid_pressure.ts";
import { absoluteHumidity, precipitationRate } from "./hydrometeors.ts";
import { icing } from "./icing.ts";
import { frostPointPlugin, luatool, relativeHumidityIce } from "./luatool.ts";
import { preformHybrid } from "./preform_hybrid.ts";
import { preformPressurePlugin } from "./preform_pressure.ts";
import { relativeHumidity } from "./relative_humidity.ts";
import { splitSum } from "./split_sum.ts";
import { stability } from "./stability.ts";
import { fog, seaicing } from "./surface_indices.ts";
import { tpot } from "./tpot.ts";
import { transformer } from "./transformer.ts";
import { tropopause } from "./tropopause.ts";
import type { Plugin } from "./types.ts";
import { visibility } from "./visibility.ts";
import { vvms } from "./vvms.ts";
import { windvector } from "./windvector.ts";

export const plugins: ReadonlyMap<string, Plugin> = new Map(
  [
    windvector,
    dewpoint,
    relativeHumidity,
    splitSum,
    tpot,
    transformer,
    hybridPressure,
    hybridHeight,
    vvms,
    density,
    absoluteHumidity,
    precipitationRate,
    fog,
    seaicing,
    frostPointPlugin,
    relativeHumidityIce,
    luatool,
    stability,
    icing,
    tropopause,
    preformHybrid,
    preformPressurePlugin,
    cloudCode,
    visibility,
  ].map((p) => [p.name, p]),
);
