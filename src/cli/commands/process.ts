// `cloudburst process -f CONFIG [-t grib|grib2] [--output DIR] FILE...`: himan's offline mode. Reads the
// GRIB files, runs every job of the configuration (each step and member), writes himan-named files.
import { closeSync, mkdirSync, openSync, renameSync, writeSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import type { Command } from "commander";
import { scanFile } from "../../grib/index.ts";
import { isGribError } from "../../grib/types.ts";
import { loadProductConfig, ProductConfigError } from "../../products/config/index.ts";
import { encodeProduct } from "../../products/encode.ts";
import { planJobs } from "../../products/jobs.ts";
import { ProductInputError, runJob } from "../../products/run.ts";
import { MessageIndex } from "../../products/source.ts";
import { UsageError, UserError } from "../errors.ts";
import { printJson } from "../output.ts";

interface ProcessOptions {
  file: string;
  type?: string;
  output: string;
  json?: boolean;
  auxiliaryFiles?: string[];
  debugLevel: number;
  statistics?: string | true;
}

/** himan's log levels (-d): 2 shows warnings, 3 also what was written; himan's default is 4. */
const logLevels = { warning: 2, info: 3 };

function debugLevel(text: string): number {
  const level = Number(text);
  if (!Number.isInteger(level) || level < 0 || level > 5)
    throw new UsageError(`-d ${text}: expected himan's log level, 0 (fatal) to 5 (trace)`);
  return level;
}

function threadCount(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`-j ${text}: expected a number of threads, 1 or more`);
  return n;
}

const editions: Record<string, 1 | 2> = { grib: 1, grib1: 1, grib2: 2 };

export function registerProcessCommand(program: Command): void {
  program
    .command("process")
    .description("compute products from GRIB files with a himan JSON (or cloudburst YAML) configuration")
    .argument("[files...]", "input GRIB files")
    .requiredOption("-f, --file <config>", "product configuration (himan .json, or .yaml)")
    .option(
      "-t, --type <edition>",
      "output format: grib (GRIB1) or grib2; default: the configuration's, else the input's",
    )
    .option("-o, --output <dir>", "directory for the output files", ".")
    .option(
      "-a, --auxiliary-files <files...>",
      "more input files, read as himan's -a reads them (all fields at once)",
    )
    .option("--json", "print what was written as JSON")
    // himan's own options, so that his command lines (and his test scripts' $HIMAN lines) run as written.
    .option(
      "-d, --debug-level <level>",
      "himan's log level: 2 warnings, 3 and what was written",
      debugLevel,
      4,
    )
    .option("-s, --statistics [label]", "print how long each job took, as himan's statistics")
    .option("-j, --threads <n>", "accepted as himan's; the jobs run one after another", threadCount)
    .option("--no-cuda", "accepted as himan's: no GPU is used")
    .option("--no-cuda-packing", "accepted as himan's: no GPU is used")
    .option("--no-cuda-unpacking", "accepted as himan's: no GPU is used")
    .option("--no-cuda-interpolation", "accepted as himan's: no GPU is used")
    .option("--no-auxiliary-file-full-cache-read", "accepted as himan's: every input is read at once")
    .action(async (positional: string[], options: ProcessOptions) => {
      const files = [...positional, ...(options.auxiliaryFiles ?? [])];
      if (files.length === 0) throw new UsageError("give the input GRIB files (as arguments or after -a)");
      const edition = options.type === undefined ? undefined : editions[options.type.toLowerCase()];
      if (options.type !== undefined && edition === undefined) {
        throw new UsageError(`-t ${options.type}: expected grib or grib2`);
      }
      const config = readConfig(options.file);
      const index = await readInputs(files);
      const showWarnings = options.debugLevel >= logLevels.warning;
      if (showWarnings)
        for (const note of config.notes) process.stderr.write(`cloudburst process: ${note}\n`);
      const cycle = config.originTime ?? index.firstAnalysisTime();
      if (!cycle)
        throw new UserError(
          `no usable fields in ${files.join(", ")}`,
          "give the GRIB files the configuration reads",
        );
      const outDir = resolve(options.output);
      mkdirSync(outDir, { recursive: true });
      // "single" mode gathers every job's messages into one file, as himan does.
      const written = new Map<string, { parts: Uint8Array[]; fields: number }>();
      const warnings: string[] = [];
      const timings: Array<{ job: string; ms: number }> = [];
      for (const job of planJobs(config, cycle)) {
        const started = performance.now();
        const result = await runJob(index, config, cycle, job.step, encodeProduct, {
          ...(edition ? { edition } : {}),
          ...(job.forecastType.member !== undefined ? { member: job.forecastType.member } : {}),
        }).catch((error: Error) => {
          throw new UserError(
            `step ${job.step}: ${error.message}`,
            error instanceof ProductInputError ? "" : "check the input files against the configuration",
          );
        });
        timings.push({ job: `step ${job.step} ${job.forecastType.kind}`, ms: performance.now() - started });
        for (const s of result.skipped) {
          warnings.push(
            `${s.plugin} ${s.levelType} ${s.level} step ${job.step}: skipped, missing ${s.missing.join(", ")}`,
          );
        }
        for (const f of result.files) {
          const entry = written.get(f.name) ?? { parts: [], fields: 0 };
          entry.parts.push(f.bytes);
          entry.fields += f.fields.length;
          written.set(f.name, entry);
        }
      }
      writeOutputs(written, outDir);
      if (showWarnings) for (const w of warnings) process.stderr.write(`cloudburst process: ${w}\n`);
      if (options.statistics) printStatistics(options.statistics, timings);
      const summary = [...written].map(([name, e]) => ({ file: join(outDir, name), fields: e.fields }));
      if (options.json) printJson({ written: summary, warnings });
      else if (options.debugLevel >= logLevels.info)
        for (const s of summary)
          process.stdout.write(`wrote ${s.file} (${s.fields} field${s.fields === 1 ? "" : "s"})\n`);
      if (written.size === 0) {
        throw new UserError(
          "no product was computed",
          "the inputs lack what the configuration needs (see the warnings)",
        );
      }
    });
}

