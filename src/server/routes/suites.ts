// /api/suites: the flow engine's operator commands over HTTP (bearer token required, as for all /api).
// The same functions as `cloudburst suite ...`; node paths travel in the body or the `path` query
// parameter because they contain slashes.
import type { FastifyPluginAsync } from "fastify";
import { PgBoss } from "pg-boss";
import { z } from "zod";
import { appendOutput, applyChildEvent } from "../../flow/engine/child-events.ts";
import {
  beginSuite,
  deleteSuite,
  FlowCommandError,
  forceState,
  freeDependencies,
  isForceState,
  killNode,
  loadSuites,
  requeueNode,
  rerunTask,
  setSuspended,
  setVariable,
} from "../../flow/engine/commands.ts";
import type { ChildEvent, TaskJobData } from "../../flow/engine/job.ts";
import { listSuites, nodeHistory, showTree, taskOutput, whyNode } from "../../flow/engine/queries.ts";
import { FlowDefinitionError } from "../../flow/logic/diagnostics.ts";
import { ensureQueues, QUEUE_NAMES, type QueueName, returnToQueue } from "../../queue/boss.ts";
import { childRequestSchema } from "../../worker/child-socket.ts";
import { HttpError } from "../errors.ts";
import type { ApiServices } from "../services.ts";

const statusByCode = { not_found: 404, conflict: 409, bad_request: 400 } as const;

function toHttpError(error: unknown): unknown {
  if (error instanceof FlowCommandError)
    return new HttpError(
      statusByCode[error.code],
      error.code,
      error.message,
      error.hint ? { hint: error.hint } : null,
    );
  if (error instanceof FlowDefinitionError)
    return new HttpError(400, "invalid_definition", "the definition has errors", {
      errors: error.diagnostics.map((d) => ({ ...d.pos, message: d.message })),
    });
  return error;
}

const pathBody = {
  type: "object",
  required: ["path"],
  additionalProperties: false,
  properties: { path: { type: "string", minLength: 2, maxLength: 4000 }, force: { type: "boolean" } },
} as const;
const pathQuery = {
  type: "object",
  required: ["path"],
  properties: {
    path: { type: "string", minLength: 2, maxLength: 4000 },
    try: { type: "integer", minimum: 0 },
    limit: { type: "integer", minimum: 1, maximum: 10000 },
  },
} as const;

