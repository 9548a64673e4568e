// GET /api/timeline: one cycle's story on one time axis, for the UI's chart (see cycle/timeline.ts).
import type { FastifyPluginAsync } from "fastify";
import { cycleTimeline, timelineCycles } from "../../cycle/timeline.ts";
import type { ApiServices } from "../services.ts";

const querySchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    /** The cycle's key as deliveries and the fleet file it (e.g. ecmf/2026112400); default: the latest. */
    cycle: { type: "string", maxLength: 200 },
  },
} as const;

export const timelineRoutes: FastifyPluginAsync<ApiServices> = async (app, services) => {
  /** The cycles the UI's picker offers, the latest first. */
  app.get("/timeline/cycles", async () => timelineCycles(app.pool));

  app.get<{ Querystring: { cycle?: string } }>(
    "/timeline",
    { schema: { querystring: querySchema } },
    async (request) => {
      const fleet = services.fleet;
      return cycleTimeline(app.pool, request.query.cycle ?? null, async (cycle) =>
        fleet ? fleet.store.nodes(fleet.config.fleet.environment, cycle) : [],
      );
    },
  );
};
