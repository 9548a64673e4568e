// A stream prepared ahead: every file of a cycle encoded into a directory, with a manifest that says
// which cycle, grid and steps it holds. ECMWF's files are made on ECMWF's computers: prepared, the
// stream costs the receiving machine nothing while it plays, keeps its schedule on grids that take
// longer to encode than the gap between two steps, and can be played again (each benchmark run).
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { startEncoder } from "./encoder.ts";
import { defaultContent, globalGrid } from "./fields.ts";
import { type StreamOptions, streamPlan } from "./stream.ts";

export interface PreparedStream {
  dir: string;
  baseTime: Date;
  increment: number;
  feed: string;
  steps: number[];
}

/** Written last: a directory without it was not prepared to the end. */
const manifestName = "stream.json";

const manifestSchema = z.strictObject({
  baseTime: z.iso.datetime(),
  increment: z.number().positive(),
  feed: z.string().regex(/^[A-Z0-9]{2}$/),
  steps: z.array(z.number().int().min(0)).min(1),
});

export class PreparedStreamError extends Error {
  override name = "PreparedStreamError";
}

/** Encodes every file of the stream into `dir` (on a worker thread, one step ahead of the writes). */
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
  const prepared: PreparedStream = {
    dir: options.dir,
    baseTime: options.baseTime,
    increment: options.increment,
    feed: options.feed ?? "A1",
    steps: plan.map((p) => p.step),
  };
  const { dir: _, baseTime, ...rest } = prepared;
  await writeFile(
    join(options.dir, manifestName),
    `${JSON.stringify({ baseTime: baseTime.toISOString(), ...rest })}\n`,
  );
  return prepared;
}

/** The stream prepared in `dir`, checked: its manifest, and every file the manifest names. */
export function openPreparedStream(dir: string): PreparedStream {
  const file = join(dir, manifestName);
  if (!existsSync(file))
    throw new PreparedStreamError(
      `${dir} holds no prepared stream (no ${manifestName}): make one with \`cloudburst sim ecmwf --prepare ${dir}\``,
    );
  let parsed: z.infer<typeof manifestSchema>;
  try {
    parsed = manifestSchema.parse(JSON.parse(readFileSync(file, "utf8")));
  } catch (error) {
    throw new PreparedStreamError(
      `${file} is not a prepared stream's manifest (${(error as Error).message.split("\n")[0]}): prepare it again`,
    );
  }
  const prepared = { dir, ...parsed, baseTime: new Date(parsed.baseTime) };
  const missing = streamPlan({ ...prepared, steps: prepared.steps.join(",") }).filter(
    (f) => !existsSync(join(dir, f.name)),
  );
  if (missing.length > 0)
    throw new PreparedStreamError(
      `the prepared stream in ${dir} lacks ${missing.length} of its files (${missing[0]!.name} first): prepare it again`,
    );
  return prepared;
}
