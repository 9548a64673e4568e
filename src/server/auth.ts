// Token authentication for everything under /api/ and the web UI: an `Authorization: Bearer` header
// (scripts, workers) or the UI's session cookie, which holds the same token (HttpOnly, SameSite=Strict).
import type { FastifyInstance, FastifyRequest } from "fastify";
import type pg from "pg";
import { type TokenScope, verifyToken } from "../auth/tokens.ts";
import { HttpError } from "./errors.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The name of the API token the request authenticated with. */
    tokenName?: string;
    /** What that token may do. */
    tokenScope?: TokenScope;
    /** The compute node whose token it is (a worker's), when it is one. */
    tokenNode?: string | null;
  }
}

export const sessionCookie = "cb_session";
/** Header the UI sends with every state-changing request: a cross-site form cannot set it. */
export const uiRequestHeader = "x-cloudburst-ui";

/** The session cookie's token, if the request carries one. */
export function sessionToken(request: FastifyRequest): string | null {
  for (const part of (request.headers.cookie ?? "").split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === sessionCookie) return decodeURIComponent(value.join("="));
  }
  return null;
}

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

const under = (url: string, prefix: string) => url === prefix || url.startsWith(`${prefix}/`);

/** What a node's token opens: a compute node's the worker protocol, the data server's its boot. */
const nodeScopes: Record<
  Exclude<TokenScope, "operator">,
  { opens: (url: string) => boolean; says: string }
> = {
  worker: {
    opens: (url) => under(url, "/api/worker"),
    says: "a node's token opens the worker protocol (/api/worker/) only",
  },
  data: {
    opens: (url) => under(url, "/api/data-role") || under(url.split("?")[0]!, "/api/worker/bundle"),
    says: "the data server's token opens its settings (/api/data-role/) and the release bundle only",
  },
};

export function requireBearerToken(
  app: FastifyInstance,
  pool: pg.Pool,
  isProtected: (url: string) => boolean,
): void {
  app.addHook("onRequest", async (request: FastifyRequest) => {
    if (!isProtected(request.url)) return;
    const header = request.headers.authorization ?? "";
    const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    const cookie = bearer ? null : sessionToken(request);
    if (cookie && !safeMethods.has(request.method) && request.headers[uiRequestHeader] !== "1") {
      throw new HttpError(
        403,
        "forbidden",
        `state-changing requests from the UI must carry ${uiRequestHeader}: 1`,
        null,
      );
    }
    const token = bearer ?? cookie;
    if (!token) {
      throw new HttpError(
        401,
        "unauthorized",
        "this endpoint requires an API token: send 'Authorization: Bearer <token>'",
        {
          hint: "create one with `cloudburst token create NAME`",
        },
      );
    }
    const verified = await verifyToken(pool, token);
    if (!verified)
      throw new HttpError(401, "unauthorized", "the API token is unknown, expired or revoked", {
        hint: "a node's token ends with its cycle; an operator's: `cloudburst token create NAME`",
      });
    const scope = verified.scope === "operator" ? null : nodeScopes[verified.scope];
    if (scope && !scope.opens(request.url)) throw new HttpError(403, "forbidden", scope.says, null);
    request.tokenName = verified.name;
    request.tokenScope = verified.scope;
    request.tokenNode = verified.node;
  });
}
