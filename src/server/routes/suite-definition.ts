// The definition side of a loaded suite, for the UI and for export: a node's attributes as .def lines
// (triggers, limits, events, meters, labels, variables, time dependencies), and a suite's .def text.
import type { FastifyPluginAsync } from "fastify";
import { attributeLines } from "../../flow/def/printer.ts";
import { FlowCommandError, parseNodePath } from "../../flow/engine/commands.ts";
import { findSuiteRow, loadSnapshot } from "../../flow/engine/store.ts";
import { HttpError } from "../errors.ts";

const pathQuery = {
  type: "object",
  required: ["path"],
  additionalProperties: false,
  properties: { path: { type: "string", minLength: 2, maxLength: 4000 } },
} as const;

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
      return { path: node.path, kind: node.kind, attributes: attributeLines(node) };
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
