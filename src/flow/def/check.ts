// Parse and validate in one step: what `cloudburst suite check` and `suite load` run.

import { type Diagnostic, FlowDefinitionError } from "../logic/diagnostics.ts";
import { validateDefs } from "../logic/validate.ts";
import type { Defs } from "../model/types.ts";
import { parseDefs } from "./parser.ts";

/** Parses .def text and checks its references; throws FlowDefinitionError with file:line:col. */
export function checkDefs(text: string, file = "<input>"): Defs {
  const defs = parseDefs(text, file);
  const warnings: Diagnostic[] = [];
  const problems = validateDefs(defs, warnings);
  if (problems.length) throw new FlowDefinitionError(problems);
  if (warnings.length) defs.warnings = [...(defs.warnings ?? []), ...warnings];
  return defs;
}
