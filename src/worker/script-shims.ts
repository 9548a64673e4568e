// The commands a task's script finds first on its PATH: `cloudburst` (this checkout's CLI) and
// `ecflow_client` (ecflow-client.ts), so that ecFlow scripts report to the worker running them.
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { cliPath } from "../system/processes.ts";

const ecflowClientPath = resolve(import.meta.dirname, "ecflow-client.ts");

/** Writes both shims into `dir` (which the worker puts first on its scripts' PATH). */
export function writeScriptShims(dir: string): void {
  // Node's compile cache (as bin/cloudburst.js enables it) halves a report's start-up: jobs call often.
  const cache = join(tmpdir(), "node-compile-cache");
  const shim = (target: string) =>
    `#!/bin/sh\nNODE_COMPILE_CACHE="${cache}" exec "${process.execPath}" "${target}" "$@"\n`;
  writeFileSync(join(dir, "cloudburst"), shim(cliPath), { mode: 0o755 });
  writeFileSync(join(dir, "ecflow_client"), shim(ecflowClientPath), { mode: 0o755 });
}
