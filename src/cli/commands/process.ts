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
    .action(async (positional: string[], options: ProcessOptions) => {
      const files = [...positional, ...(options.auxiliaryFiles ?? [])];
      if (files.length === 0) throw new UsageError("give the input GRIB files (as arguments or after -a)");
      const edition = options.type === undefined ? undefined : editions[options.type.toLowerCase()];
      if (options.type !== undefined && edition === undefined) {
        throw new UsageError(`-t ${options.type}: expected grib or grib2`);
      }
      let config: ReturnType<typeof loadProductConfig>;
      try {
        config = loadProductConfig(options.file);
      } catch (error) {
        if (error instanceof ProductConfigError) {
          throw new UserError(error.message, "fix the keys named above (paths are JSON paths into the file)");
        }
        throw error;
      }
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
      for (const job of planJobs(config, cycle)) {
        const result = await runJob(index, config, cycle, job.step, encodeProduct, {
          ...(edition ? { edition } : {}),
          ...(job.forecastType.member !== undefined ? { member: job.forecastType.member } : {}),
        }).catch((error: Error) => {
          throw new UserError(
            `step ${job.step}: ${error.message}`,
            error instanceof ProductInputError ? "" : "check the input files against the configuration",
          );
        });
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
      for (const [name, { parts }] of written) {
        // Atomic replace: a re-run never leaves a half-written product behind.
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
      for (const w of warnings) process.stderr.write(`cloudburst process: ${w}\n`);
      const summary = [...written].map(([name, e]) => ({ file: join(outDir, name), fields: e.fields }));
      if (options.json) printJson({ written: summary, warnings });
      else
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
