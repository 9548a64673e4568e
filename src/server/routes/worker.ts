// /api/worker/...: the worker protocol (worker/protocol.ts) that compute nodes speak to a server
// holding the data role: jobs from the queue (long-polled), their release, completion and heartbeats,
// and what their tasks report, and the node's own worker log. Each call is the WorkerBackend the server reaches PostgreSQL with.
import { hostname } from "node:os";
import type { FastifyInstance } from "fastify";
import type { z } from "zod";
import { appendNodeLog } from "../../fleet/node-log.ts";
import { noteWorkerSeen } from "../../fleet/store.ts";
import type { FetchedJob, WorkerBackend } from "../../worker/backend.ts";
import { VERSION_HEADER, workerCalls } from "../../worker/protocol.ts";
import { HttpError } from "../errors.ts";
import type { ApiServices } from "../services.ts";
import { required } from "../services.ts";
import { useZodSchemas, type ZodPlugin } from "../zod.ts";

/** A long poll asks the queue again at most this often while no job notification arrives. */
const pollMs = 1000;

function schema<Request extends z.ZodType, Answer extends z.ZodType>(call: {
  request: Request;
  answer: Answer;
}) {
  return { body: call.request, response: { 200: call.answer } };
}

/**
 * A node of another release than this server's is refused every call (409): it would run jobs with
 * other code than the cycle was planned with. `hello` says so first, at the node's start.
 */
export function refuseOtherReleases(app: Pick<FastifyInstance, "addHook">, version: string): void {
  app.addHook("onRequest", async (request) => {
    const theirs = request.headers[VERSION_HEADER];
    if (typeof theirs === "string" && theirs !== version) throw releaseMismatch(theirs, version);
  });
}

function releaseMismatch(theirs: string, ours: string): HttpError {
  return new HttpError(
    409,
    "version_mismatch",
    `this node runs cloudburst ${theirs} and the server ${ours}: it takes no work until it runs ${ours} (its user data installs the server's release at boot; \`cloudburst fleet golden\` updates the image)`,
    { node: theirs, server: ours },
  );
}

export const workerRoutes: ZodPlugin<ApiServices> = async (app, services) => {
  useZodSchemas(app);
  refuseOtherReleases(app, services.version);
  const backend = () => required(services.workerBackend, "the worker protocol", "data");
  // A node's worker is alive while it calls: the fleet replaces a running node whose worker is silent.
  app.addHook("preHandler", async (request) => {
    const node = request.tokenNode;
    if (node)
      void noteWorkerSeen(services.pool, node).catch((error: Error) =>
        request.log.warn({ node, error: error.message }, "could not note the worker's call"),
      );
  });

  app.post("/worker/hello", { schema: schema(workerCalls.hello) }, async (request) => {
    if (request.body.version !== services.version)
      throw releaseMismatch(request.body.version, services.version);
    return { version: services.version, server: hostname() };
  });

  app.post("/worker/fetch", { schema: schema(workerCalls.fetch) }, async (request, reply) => {
    const { queue, max, waitSeconds } = request.body;
    // A worker that hangs up (it is stopping) must not lose what was taken for it: the jobs go back
    // to the queue, whether the hang-up comes during the wait or before the answer is written.
    const hangUp = new AbortController();
    let taken: FetchedJob[] = [];
    reply.raw.once("close", () => {
      if (reply.raw.writableFinished) return;
      hangUp.abort();
      const jobs = taken;
      taken = [];
      void backend()
        .release(queue, jobs)
        .catch((error: Error) =>
          request.log.warn({ queue, error: error.message }, "could not return jobs to the queue"),
        );
    });
    const deadline = Date.now() + (waitSeconds ?? 0) * 1000;
    while (!hangUp.signal.aborted) {
      taken = await backend().fetch(queue, max, hangUp.signal);
      if (hangUp.signal.aborted) {
        await backend().release(queue, taken);
        break;
      }
      if (taken.length || Date.now() >= deadline) return { jobs: taken };
      await Promise.race([
        backend().waitForWork(Math.min(pollMs, deadline - Date.now())),
        aborted(hangUp.signal),
      ]);
    }
    return { jobs: [] };
  });

  app.post("/worker/release", { schema: schema(workerCalls.release) }, async (request) => {
    await backend().release(request.body.queue, request.body.attempts);
    return { released: request.body.attempts.length };
  });

  app.post("/worker/complete", { schema: schema(workerCalls.complete) }, async (request) => {
    await backend().complete(request.body.queue, request.body.ids);
    return { completed: request.body.ids.length };
  });

  app.post("/worker/heartbeat", { schema: schema(workerCalls.heartbeat) }, async (request) => {
    const { queue, ...job } = request.body;
    return { current: await backend().heartbeat(queue, job) };
  });

  app.post(
    "/worker/child",
    {
      schema: {
        body: workerCalls.child.request,
        response: { 200: workerCalls.child.answer, 409: workerCalls.child.answer },
      },
    },
    async (request, reply) => {
      const { event, actor, ...identity } = request.body;
      const result = await backend().child(identity, event, actor);
      return reply.status(result.accepted ? 200 : 409).send(result);
    },
  );

  app.post("/worker/log", { schema: schema(workerCalls.log) }, async (request) => {
    const node = request.tokenNode;
    if (!node)
      throw new HttpError(
        403,
        "forbidden",
        "a node's worker log is sent with the node's own token (its user data's CLOUDBURST_WORKER_TOKEN): it is stored under that node",
        null,
      );
    return { stored: await appendNodeLog(app.pool, node, request.body.lines) };
  });

  app.post("/worker/output", { schema: schema(workerCalls.output) }, async (request) => {
    const { lines, ...job } = request.body;
    await backend().output(job, lines);
    return { appended: lines.length };
  });
};

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

export type { WorkerBackend };
