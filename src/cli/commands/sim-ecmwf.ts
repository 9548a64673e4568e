// `cloudburst sim ecmwf`: an IFS-like forecast cycle pushed on ECMWF's dissemination schedule.

import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type Command, InvalidArgumentError } from "commander";
import type { Destination } from "../../delivery/destination.ts";
import { DestinationUrlError, deliveryPasswordVariable, destinationFromUrl } from "../../delivery/url.ts";
import { backoffDelay, type RetryPolicy } from "../../fleet/retry.ts";
import {
  openPreparedStream,
  type PreparedStream,
  PreparedStreamError,
  prepareStream,
} from "../../sim/ecmwf/prepared.ts";
import { latestBaseTime, playStream } from "../../sim/ecmwf/stream.ts";
import { stopSignals } from "../../system/processes.ts";
import { parseCycleTime, parseTime } from "../arguments.ts";
import { UsageError, UserError } from "../errors.ts";
import { progress } from "../output.ts";

/** How long a refused connection is retried, by default: a data server restarting is back well within. */
const defaultPatienceSeconds = 300;

/**
 * The destination, waiting with backoff while its server refuses connections (a data server starting
 * or restarting), as ECMWF's dissemination keeps trying; after `patienceSeconds` of refusals the push
 * fails with one clear error. Other failures are the delivery protocol's to retry.
 */
export function patientDestination(
  destination: Destination,
  patience: { seconds: number; signal?: AbortSignal },
  onWait: (message: string) => void,
): Destination {
  const patienceSeconds = patience.seconds;
  let refusedSince: number | null = null;
  const patiently = async <T>(operation: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await operation();
        if (refusedSince !== null)
          onWait(
            `${destination.label}: connected after ${((Date.now() - refusedSince) / 1000).toFixed(1)} s of refusals`,
          );
        refusedSince = null;
        return result;
      } catch (error) {
        if (!/ECONNREFUSED/.test((error as Error).message)) throw error;
        if (refusedSince === null) {
          refusedSince = Date.now();
          onWait(`${destination.label}: connection refused; trying again for up to ${patienceSeconds} s`);
        }
        if (Date.now() - refusedSince >= patienceSeconds * 1000)
          throw new UserError(
            `${destination.label} refused every connection for ${patienceSeconds} s (${(error as Error).message})`,
            "start the receiving server (e.g. `cloudburst server` with ingest.ftp.enabled), check the host and port in --to, or wait longer with --patience",
          );
        await sleep(backoffDelay(attempt + 1, refusalBackoff), undefined, { signal: patience.signal });
      }
    }
  };
  return {
    label: destination.label,
    size: (path) => patiently(() => destination.size(path)),
    write: (item, start, path) => patiently(() => destination.write(item, start, path)),
    checksum: (path) => patiently(() => destination.checksum(path)),
    rename: (from, to) => patiently(() => destination.rename(from, to)),
    remove: (path) => patiently(() => destination.remove(path)),
    close: () => destination.close(),
  };
}

const refusalBackoff: RetryPolicy = { attempts: Number.POSITIVE_INFINITY, baseMs: 250, maxMs: 5000 };

function parsePositive(value: string): number {
  const number = value === "inf" ? Number.POSITIVE_INFINITY : Number(value);
  if (!(number > 0)) throw new InvalidArgumentError("expected a positive number (or inf)");
  return number;
}

