// Plays a forecast cycle: each step's file is made and pushed (temporary name, then rename) at its
// dissemination time, compressed by a time factor, to any delivery destination (FTP, a directory).
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type StepArrival, selectSteps, stepArrivals } from "../../cycle/dissemination.ts";
import { type PushReceipt, push, pushItem } from "../../delivery/deliver.ts";
import type { Destination } from "../../delivery/destination.ts";
import { startEncoder } from "./encoder.ts";
import { defaultContent, globalGrid, type StreamContent } from "./fields.ts";
import { legacyDisseminationName } from "./names.ts";
import type { PreparedStream } from "./prepared.ts";

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
  receipt: PushReceipt;
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

/**
 * Pushes each step's file at its dissemination time: from `prepared` when given (its files stay, to
 * be played again), else encoded one step ahead, while the previous one waits for its time, so that a
 * file is pushed at its time rather than that time plus its encoding.
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
  // A prepared stream plays the steps it holds.
  const plan = streamPlan(
    prepared ? { ...options, steps: prepared.steps.join(","), feed: prepared.feed } : options,
  );
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
      const receipt = await push(options.destination, await pushItem(localPath, file.name));
      if (encoder) await rm(localPath);
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
