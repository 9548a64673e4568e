// /api/alerts: what reached the operators (or was held back: a duplicate, the rate limit, an operator's
// acknowledgement or silence), newest first, filtered by kind, severity and state, with the HTTP code,
// its meaning and the runbook link the alert carried; and the operators' answers: acknowledge a
// problem, silence alerts for a time, end a silence.
import type { FastifyPluginAsync } from "fastify";
import {
  type AlertState,
  acknowledgeAlert,
  activeSilences,
  addSilence,
  alertKinds,
  alertStates,
  endSilence,
  listAlerts,
} from "../../alerts/handling.ts";
import { HttpError } from "../errors.ts";

const listQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
    kind: { type: "string", minLength: 1, maxLength: 100 },
    severity: { type: "string", enum: ["critical", "warning", "info"] },
    state: { type: "string", enum: alertStates },
  },
} as const;

const idParams = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "integer", minimum: 1 } },
} as const;

const silenceBody = {
  type: "object",
  additionalProperties: false,
  required: ["matcher", "minutes", "reason"],
  properties: {
    // An alert key, or a prefix of keys ending in '*' (e.g. "fleet:prod:leak:*").
    matcher: { type: "string", minLength: 1, maxLength: 500 },
    // At most a week: a longer silence is a configuration change, not an answer to an alert.
    minutes: { type: "integer", minimum: 1, maximum: 10080 },
    reason: { type: "string", minLength: 1, maxLength: 1000 },
  },
} as const;

export const alertRoutes: FastifyPluginAsync = async (app) => {
  const operator = (request: { tokenName?: string }) => request.tokenName ?? "unknown";

  app.get<{ Querystring: { limit: number; kind?: string; severity?: string; state?: AlertState } }>(
    "/alerts",
    { schema: { querystring: listQuery } },
    async (request) => listAlerts(app.pool, request.query),
  );

  app.get("/alerts/kinds", async () => alertKinds(app.pool));

  app.post<{ Params: { id: number } }>(
    "/alerts/:id/acknowledge",
    { schema: { params: idParams } },
    async (request) => {
      const done = await acknowledgeAlert(app.pool, request.params.id, operator(request));
      if (!done) throw new HttpError(404, "not_found", `no alert ${request.params.id}`);
      return done;
    },
  );

  app.get("/alerts/silences", async () => activeSilences(app.pool));

  app.post<{ Body: { matcher: string; minutes: number; reason: string } }>(
    "/alerts/silences",
    { schema: { body: silenceBody } },
    async (request, reply) => {
      const silence = await addSilence(app.pool, { ...request.body, by: operator(request) });
      return reply.status(201).send(silence);
    },
  );

  app.delete<{ Params: { id: number } }>(
    "/alerts/silences/:id",
    { schema: { params: idParams } },
    async (request, reply) => {
      if (!(await endSilence(app.pool, request.params.id)))
        throw new HttpError(404, "not_found", `no running silence ${request.params.id}`);
      return reply.status(204).send();
    },
  );
};
