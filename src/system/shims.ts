// Executables that stand for another program's name (ecflow_client, grib_compare, himan) and run one
// of ours, so that scripts written for those programs run unchanged with this PATH first. Each runs
// this very Node with the flags this process has (an npm-installed package's type-stripping hook) and
// Node's compile cache, which halves the start-up of a command scripts call often.
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { childNodeFlags } from "./threads.ts";

/** Writes `dir/name`, which runs `script` with `args` before the caller's own arguments. */
export function writeShim(dir: string, name: string, script: string, args: readonly string[] = []): void {
  const cache = join(tmpdir(), "node-compile-cache");
  const words = [process.execPath, ...childNodeFlags(), script, ...args].map((w) => `"${w}"`).join(" ");
  writeFileSync(join(dir, name), `#!/bin/sh\nNODE_COMPILE_CACHE="${cache}" exec ${words} "$@"\n`, {
    mode: 0o755,
  });
}
