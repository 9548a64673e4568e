// The definition side of a loaded suite, for the UI and for export: a node's attributes as .def lines
// (triggers, limits, events, meters, labels, variables, time dependencies) with what an operator needs
// beside them (the variables the node sees and where each comes from, its limits' tokens in use, the
// dependencies `free` can lift), a task's script and job (and edit & submit of the job for one run),
// and a suite's .def text.
import { existsSync } from "node:fs";
import type { FastifyPluginAsync } from "fastify";
import { attributeLines } from "../../flow/def/printer.ts";
import {
  FlowCommandError,
  loadSnapshot,
  parseNodePath,
  submitEditedJob,
} from "../../flow/engine/commands.ts";
import { findSuiteRow } from "../../flow/engine/store.ts";
import { inlimitsOf, limitUsage, resolveInLimit } from "../../flow/logic/limits.ts";
import { suiteTime } from "../../flow/logic/time.ts";
import { allVariables, generatedVariables, serverVariables } from "../../flow/logic/variables.ts";
import type { Defs, Node, RuntimeState } from "../../flow/model/types.ts";
import { readScriptFile, scriptCandidates } from "../../worker/locate-script.ts";
import { PreprocessError, preprocess } from "../../worker/preprocess.ts";
import { HttpError } from "../errors.ts";

const pathQuery = {
  type: "object",
  required: ["path"],
  additionalProperties: false,
  properties: { path: { type: "string", minLength: 2, maxLength: 4000 } },
} as const;

/** Edit & submit: the task and the job text to run once in place of its pre-processed script. */
const editedJobBody = {
  type: "object",
  required: ["path", "job"],
  additionalProperties: false,
  properties: {
    path: { type: "string", minLength: 2, maxLength: 4000 },
    job: { type: "string", minLength: 1, maxLength: 1024 * 1024 },
  },
} as const;

/** Where a visible variable's value comes from, nearest first, as ecFlow resolves it. */
export type VariableSource = "set" | "edit" | "generated" | "server";

export interface VisibleVariable {
  name: string;
  value: string;
  source: VariableSource;
  /** The node that defines it (null for the server's). */
  node: string | null;
}

export interface LimitView {
  /** `/holder:name`, as an inlimit names it. */
  limit: string;
  max: number;
  used: number;
  /** Tasks (or `-n` families) holding tokens. */
  users: string[];
}

/**
 * Every variable a job on `node` would see, nearest definition winning (an operator's `set` over the
 * node's `edit` over its generated ones, then each ancestor, then the server), each once.
 */
export function visibleVariables(node: Node, runtime: RuntimeState, defs: Defs): VisibleVariable[] {
  const now = suiteTime(node, runtime, new Date());
  const seen = new Map<string, VisibleVariable>();
  const add = (name: string, value: string, source: VariableSource, at: string | null) => {
    if (!seen.has(name)) seen.set(name, { name, value, source, node: at });
  };
  for (let n: Node | undefined = node; n; n = n.parent) {
    const rt = runtime.nodes.get(n.path);
    for (const [name, value] of Object.entries(rt?.variables ?? {})) add(name, value, "set", n.path);
    for (const v of n.variables) add(v.name, v.value, "edit", n.path);
    for (const [name, value] of Object.entries(generatedVariables(n, rt, now, defs)))
      add(name, value, "generated", n.path);
  }
  for (const [name, value] of Object.entries(serverVariables(defs))) add(name, value, "server", null);
  return [...seen.values()];
}

/** The limits the node holds and those its inlimits (its own and its ancestors') draw on. */
function limitViews(
  node: Node,
  runtime: RuntimeState,
  defs: Defs,
): { held: LimitView[]; drawn: LimitView[] } {
  const usage = limitUsage(defs, runtime);
  const view = (holder: string, name: string, max: number): LimitView => {
    const u = usage.get(`${holder}:${name}`);
    return { limit: `${holder}:${name}`, max, used: u?.used ?? 0, users: u?.users ?? [] };
  };
  const held = node.limits.map((l) => view(node.path, l.name, l.value));
  const drawn: LimitView[] = [];
  for (const { on, il } of inlimitsOf(node)) {
    const ref = resolveInLimit(defs, on, il);
    if (ref && !drawn.some((d) => d.limit === `${ref.holder.path}:${ref.name}`))
      drawn.push(view(ref.holder.path, ref.name, ref.max));
  }
  return { held, drawn };
}

