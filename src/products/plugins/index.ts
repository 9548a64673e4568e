// Every plugin by its himan name.
import { dewpoint } from "./dewpoint.ts";
import { relativeHumidity } from "./relative_humidity.ts";
import { splitSum } from "./split_sum.ts";
import { tpot } from "./tpot.ts";
import { transformer } from "./transformer.ts";
import type { Plugin } from "./types.ts";
import { windvector } from "./windvector.ts";

export const plugins: ReadonlyMap<string, Plugin> = new Map(
  [windvector, dewpoint, relativeHumidity, splitSum, tpot, transformer].map((p) => [p.name, p]),
);
