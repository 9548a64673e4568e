// The worker protocol over HTTP: what a compute node asks a server holding the data role (jobs,
// heartbeats, reports, output) and what it is answered. The product jobs' data calls are the cycle's
// (cycle/data-protocol.ts). One set of schemas for both ends: the server's
// routes validate requests and answers with them, the node's client builds requests from their types.
import { z } from "zod";
import type { TaskJobData } from "../flow/engine/job.ts";
import { QUEUE_NAMES } from "../queue/boss.ts";
import { childEventSchema } from "./child-socket.ts";

const queue = z.enum(QUEUE_NAMES);
const jobId = z.uuid();
const suiteId = z.string().regex(/^\d+$/, "a suite id");
const nodePath = z.string().startsWith("/").max(4000);
const attempt = z.strictObject({ id: jobId, retryCount: z.number().int().min(0) });

/** One try of one task as the engine submitted it (flow/engine/job.ts's TaskJobData). */
const jobData = z.strictObject({
  suiteId,
  path: nodePath,
  tryNo: z.number().int().min(1),
  password: z.string().min(1),
  queue,
  action: z.strictObject({ name: z.string().min(1), args: z.array(z.string()) }).optional(),
  variables: z.record(z.string(), z.string()),
  events: z.array(z.string()),
  meters: z.array(z.strictObject({ name: z.string(), min: z.number(), max: z.number() })),
  labels: z.array(z.string()),
  heartbeatSeconds: z.number().positive(),
  expireSeconds: z.number().positive(),
  jobText: z.string().optional(),
}) satisfies z.ZodType<TaskJobData>;

export const fetchRequest = z.strictObject({
  queue,
  max: z.number().int().min(1).max(256),
  /** How long the server may wait for work before answering with none (a long poll). */
  waitSeconds: z.number().min(0).max(20).optional(),
});
export const fetchAnswer = z.strictObject({
  jobs: z.array(z.strictObject({ id: jobId, retryCount: z.number().int().min(0), data: jobData })),
});

export const releaseRequest = z.strictObject({ queue, attempts: z.array(attempt).max(256) });
export const releaseAnswer = z.strictObject({ released: z.number().int() });

export const completeRequest = z.strictObject({ queue, ids: z.array(jobId).max(1000) });
export const completeAnswer = z.strictObject({ completed: z.number().int() });

export const heartbeatRequest = z.strictObject({ queue, id: jobId, suiteId, path: nodePath });
export const heartbeatAnswer = z.strictObject({
  /** False when the job is no longer its task's current try: the node stops it. */
  current: z.boolean(),
});

export const childReport = z.strictObject({
  suiteId,
  path: nodePath,
  tryNo: z.number().int().min(1),
  password: z.string().min(1),
  event: childEventSchema,
  /** The node that reports, for the history. */
  actor: z.string().min(1).max(200),
});
export const childAnswer = z.strictObject({
  accepted: z.boolean(),
  message: z.string(),
  /** What a query (wait, queue) returns. */
  value: z.string().optional(),
});

export const outputRequest = z.strictObject({
  suiteId,
  path: nodePath,
  tryNo: z.number().int().min(0),
  lines: z
    .array(z.strictObject({ stream: z.enum(["stdout", "stderr", "system"]), line: z.string() }))
    .max(10_000),
});
export const outputAnswer = z.strictObject({ appended: z.number().int() });

/** POST /api/worker/log: lines of the node's worker log, stored under the node its token names. */
export const logRequest = z.strictObject({
  lines: z
    .array(z.strictObject({ at: z.iso.datetime({ offset: true }), line: z.string().max(8000) }))
    .min(1)
    .max(500),
});
export type NodeLogLine = z.output<typeof logRequest>["lines"][number];
export const logAnswer = z.strictObject({ stored: z.number().int() });

export const helloRequest = z.strictObject({
  /** The node's release: a server of another release refuses it work. */
  version: z.string().min(1),
  node: z.string().min(1).max(200),
});
export const helloAnswer = z.strictObject({ version: z.string(), server: z.string() });

/**
 * GET /api/worker/bundle: the release the server runs, and its bundle when the server has one, which
 * a node whose golden image holds another release installs at boot (GET /api/worker/bundle/file).
 */
export const bundleAnswer = z.strictObject({
  version: z.string().min(1),
  bundle: z
    .strictObject({
      /** cloudburst-VERSION-linux-ARCH.tar.gz */
      name: z.string().min(1),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      bytes: z.number().int().positive(),
    })
    .nullable(),
});
export type BundleAnswer = z.output<typeof bundleAnswer>;

/** The protocol's calls: the path below /api/worker/, the request and the answer. */
export const workerCalls = {
  hello: { request: helloRequest, answer: helloAnswer },

  fetch: { request: fetchRequest, answer: fetchAnswer },
  release: { request: releaseRequest, answer: releaseAnswer },
  complete: { request: completeRequest, answer: completeAnswer },
  heartbeat: { request: heartbeatRequest, answer: heartbeatAnswer },
  child: { request: childReport, answer: childAnswer },
  output: { request: outputRequest, answer: outputAnswer },
  log: { request: logRequest, answer: logAnswer },
} as const;

export type WorkerCall = keyof typeof workerCalls;
export type WorkerRequest<C extends WorkerCall> = z.input<(typeof workerCalls)[C]["request"]>;
export type WorkerAnswer<C extends WorkerCall> = z.output<(typeof workerCalls)[C]["answer"]>;

/** The header every call carries: the node's release (a server of another release refuses it). */
export const VERSION_HEADER = "x-cloudburst-version";
