// The definition side of a loaded suite, for the UI and for export: a node's attributes as .def lines
// (triggers, limits, events, meters, labels, variables, time dependencies) with what an operator needs
// beside them (the variables the node sees and where each comes from, its limits' tokens in use, the
// dependencies `free` can lift), and a suite's .def text.
import type { FastifyPluginAsync } from "fastify";
import { attributeLines } from "../../flow/def/printer.ts";
import { FlowCommandError, loadSnapshot, parseNodePath } from "../../flow/engine/commands.ts";
import { findSuiteRow } from "../../flow/engine/store.ts";
import { inlimitsOf, limitUsage, resolveInLimit } from "../../flow/logic/limits.ts";
import { suiteTime } from "../../flow/logic/time.ts";
import { generatedVariables, serverVariables } from "../../flow/logic/variables.ts";
import type { Defs, Node, RuntimeState } from "../../flow/model/types.ts";
import { HttpError } from "../errors.ts";

const pathQuery = {
  type: "object",
  required: ["path"],
  additionalProperties: false,
  properties: { path: { type: "string", minLength: 2, maxLength: 4000 } },
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

export const suiteDefinitionRoutes: FastifyPluginAsync = async (app) => {
  const suiteRow = async (name: string) => {
    const row = await findSuiteRow(app.pool, name);
    if (!row)
      throw new HttpError(404, "not_found", `no suite named ${name} is loaded`, {
        hint: "see GET /api/suites",
      });
    return row;
  };

  app.get<{ Querystring: { path: string } }>(
    "/suites/attributes",
    { schema: { querystring: pathQuery } },
    async (request) => {
      let parsed: ReturnType<typeof parseNodePath>;
      try {
        parsed = parseNodePath(request.query.path);
      } catch (error) {
        if (error instanceof FlowCommandError) throw new HttpError(400, "bad_request", error.message);
        throw error;
      }
      const snapshot = await loadSnapshot(app.pool, await suiteRow(parsed.suiteName));
      const node = snapshot.index.get(parsed.path);
      if (!node)
        throw new HttpError(404, "not_found", `suite ${parsed.suiteName} has no node ${parsed.path}`);
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