async function prepare(options: {
  prepare: string;
  baseTime?: Date;
  grid: number;
  steps?: string;
  feed: string;
  json?: boolean;
}): Promise<void> {
  const status = progress();
  try {
    const prepared = await prepareStream({
      dir: resolve(options.prepare),
      baseTime: options.baseTime ?? latestBaseTime(),
      increment: options.grid,
      steps: options.steps,
      feed: options.feed,
      onStep: (done, total) => status.update(`encoding ${done}/${total} files`),
    });
    status.done();
    const summary = {
      dir: prepared.dir,
      baseTime: prepared.baseTime.toISOString(),
      grid: prepared.increment,
      files: prepared.steps.length,
    };
    if (options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else
      process.stdout.write(
        `${summary.files} files of cycle ${summary.baseTime} on a ${summary.grid}° grid prepared in ${summary.dir}\n`,
      );
  } catch (error) {
    status.done();
    if (/steps?|range|increment/.test((error as Error).message))
      throw new UserError((error as Error).message);
    throw error;
  }
}

/**
 * The stream prepared in `dir`, named by `option` (--from, demo's --stream): it decides the cycle, grid
 * and steps, so giving those too is a usage error.
 */
export function preparedStreamOption(dir: string, command: Command, option: string): PreparedStream {
  const given = ["baseTime", "grid", "steps", "prepare"].filter(
    (o) => command.getOptionValueSource(o) === "cli",
  );
  if (given.length > 0)
    throw new UsageError(
      `${option} plays the cycle, grid and steps it was prepared with: leave out ${given.map((o) => `--${o.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(", ")}`,
    );
  try {
    return openPreparedStream(resolve(dir));
  } catch (error) {
    if (error instanceof PreparedStreamError) throw new UserError(error.message);
    throw error;
  }
}

export function registerSimEcmwfCommand(sim: Command): void {
  sim
    .command("ecmwf")
    .description("push an IFS-like forecast cycle (GRIB1 + GRIB2/CCSDS) on ECMWF's dissemination schedule")
    .option(
      "--to <destination>",
      `directory, file:///dir, ftp(s)://user@host:port/dir, sftp://user@host:port/dir?hostkey=SHA256:... or http(s)://user@host:port/path/ (password in ${deliveryPasswordVariable})`,
    )
    .option(
      "--base-time <time>",
      "the cycle's base time (default: the latest 00/06/12/18 UTC)",
      parseCycleTime,
    )
    .option("--grid <degrees>", "global grid increment in degrees", parsePositive, 0.25)
    .option("--steps <spec>", "steps to push, e.g. 0-24 or 0-90/3,96 (default: all to 240)")
    .option(
      "--time-factor <x>",
      "schedule compression: 60 plays an hour per minute; inf pushes at once",
      parsePositive,
      60,
    )
    .option("--feed <xx>", "dissemination feed in the file names", "A1")
    .option(
      "--prepare <dir>",
      "instead of pushing, encode every file into DIR (with a manifest), for `demo --stream DIR` or --from to play",
    )
    .option(
      "--from <dir>",
      "push the stream prepared in DIR (its cycle, grid and steps) instead of encoding one",
    )
    .option("--start-at <time>", "when the first step is due (ISO 8601; default: now)", parseTime)
    .option(
      "--patience <seconds>",
      "how long to keep trying a destination that refuses connections",
      parsePositive,
      defaultPatienceSeconds,
    )
    .option("--json", "print one JSON line per file pushed")
    .action(
      async (
        options: {
          to?: string;
          baseTime?: Date;
          grid: number;
          steps?: string;
          timeFactor: number;
          feed: string;
          json?: boolean;
          prepare?: string;
          from?: string;
          startAt?: Date;
          patience: number;
        },
        command: Command,
      ) => {
        if (options.prepare !== undefined && options.to !== undefined)
          throw new UsageError("--prepare makes the files and --to pushes them: give one of the two");
        const prepared =
          options.from === undefined ? undefined : preparedStreamOption(options.from, command, "--from");
        if (options.prepare !== undefined) return prepare({ ...options, prepare: options.prepare });
        if (options.to === undefined)
          throw new UsageError("where to? give --to DESTINATION (or --prepare DIR)");
        const controller = new AbortController();
        const abort = () => controller.abort();
        let destination: Destination;
        try {
          const patience = { seconds: options.patience, signal: controller.signal };
          destination = patientDestination(destinationFromUrl(options.to), patience, (message) =>
            process.stderr.write(`${message}\n`),
          );
        } catch (error) {
          if (error instanceof DestinationUrlError) throw new UserError(error.message);
          throw error;
        }
        for (const signal of stopSignals) process.once(signal, abort);
        try {
          await playStream({
            destination,
            baseTime: prepared?.baseTime ?? options.baseTime ?? latestBaseTime(),
            increment: prepared?.increment ?? options.grid,
            steps: options.steps,
            timeFactor: options.timeFactor,
            feed: options.feed,
            prepared,
            ...(options.startAt ? { startAt: options.startAt } : {}),
            signal: controller.signal,
            onFile: (file) => {
              if (options.json)
                process.stdout.write(
                  `${JSON.stringify({ name: file.name, step: file.step, bytes: file.bytes, at: file.at })}\n`,
                );
              else
                process.stdout.write(
                  `${file.at.toFixed(1)}s  step ${file.step}  ${file.name}  ${file.bytes} bytes\n`,
                );
            },
          }).catch((error: Error) => {
            if (error.name === "AbortError") return [];
            if (error instanceof UserError) throw error;
            if (/steps?|range|increment/.test(error.message)) throw new UserError(error.message);
            throw error;
          });
        } finally {
          for (const signal of stopSignals) process.off(signal, abort);
          await destination.close();
        }
      },
    );
}