/** What `free` can lift on the node (ecflow_client --free-dep), and what was already lifted. */
function dependencies(node: Node, runtime: RuntimeState) {
  const rt = runtime.nodes.get(node.path);
  const time =
    node.times.length + node.todays.length + node.dates.length + node.days.length + node.crons.length > 0;
  return {
    trigger: node.trigger !== undefined,
    time,
    triggerFree: rt?.triggerFree === true,
    timeFree: rt?.timeFree === true,
  };
}

/** A task's script as found on this server's disk (ecFlow's server reads it too) and the job made of it. */
export interface TaskScript {
  path: string;
  /** CB_ACTION: the built-in action the task runs instead of a script. */
  action: string | null;
  /** Where the script was looked for, in order, and where it was found. */
  candidates: string[];
  file: string | null;
  script: string | null;
  /** The script pre-processed with the variables the task sees now, as the next try's job. */
  job: string | null;
  /** Why there is no job: no script found, or what pre-processing refused. */
  problem: string | null;
}

function taskScript(node: Node, runtime: RuntimeState, defs: Defs): TaskScript {
  const variables = allVariables(node, runtime, new Date(), defs);
  // The try's password and number are the worker's to set: the job reads them from its environment
  // (run-task.ts exports both), so no secret is shown and an edited job still reports as its try.
  variables["ECF_PASS"] = "$ECF_PASS";
  variables["ECF_TRYNO"] = "$ECF_TRYNO";
  const action = variables["CB_ACTION"]?.trim() || null;
  const candidates = scriptCandidates(node.path, variables);
  const file = candidates.find((c) => existsSync(c)) ?? null;
  const answer = { path: node.path, action, candidates, file, script: null, job: null };
  if (file === null) {
    const where = candidates.join(", ") || "nowhere: set ECF_HOME, ECF_FILES or ECF_SCRIPT";
    return { ...answer, problem: action ? null : `no script for ${node.path}: looked in ${where}` };
  }
  const script = readScriptFile(file) ?? "";
  try {
    return {
      ...answer,
      script,
      job: preprocess(script, { variables, fileName: file, readFile: readScriptFile }),
      problem: null,
    };
  } catch (error) {
    if (error instanceof PreprocessError) return { ...answer, script, problem: error.message };
    throw error;
  }
}

export const suiteDefinitionRoutes: FastifyPluginAsync = async (app) => {
  const suiteRow = async (name: string) => {
    const row = await findSuiteRow(app.pool, name);
    if (!row)
      throw new HttpError(404, "not_found", `no suite named ${name} is loaded`, {
        hint: "see GET /api/suites",
      });
    return row;
  };

  const nodeAt = async (path: string) => {
    let parsed: ReturnType<typeof parseNodePath>;
    try {
      parsed = parseNodePath(path);
    } catch (error) {
      if (error instanceof FlowCommandError) throw new HttpError(400, "bad_request", error.message);
      throw error;
    }
    const snapshot = await loadSnapshot(app.pool, await suiteRow(parsed.suiteName));
    const node = snapshot.index.get(parsed.path);
    if (!node) throw new HttpError(404, "not_found", `suite ${parsed.suiteName} has no node ${parsed.path}`);
    return { snapshot, node };
  };

  app.get<{ Querystring: { path: string } }>(
    "/suites/script",
    { schema: { querystring: pathQuery } },
    async (request) => {
      const { snapshot, node } = await nodeAt(request.query.path);
      if (node.kind !== "task")
        throw new HttpError(400, "bad_request", `${node.path} is a ${node.kind}: only tasks have a script`);
      return taskScript(node, snapshot.runtime, snapshot.defs);
    },
  );

  app.post<{ Body: { path: string; job: string } }>(
    "/suites/job",
    { schema: { body: editedJobBody } },
    async (request) => {
      await submitEditedJob(
        app.pool,
        request.body.path,
        request.body.job,
        `api:${request.tokenName ?? "unknown"}`,
      );
      return { submitted: request.body.path };
    },
  );

  app.get<{ Querystring: { path: string } }>(
    "/suites/attributes",
    { schema: { querystring: pathQuery } },
    async (request) => {
      const { snapshot, node } = await nodeAt(request.query.path);
      return {
        path: node.path,
        kind: node.kind,
        attributes: attributeLines(node),
        variables: visibleVariables(node, snapshot.runtime, snapshot.defs),
        limits: limitViews(node, snapshot.runtime, snapshot.defs),
        dependencies: dependencies(node, snapshot.runtime),
      };
    },
  );

  app.get<{ Params: { name: string } }>("/suites/:name/definition", async (request, reply) => {
    const row = await suiteRow(request.params.name);
    return reply
      .header("content-type", "text/plain; charset=utf-8")
      .header("content-disposition", `attachment; filename="${row.name}.def"`)
      .send(row.def_text);
  });
};
