// Plays a forecast cycle: each step's file is made and pushed (temporary name, then rename) at its
// dissemination time, compressed by a time factor, to any delivery destination (FTP, a directory).
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type DeliveryReceipt, deliver, deliveryItem } from "../../delivery/deliver.ts";
import type { Destination } from "../../delivery/destination.ts";
import { startEncoder } from "./encoder.ts";
import { defaultContent, globalGrid, type StreamContent } from "./fields.ts";
import { legacyDisseminationName } from "./names.ts";
import { type StepArrival, selectSteps, stepArrivals } from "./schedule.ts";

export interface StreamOptions {
  destination: Destination;
  baseTime: Date;
  /** Grid increment in degrees (0.25 as IFS dissemination by default). */
  increment: number;
  /** Steps as selectSteps reads them ("0-24", "0-90/3,96"); all up to 240 when absent. */
  steps?: string | undefined;
  /** Real seconds per simulated second: 60 plays an hour of schedule in a minute; Infinity pushes at once. */
  timeFactor: number;
  /** When the first step is due (now by default); the others follow on the compressed schedule. */
  startAt?: Date;
  feed?: string;
  content?: StreamContent;
  onFile?: (file: PushedFile) => void;
  signal?: AbortSignal;
}

export interface PushedFile {
  name: string;
  step: number;
  bytes: number;
  /** Seconds after the stream started (the first step's dissemination time). */
  at: number;
  receipt: DeliveryReceipt;
}

/** The files the stream will push, with their times: known before any data exists. */
export function streamPlan(
  options: Pick<StreamOptions, "baseTime" | "steps" | "feed">,
): Array<StepArrival & { name: string }> {
  return selectSteps(stepArrivals(), options.steps).map((arrival) => ({
    ...arrival,
    name: legacyDisseminationName(options.feed ?? "A1", "D", options.baseTime, arrival.step),
  }));
}

/** Every file of a stream, encoded before it is played: `dir` holds them under their dissemination names. */
export interface PreparedStream {
  dir: string;
  baseTime: Date;
  increment: number;
  steps: number[];
}

/**
 * Encodes every file of the stream into `dir` before any is due. ECMWF's files are made on ECMWF's
 * computers: prepared, the stream costs the receiving machine nothing while it plays, and keeps its
 * schedule on grids that take longer to encode than the gap between two steps (0.25° here).
 */
export async function prepareStream(
  options: Pick<StreamOptions, "baseTime" | "increment" | "steps" | "feed" | "content" | "signal"> & {
    dir: string;
    onStep?: (done: number, total: number) => void;
  },
): Promise<PreparedStream> {
  globalGrid(options.increment); // a bad increment fails here, before any thread starts
  const plan = streamPlan(options);
  await mkdir(options.dir, { recursive: true });
  const encoder = startEncoder({
    content: options.content ?? defaultContent,
    increment: options.increment,
    baseTime: options.baseTime,
  });
  try {
    // Two steps in flight keep the encoder's thread busy while the last one is written.
    let next = plan[0] ? encoder.encode(plan[0].step) : null;
    for (const [i, file] of plan.entries()) {
      const bytes = await next!;
      next = plan[i + 1] ? encoder.encode(plan[i + 1]!.step) : null;
      options.signal?.throwIfAborted();
      await writeFile(join(options.dir, file.name), bytes);
      options.onStep?.(i + 1, plan.length);
    }
  } finally {
    await encoder.close();
  }
  return {
    dir: options.dir,
    baseTime: options.baseTime,
    increment: options.increment,
    steps: plan.map((p) => p.step),
  };
}

/**
 * Pushes each step's file at its dissemination time: from `prepared` when given (each file is removed
 * once pushed), else encoded one step ahead, while the previous one waits for its time, so that a file
 * is pushed at its time rather than that time plus its encoding.
 */
export async function playStream(
  options: StreamOptions & { prepared?: PreparedStream | undefined },
): Promise<PushedFile[]> {
  const { prepared } = options;
  if (
    prepared &&
    (prepared.baseTime.getTime() !== options.baseTime.getTime() || prepared.increment !== options.increment)
  )
    throw new Error("the prepared stream is of another cycle or grid than the one to play");
  globalGrid(options.increment);
  const plan = streamPlan(options);
  const encoder = prepared
    ? null
    : startEncoder({
        content: options.content ?? defaultContent,
        increment: options.increment,
        baseTime: options.baseTime,
      });
  const scratch = prepared ? prepared.dir : await mkdtemp(join(tmpdir(), "cb-sim-ecmwf-"));
  const started = options.startAt?.getTime() ?? Date.now();
  const firstMinute = plan[0]?.minute ?? 0;
  const pushed: PushedFile[] = [];
  const encodeAhead = (i: number) => (encoder && plan[i] ? encoder.encode(plan[i].step) : null);
  let next = encodeAhead(0);
  try {
    for (const [i, file] of plan.entries()) {
      const localPath = join(scratch, file.name);
      if (encoder) {
        const bytes = await next!;
        next = encodeAhead(i + 1);
        await writeFile(localPath, bytes);
      } else if (!existsSync(localPath)) {
        throw new Error(`the prepared stream has no ${file.name} in ${scratch}: prepare the same steps`);
      }
      const dueMs = ((file.minute - firstMinute) * 60_000) / options.timeFactor;
      const wait = dueMs - (Date.now() - started);
      if (wait > 0) await sleep(wait, undefined, { signal: options.signal });
      const receipt = await deliver(options.destination, await deliveryItem(localPath, file.name));
      await rm(localPath);
      const entry = {
        name: file.name,
        step: file.step,
        bytes: receipt.bytes,
        at: (Date.now() - started) / 1000,
        receipt,
      };
      pushed.push(entry);
      options.onFile?.(entry);
    }
  } finally {
    await encoder?.close();
    if (!prepared) await rm(scratch, { recursive: true, force: true });
  }
  return pushed;
}

/** The latest cycle (00/06/12/18 UTC) whose base time is not after `now`. */
export function latestBaseTime(now = new Date()): Date {
  const base = new Date(now);
  base.setUTCMinutes(0, 0, 0);
  base.setUTCHours(Math.floor(base.getUTCHours() / 6) * 6);
  return base;
}
