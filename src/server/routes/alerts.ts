// GET /api/alerts: what reached the operators (or was held back as a duplicate or by the rate limit),
// newest first, with the HTTP code, its meaning and the runbook link the alert carried.
import type { FastifyPluginAsync } from "fastify";

interface AlertRow {
  id: string;
  key: string;
  channel: string;
  severity: string;
  title: string;
  body: { text?: string; httpCode?: number; meaning?: string; runbook?: string };
  held: string | null;
  at: Date;
}

const querySchema = {
  type: "object",
  additionalProperties: false,
  properties: { limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 } },
} as const;

export const alertRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: { limit: number } }>(
    "/alerts",
    { schema: { querystring: querySchema } },
    async (request) => {
      const result = await app.pool.query<AlertRow>(
        "select id, key, channel, severity, title, body, held, at from alert order by id desc limit $1",
        [request.query.limit],
      );
      return result.rows.map((r) => ({
        id: Number(r.id),
        key: r.key,
        channel: r.channel,
        severity: r.severity,
        title: r.title,
        text: r.body.text ?? null,
        httpCode: r.body.httpCode ?? null,
        meaning: r.body.meaning ?? null,
        runbook: r.body.runbook ?? null,
        held: r.held,
        at: r.at.toISOString(),
      }));
    },
  );
};
