// Loads a product configuration file: himan's JSON (.json) or our YAML (.yaml, .yml).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename } from "node:path";
import { ProductConfigError, parseHimanConfig } from "./himan.ts";
import type { ProductConfig } from "./model.ts";

// The YAML form (its parser and schemas) is loaded when a YAML file comes: `process` with himan's JSON,
// the usual case, starts a tenth of a second sooner without it.
const require = createRequire(import.meta.url);

export { ProductConfigError } from "./himan.ts";
export type { Packing, ProductConfig, QueueItem } from "./model.ts";

export function parseProductConfig(text: string, fileName: string): ProductConfig {
  const name = basename(fileName);
  if (/\.ya?ml$/i.test(name)) {
    const { parseYamlConfig } = require("./yaml.ts") as typeof import("./yaml.ts");
    return parseYamlConfig(text, name);
  }
  return parseHimanConfig(text, name);
}

export function loadProductConfig(file: string): ProductConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ProductConfigError(file, [
      `cannot read the file: ${(error as NodeJS.ErrnoException).code ?? error}`,
    ]);
  }
  return parseProductConfig(text, file);
}
