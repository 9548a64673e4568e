// `cloudburst shims DIR`: executables named as ecCodes' GRIB tools, himan and ecflow_client that run
// ours, so that scripts written for them (himan's test scripts, operators' GRIB checks, ecFlow's
// operator commands) run unchanged with DIR first on their PATH.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { cliPath } from "../../system/processes.ts";
import { writeShim } from "../../system/shims.ts";
import { printJson } from "../output.ts";

/** Each name and the command line of ours it stands for. */
const shims: Array<[name: string, args: string[]]> = [
  ["grib_ls", ["grib", "ls"]],
  ["grib_get", ["grib", "get"]],
  ["grib_get_data", ["grib", "get-data"]],
  ["grib_compare", ["grib", "compare"]],
  ["grib_copy", ["grib", "copy"]],
  ["grib_dump", ["grib", "dump"]],
  ["himan", ["process"]],
];

const ecflowClient = resolve(import.meta.dirname, "../../worker/ecflow-client.ts");

export function registerShimsCommand(program: Command): void {
  program
    .command("shims <dir>")
    .description(
      `write ${[...shims.map(([n]) => n), "ecflow_client"].join(", ")} into DIR, each running ours; put DIR first on PATH`,
    )
    .option("--json", "print what was written as JSON")
    .action((dir: string, options: { json?: boolean }) => {
      const target = resolve(dir);
      mkdirSync(target, { recursive: true });
      for (const [name, args] of shims) writeShim(target, name, cliPath, args);
      writeShim(target, "ecflow_client", ecflowClient);
      const names = [...shims.map(([n]) => n), "ecflow_client"];
      if (options.json) printJson({ dir: target, written: names });
      else for (const n of names) process.stdout.write(`${join(target, n)}\n`);
    });
}
