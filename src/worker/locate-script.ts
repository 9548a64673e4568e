// Where a task's .ecf script is, the way ecFlow looks for it: ECF_FILES searched from the most
// specific path to the least (for /s/f/t: ECF_FILES/s/f/t.ecf, ECF_FILES/f/t.ecf, ECF_FILES/t.ecf),
// then ECF_SCRIPT (ECF_HOME + ECF_NAME + ECF_EXTN).
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Reads a script or a file it includes, for the pre-processor: null when there is none. */
export function readScriptFile(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

export function scriptCandidates(path: string, variables: Record<string, string>): string[] {
  const extension = variables["ECF_EXTN"] || ".ecf";
  const parts = path.split("/").filter(Boolean);
  const candidates: string[] = [];
  const files = variables["ECF_FILES"];
  if (files) {
    for (let i = 0; i < parts.length; i++) candidates.push(`${join(files, ...parts.slice(i))}${extension}`);
  }
  const script = variables["ECF_SCRIPT"];
  if (script) candidates.push(script);
  else if (variables["ECF_HOME"]) candidates.push(`${join(variables["ECF_HOME"], ...parts)}${extension}`);
  return candidates;
}
