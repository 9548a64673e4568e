// Bearer-token authentication for everything under /api/.
import type { FastifyInstance, FastifyRequest } from "fastify";
import type pg from "pg";
import { verifyToken } from "../auth/tokens.ts";
import { HttpError } from "./errors.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The name of the API token the request authenticated with. */
    tokenName?: string;
  }
}

export function requireBearerToken(
  app: FastifyInstance,
  pool: pg.Pool,
  isProtected: (url: string) => boolean,
): void {
  app.addHook("onRequest", async (request: FastifyRequest) => {
    if (!isProtected(request.url)) return;
    const header = request.headers.authorization ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      throw new HttpError(
        401,
        "unauthorized",
        "this endpoint requires an API token: send 'Authorization: Bearer <token>'",
        {
          hint: "create one with `cloudburst token create NAME`",
        },
      );
    }
    const name = await verifyToken(pool, match[1]!);
    if (!name) throw new HttpError(401, "unauthorized", "the API token is unknown or revoked", null);
    request.tokenName = name;
  });
}
