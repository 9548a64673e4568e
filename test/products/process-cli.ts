// `cloudburst process` as FMI runs himan on files: a configuration, the output edition, an output
// directory and the source files.
import { type CliResult, runCli } from "../helpers/cli.ts";

/** `cloudburst process -f CONFIG [-t EDITION] --output OUT FILES...` */
export function processFiles(
  config: string,
  out: string,
  files: string[],
  edition?: "grib" | "grib2",
): Promise<CliResult> {
  return runCli(["process", "-f", config, ...(edition ? ["-t", edition] : []), "--output", out, ...files]);
}
