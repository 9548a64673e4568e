// Plays a forecast cycle: each step's file is made and pushed (temporary name, then rename) at its
// dissemination time, compressed by a time factor, to any delivery destination (FTP, a directory).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
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

/**
 * Each step is encoded ahead, while the previous one waits for its time, so a file is pushed at its
 * dissemination time rather than that time plus its encoding.
 */
export async function playStream(options: StreamOptions): Promise<PushedFile[]> {
  globalGrid(options.increment); // a bad increment fails here, before any thread starts
  const plan = streamPlan(options);
  const encoder = startEncoder({
    content: options.content ?? defaultContent,
    increment: options.increment,
    baseTime: options.baseTime,
  });
  const scratch = await mkdtemp(join(tmpdir(), "cb-sim-ecmwf-"));
  const started = options.startAt?.getTime() ?? Date.now();
  const firstMinute = plan[0]?.minute ?? 0;
  const pushed: PushedFile[] = [];
  let next = plan[0] ? encoder.encode(plan[0].step) : null;
  try {
    for (const [i, file] of plan.entries()) {
      const bytes = await next!;
      const following = plan[i + 1];
      next = following ? encoder.encode(following.step) : null;
      const dueMs = ((file.minute - firstMinute) * 60_000) / options.timeFactor;
      const wait = dueMs - (Date.now() - started);
      if (wait > 0) await sleep(wait, undefined, { signal: options.signal });
      const localPath = join(scratch, file.name);
      await writeFile(localPath, bytes);
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
    await encoder.close();
    await rm(scratch, { recursive: true, force: true });
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
