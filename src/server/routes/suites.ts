// /api/suites: the flow engine's views and operator commands over HTTP (bearer token required, as for
// all /api). The same functions as `cloudburst suite ...`; shapes in ../schemas/flow.ts.
import { z } from "zod";
import {
  beginSuite,
  deleteSuite,
  forceState,
  freeDependencies,
  killNode,
  loadSuites,
  requeueNode,
  rerunTask,
  setSuspended,
  setVariable,
} from "../../flow/engine/commands.ts";
import {
  listSuites,
  nodeHistory,
  showChanged,
  showTree,
  taskOutput,
  whyNode,
} from "../../flow/engine/queries.ts";
import * as flow from "../schemas/flow.ts";
import type { ApiServices } from "../services.ts";
import { useZodSchemas, type ZodPlugin } from "../zod.ts";

const actor = (request: { tokenName?: string }) => `api:${request.tokenName ?? "unknown"}`;

/** What the suites look like: the list, a node's tree (or what changed in it), its history, a task's output, why it waits. */
export const suiteViewRoutes: ZodPlugin<ApiServices> = async (app, services) => {
  useZodSchemas(app);
  const read = { querystring: flow.pathQuery };
  app.get("/suites", { schema: { response: { 200: z.array(flow.suiteSummary) } } }, () =>
    listSuites(app.pool),
  );
  app.get("/suites/node", { schema: { ...read, response: { 200: z.array(flow.nodeView) } } }, (request) =>
    showTree(app.pool, request.query.path),
  );
  app.get(
    "/suites/changed",
    { schema: { querystring: flow.changedQuery, response: { 200: z.array(flow.nodeView) } } },
    (request) => showChanged(app.pool, request.query.path, request.query.changed),
  );
  app.get(
    "/suites/history",
    { schema: { ...read, response: { 200: z.array(flow.historyEntry) } } },
    (request) => nodeHistory(app.pool, request.query.path, request.query.limit ?? 200),
  );
  app.get("/suites/output", { schema: { ...read, response: { 200: flow.taskOutputAnswer } } }, (request) =>
    taskOutput(app.pool, request.query.path, request.query.try),
  );
  app.get("/suites/why", { schema: { ...read, response: { 200: flow.whyAnswer } } }, async (request) => ({
    path: request.query.path,
    reasons: await whyNode(app.pool, request.query.path, services.dataSources),
  }));
};

/** The operator's commands: load, delete, begin, requeue, rerun, suspend, resume, free, kill, force, alter. */
export const suiteCommandRoutes: ZodPlugin<ApiServices> = async (app) => {
  useZodSchemas(app);
  app.post(
    "/suites",
    { schema: { body: flow.loadBody, response: { 201: flow.loadAnswer } }, bodyLimit: 64 * 1024 * 1024 },
    async (request, reply) => {
      const { definition, file, replace } = request.body;
      const result = await loadSuites(app.pool, definition, file ?? "<api>", {
        replace: replace === true,
        actor: actor(request),
      });
      return reply.status(201).send(result);
    },
  );
  app.delete(
    "/suites/:name",
    {
      schema: {
        params: z.strictObject({ name: z.string().min(1) }),
        querystring: z.strictObject({ force: z.stringbool().optional() }),
      },
    },
    async (request) => {
      await deleteSuite(app.pool, request.params.name, actor(request), request.query.force === true);
      return { deleted: request.params.name };
    },
  );
  app.post("/suites/begin", { schema: { body: flow.beginBody } }, async (request) => {
    await beginSuite(
      app.pool,
      request.body.suite.replace(/^\//, ""),
      actor(request),
      request.body.force === true,
    );
    return { begun: request.body.suite };
  });
  app.post("/suites/requeue", { schema: { body: flow.forcePathBody } }, async (request) => {
    await requeueNode(app.pool, request.body.path, actor(request), request.body.force === true);
    return { requeued: request.body.path };
  });
  app.post("/suites/rerun", { schema: { body: flow.pathBody } }, async (request) => {
    await rerunTask(app.pool, request.body.path, actor(request));
    return { rerun: request.body.path };
  });
  app.post("/suites/suspend", { schema: { body: flow.pathBody } }, async (request) => {
    await setSuspended(app.pool, request.body.path, true, actor(request));
    return { suspended: request.body.path };
  });
  app.post("/suites/resume", { schema: { body: flow.pathBody } }, async (request) => {
    await setSuspended(app.pool, request.body.path, false, actor(request));
    return { resumed: request.body.path };
  });
  app.post("/suites/free", { schema: { body: flow.freeBody } }, async (request) => {
    const which = { trigger: request.body.trigger === true, time: request.body.time === true };
    await freeDependencies(app.pool, request.body.path, which, actor(request));
    return { freed: request.body.path, ...which };
  });
  app.post("/suites/kill", { schema: { body: flow.pathBody } }, async (request) => ({
    killed: await killNode(app.pool, request.body.path, actor(request)),
  }));
  app.post("/suites/force", { schema: { body: flow.forceBody } }, async (request) => ({
    forced: await forceState(app.pool, request.body.path, request.body.state, actor(request)),
    state: request.body.state,
  }));
  app.post("/suites/variable", { schema: { body: flow.variableBody } }, async (request) => {
    const { path, name, value } = request.body;
    await setVariable(app.pool, path, name, value, actor(request));
    return { path, name, value };
  });
};
