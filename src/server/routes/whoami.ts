// GET /api/whoami: which token the request authenticated with (a cheap check for clients).
import type { FastifyPluginAsync } from "fastify";

export const whoamiRoutes: FastifyPluginAsync = async (app) => {
  app.get("/whoami", async (request) => ({ token: request.tokenName ?? null }));
};