function readConfig(file: string): ReturnType<typeof loadProductConfig> {
  try {
    return loadProductConfig(file);
  } catch (error) {
    if (error instanceof ProductConfigError) {
      throw new UserError(error.message, "fix the keys named above (paths are JSON paths into the file)");
    }
    throw error;
  }
}

async function readInputs(files: string[]): Promise<MessageIndex> {
  const index = new MessageIndex();
  for (const file of files) {
    try {
      for await (const item of scanFile(file)) {
        if (isGribError(item)) throw item;
        index.add(item.bytes, item.offset);
      }
    } catch (error) {
      throw new UserError(
        `${file}: ${(error as Error).message}`,
        "check that the file is GRIB edition 1 or 2",
      );
    }
  }
  return index;
}

/** Writes each file aside and renames it: a re-run never leaves a half-written product behind. */
function writeOutputs(written: Map<string, { parts: Uint8Array[] }>, outDir: string): void {
  for (const [name, { parts }] of written) {
    const path = resolve(outDir, name);
    if (relative(outDir, path).startsWith("..")) {
      throw new UserError(
        `output name ${name} leads outside ${outDir}`,
        "fix output.fileName in the configuration",
      );
    }
    mkdirSync(dirname(path), { recursive: true });
    const temporary = `${path}.tmp-${process.pid}`;
    // Part after part: a 0.1° field is 13 MB, not worth copying into one buffer first.
    const fd = openSync(temporary, "w");
    try {
      for (const part of parts)
        for (let at = 0; at < part.length; ) at += writeSync(fd, part, at, part.length - at);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  }
}

/** himan's -s: each job's time and its share, slowest first, then the total (on stderr, beside the log). */
function printStatistics(label: string | true, timings: Array<{ job: string; ms: number }>): void {
  const total = timings.reduce((sum, t) => sum + t.ms, 0);
  const lines = [`*** TOTAL timings for ${label === true ? "himan" : label} ***`];
  for (const t of [...timings].sort((a, b) => b.ms - a.ms))
    lines.push(`${t.job}\t${Math.round(t.ms)} ms\t(${total > 0 ? Math.floor((100 * t.ms) / total) : 0}%)`);
  lines.push("------------------------------------", `Total duration:\t${Math.round(total)} ms`);
  process.stderr.write(`${lines.join("\n")}\n`);
}
