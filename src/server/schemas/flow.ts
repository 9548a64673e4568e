// The flow engine's API shapes as zod schemas: what the suite routes take (node paths travel in the
// body or the `path` query parameter, since they contain slashes) and what they answer. Each answer's
// schema is checked against the engine's own type, so the two cannot drift apart.
import { z } from "zod";
import type { LoadResult } from "../../flow/engine/commands.ts";
import {
  CHANGED_PATHS_MAX,
  type HistoryEntry,
  type NodeView,
  type SuiteSummary,
} from "../../flow/engine/queries.ts";

/** A node path: /suite/family/task. */
export const nodePath = z.string().min(2).max(4000);

export const pathBody = z.strictObject({ path: nodePath });
export const forcePathBody = z.strictObject({ path: nodePath, force: z.boolean().optional() });
export const pathQuery = z.strictObject({
  path: nodePath,
  try: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});

/**
 * A suite and the paths of it that changed, comma-separated (node names have no commas): what a
 * flow_changed event names, for the views the change redrew.
 */
export const changedQuery = z.strictObject({
  path: nodePath,
  changed: z
    .string()
    .min(2)
    .max(CHANGED_PATHS_MAX * 200)
    .transform((text) => text.split(","))
    .pipe(z.array(nodePath).max(CHANGED_PATHS_MAX)),
});

export const loadBody = z.strictObject({
  definition: z
    .string()
    .min(1)
    .max(64 * 1024 * 1024),
  file: z.string().max(1000).optional(),
  replace: z.boolean().optional(),
});
export const beginBody = z.strictObject({ suite: z.string().min(1), force: z.boolean().optional() });
export const freeBody = z.strictObject({
  path: nodePath,
  trigger: z.boolean().optional(),
  time: z.boolean().optional(),
});
export const forceBody = z.strictObject({
  path: nodePath,
  state: z.enum(["complete", "queued", "aborted", "unknown"]),
});
export const variableBody = z.strictObject({ path: nodePath, name: z.string().min(1), value: z.string() });

export const suiteSummary = z.strictObject({
  id: z.string(),
  name: z.string(),
  state: z.string(),
  loadedAt: z.string(),
  begunAt: z.string().nullable(),
  tasks: z.number().int(),
  sourceFile: z.string().nullable(),
}) satisfies z.ZodType<SuiteSummary>;

export const nodeView = z.strictObject({
  path: z.string(),
  kind: z.string(),
  depth: z.number().int(),
  state: z.string(),
  suspended: z.boolean(),
  tryNo: z.number().int().nullable(),
  worker: z.string().nullable(),
  since: z.string().nullable(),
  abortedReason: z.string().nullable(),
  events: z.record(z.string(), z.boolean()),
  meters: z.record(z.string(), z.number()),
  labels: z.record(z.string(), z.string()),
  repeat: z.string().nullable(),
  inline: z.array(
    z.strictObject({
      kind: z.enum(["meter", "event", "label", "repeat", "limit", "inlimit", "time"]),
      name: z.string(),
      value: z.string(),
      min: z.number().optional(),
      max: z.number().optional(),
    }),
  ),
}) satisfies z.ZodType<NodeView>;

export const historyEntry = z.strictObject({
  at: z.string(),
  path: z.string(),
  kind: z.string(),
  fromState: z.string().nullable(),
  toState: z.string().nullable(),
  tryNo: z.number().int().nullable(),
  detail: z.string().nullable(),
  actor: z.string(),
}) satisfies z.ZodType<HistoryEntry>;

export const taskOutputAnswer = z.strictObject({
  tryNo: z.number().int(),
  lines: z.array(z.strictObject({ at: z.string(), stream: z.string(), line: z.string() })),
});

export const whyAnswer = z.strictObject({ path: z.string(), reasons: z.array(z.string()) });

export const loadAnswer = z.strictObject({
  suites: z.array(
    z.strictObject({ id: z.string(), name: z.string(), nodes: z.number().int(), replaced: z.boolean() }),
  ),
}) satisfies z.ZodType<LoadResult>;