export const suiteRoutes: FastifyPluginAsync<ApiServices> = async (app, services) => {
  const actor = (request: { tokenName?: string }) => `api:${request.tokenName ?? "unknown"}`;
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw toHttpError(error);
    }
  };

  app.get("/suites", async () => guard(() => listSuites(app.pool)));

  app.post<{ Body: { definition: string; file?: string; replace?: boolean } }>(
    "/suites",
    {
      schema: {
        body: {
          type: "object",
          required: ["definition"],
          additionalProperties: false,
          properties: {
            definition: { type: "string", minLength: 1, maxLength: 64 * 1024 * 1024 },
            file: { type: "string", maxLength: 1000 },
            replace: { type: "boolean" },
          },
        },
      },
      bodyLimit: 64 * 1024 * 1024,
    },
    async (request, reply) => {
      const result = await guard(() =>
        loadSuites(app.pool, request.body.definition, request.body.file ?? "<api>", {
          replace: request.body.replace === true,
          actor: actor(request),
        }),
      );
      return reply.status(201).send(result);
    },
  );

  app.delete<{ Params: { name: string }; Querystring: { force?: boolean } }>(
    "/suites/:name",
    { schema: { querystring: { type: "object", properties: { force: { type: "boolean" } } } } },
    async (request) => {
      await guard(() =>
        deleteSuite(app.pool, request.params.name, actor(request), request.query.force === true),
      );
      return { deleted: request.params.name };
    },
  );

  app.get<{ Querystring: { path: string } }>(
    "/suites/node",
    { schema: { querystring: pathQuery } },
    async (request) => guard(() => showTree(app.pool, request.query.path)),
  );
  app.get<{ Querystring: { path: string; limit?: number } }>(
    "/suites/history",
    { schema: { querystring: pathQuery } },
    async (request) => guard(() => nodeHistory(app.pool, request.query.path, request.query.limit ?? 200)),
  );
  app.get<{ Querystring: { path: string; try?: number } }>(
    "/suites/output",
    { schema: { querystring: pathQuery } },
    async (request) => guard(() => taskOutput(app.pool, request.query.path, request.query.try)),
  );
  app.get<{ Querystring: { path: string } }>(
    "/suites/why",
    { schema: { querystring: pathQuery } },
    async (request) => ({
      path: request.query.path,
      reasons: await guard(() => whyNode(app.pool, request.query.path, services.dataSources)),
    }),
  );

  app.post<{ Body: { suite: string; force?: boolean } }>(
    "/suites/begin",
    {
      schema: {
        body: {
          type: "object",
          required: ["suite"],
          additionalProperties: false,
          properties: { suite: { type: "string", minLength: 1 }, force: { type: "boolean" } },
        },
      },
    },
    async (request) => {
      await guard(() =>
        beginSuite(
          app.pool,
          request.body.suite.replace(/^\//, ""),
          actor(request),
          request.body.force === true,
        ),
      );
      return { begun: request.body.suite };
    },
  );

  app.post<{ Body: { path: string; force?: boolean } }>(
    "/suites/requeue",
    { schema: { body: pathBody } },
    async (request) => {
      await guard(() =>
        requeueNode(app.pool, request.body.path, actor(request), request.body.force === true),
      );
      return { requeued: request.body.path };
    },
  );
  app.post<{ Body: { path: string } }>("/suites/rerun", { schema: { body: pathBody } }, async (request) => {
    await guard(() => rerunTask(app.pool, request.body.path, actor(request)));
    return { rerun: request.body.path };
  });
  app.post<{ Body: { path: string } }>("/suites/suspend", { schema: { body: pathBody } }, async (request) => {
    await guard(() => setSuspended(app.pool, request.body.path, true, actor(request)));
    return { suspended: request.body.path };
  });
  app.post<{ Body: { path: string } }>("/suites/resume", { schema: { body: pathBody } }, async (request) => {
    await guard(() => setSuspended(app.pool, request.body.path, false, actor(request)));
    return { resumed: request.body.path };
  });
  app.post<{ Body: { path: string; trigger?: boolean; time?: boolean } }>(
    "/suites/free",
    {
      schema: {
        body: {
          type: "object",
          required: ["path"],
          additionalProperties: false,
          properties: {
            path: { type: "string", minLength: 2 },
            trigger: { type: "boolean" },
            time: { type: "boolean" },
          },
        },
      },
    },
    async (request) => {
      const which = { trigger: request.body.trigger === true, time: request.body.time === true };
      await guard(() => freeDependencies(app.pool, request.body.path, which, actor(request)));
      return { freed: request.body.path, ...which };
    },
  );
  app.post<{ Body: { path: string } }>("/suites/kill", { schema: { body: pathBody } }, async (request) => ({
    killed: await guard(() => killNode(app.pool, request.body.path, actor(request))),
  }));
  app.post<{ Body: { path: string; state: string } }>(
    "/suites/force",
    {
      schema: {
        body: {
          type: "object",
          required: ["path", "state"],
          additionalProperties: false,
          properties: {
            path: { type: "string", minLength: 2 },
            state: { type: "string", enum: ["complete", "queued", "aborted", "unknown"] },
          },
        },
      },
    },
    async (request) => {
      const state = request.body.state;
      if (!isForceState(state)) throw new HttpError(400, "bad_request", `cannot force ${state}`);
      return {
        forced: await guard(() => forceState(app.pool, request.body.path, state, actor(request))),
        state,
      };
    },
  );
  app.post<{ Body: { path: string; name: string; value: string } }>(
    "/suites/variable",
    {
      schema: {
        body: {
          type: "object",
          required: ["path", "name", "value"],
          additionalProperties: false,
          properties: {
            path: { type: "string", minLength: 2 },
            name: { type: "string", minLength: 1 },
            value: { type: "string" },
          },
        },
      },
    },
    async (request) => {
      await guard(() =>
        setVariable(app.pool, request.body.path, request.body.name, request.body.value, actor(request)),
      );
      return { path: request.body.path, name: request.body.name, value: request.body.value };
    },
  );

  // ---- for `cloudburst worker --server URL`: the queue and the task reports over HTTP.
  let boss: Promise<PgBoss> | null = null;
  const queue = () => {
    boss ??= (async () => {
      const instance = new PgBoss({
        db: {
          executeSql: async (text: string, values?: unknown[]) => ({
            rows: (await app.pool.query(text, values)).rows,
          }),
        },
        supervise: false,
        schedule: false,
        registerInstance: false,
      });
      instance.on("error", () => undefined);
      await instance.start();
      await ensureQueues(instance);
      return instance;
    })();
    return boss;
  };
  app.addHook("onClose", async () => {
    if (boss) await (await boss).stop({ graceful: false, close: false }).catch(() => undefined);
  });
  const queueName = { type: "string", enum: [...QUEUE_NAMES] } as const;

  app.post<{ Body: { queue: QueueName; max: number; waitSeconds?: number } }>(
    "/suites/worker/fetch",
    {
      schema: {
        body: {
          type: "object",
          required: ["queue", "max"],
          additionalProperties: false,
          properties: {
            queue: queueName,
            max: { type: "integer", minimum: 1, maximum: 256 },
            waitSeconds: { type: "number", minimum: 0, maximum: 20 },
          },
        },
      },
    },
    async (request, reply) => {
      const boss = await queue();
      const { queue: name, max } = request.body;
      // A worker that hangs up (it is stopping) must not lose what was taken for it: the jobs go back
      // to the queue, whether the hang-up comes during the wait or before the answer is written.
      let taken: Array<{ id: string; retryCount: number; data: TaskJobData }> = [];
      let hungUp = false;
      reply.raw.once("close", () => {
        if (reply.raw.writableFinished) return;
        hungUp = true;
        const jobs = taken;
        taken = [];
        void returnToQueue(app.pool, boss, name, jobs).catch((error: Error) =>
          request.log.warn({ queue: name, error: error.message }, "could not return jobs to the queue"),
        );
      });
      const deadline = Date.now() + (request.body.waitSeconds ?? 0) * 1000;
      while (!hungUp) {
        const jobs = await boss.fetch<TaskJobData>(name, { batchSize: max });
        taken = jobs.map((j) => ({ id: j.id, retryCount: j.retryCount, data: j.data }));
        if (hungUp) {
          await returnToQueue(app.pool, boss, name, taken);
          break;
        }
        if (taken.length || Date.now() >= deadline) return { jobs: taken };
        await new Promise((r) => setTimeout(r, 250));
      }
      return { jobs: [] };
    },
  );

  app.post<{ Body: { queue: QueueName; attempts: Array<{ id: string; retryCount: number }> } }>(
    "/suites/worker/release",
    {
      schema: {
        body: {
          type: "object",
          required: ["queue", "attempts"],
          additionalProperties: false,
          properties: {
            queue: queueName,
            attempts: {
              type: "array",
              maxItems: 256,
              items: {
                type: "object",
                required: ["id", "retryCount"],
                additionalProperties: false,
                properties: {
                  id: { type: "string", format: "uuid" },
                  retryCount: { type: "integer", minimum: 0 },
                },
              },
            },
          },
        },
      },
    },
    async (request) => {
      await returnToQueue(app.pool, await queue(), request.body.queue, request.body.attempts);
      return { released: request.body.attempts.length };
    },
  );

  app.post<{ Body: { queue: QueueName; ids: string[] } }>(
    "/suites/worker/complete",
    {
      schema: {
        body: {
          type: "object",
          required: ["queue", "ids"],
          additionalProperties: false,
          properties: {
            queue: queueName,
            ids: { type: "array", maxItems: 1000, items: { type: "string", format: "uuid" } },
          },
        },
      },
    },
    async (request) => {
      await (await queue()).complete(request.body.queue, request.body.ids);
      return { completed: request.body.ids.length };
    },
  );

  app.post<{ Body: { queue: QueueName; id: string; suiteId: string; path: string } }>(
    "/suites/worker/heartbeat",
    {
      schema: {
        body: {
          type: "object",
          required: ["queue", "id", "suiteId", "path"],
          additionalProperties: false,
          properties: {
            queue: queueName,
            id: { type: "string", format: "uuid" },
            suiteId: { type: "string", pattern: "^[0-9]+$" },
            path: { type: "string", minLength: 2 },
          },
        },
      },
    },
    async (request) => {
      const { queue: name, id, suiteId, path } = request.body;
      await (await queue()).touch(name, id).catch(() => undefined);
      const row = await app.pool.query<{ job_id: string | null; state: string }>(
        "select job_id::text, state from flow_node where suite_id = $1 and path = $2",
        [suiteId, path],
      );
      const current = row.rows[0];
      return {
        current:
          !!current && current.job_id === id && (current.state === "submitted" || current.state === "active"),
      };
    },
  );

  const childBody = childRequestSchema.extend({ actor: z.string().min(1).max(200) });
  app.post("/suites/worker/child", async (request, reply) => {
    const parsed = childBody.safeParse(request.body);
    if (!parsed.success) throw new HttpError(400, "bad_request", `bad child event: ${parsed.error.message}`);
    const { event, actor, ...identity } = parsed.data;
    const result = await applyChildEvent(app.pool, identity, event as ChildEvent, actor);
    return reply.status(result.accepted ? 200 : 409).send(result);
  });

  const outputBody = z.strictObject({
    suiteId: z.string().regex(/^\d+$/),
    path: z.string().startsWith("/"),
    tryNo: z.number().int().min(0),
    lines: z
      .array(z.strictObject({ stream: z.enum(["stdout", "stderr", "system"]), line: z.string() }))
      .max(10_000),
  });
  app.post("/suites/worker/output", async (request) => {
    const parsed = outputBody.safeParse(request.body);
    if (!parsed.success) throw new HttpError(400, "bad_request", `bad output: ${parsed.error.message}`);
    await appendOutput(app.pool, parsed.data.suiteId, parsed.data.path, parsed.data.tryNo, parsed.data.lines);
    return { appended: parsed.data.lines.length };
  });
};
