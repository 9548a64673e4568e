// The web UI: static pages under /ui/ behind the same tokens as the API. A browser signs in once by
// posting a token; it is kept in an HttpOnly, SameSite=Strict cookie and checked on every request.
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { verifyToken } from "../auth/tokens.ts";
import { sessionCookie, sessionToken } from "./auth.ts";
import { HttpError } from "./errors.ts";

const publicDir = join(import.meta.dirname, "../ui/public");
const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};
/** Pages a signed-out browser may load. */
const signInAssets = new Set(["login.html", "style.css", "login.js"]);
const securityHeaders = {
  "content-security-policy":
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

async function sendAsset(reply: FastifyReply, name: string) {
  const path = normalize(join(publicDir, name));
  if (!path.startsWith(publicDir) || !contentTypes[extname(path)])
    throw new HttpError(404, "not_found", `no page ${name}`);
  const body = await readFile(path).catch(() => {
    throw new HttpError(404, "not_found", `no page ${name}`);
  });
  return reply
    .headers({
      ...securityHeaders,
      "content-type": contentTypes[extname(path)]!,
      "cache-control": "no-cache",
    })
    .send(body);
}

async function signedIn(request: FastifyRequest): Promise<boolean> {
  const token = sessionToken(request);
  return token !== null && (await verifyToken(request.server.pool, token))?.scope === "operator";
}

export const uiRoutes: FastifyPluginAsync = async (app) => {
  app.get("/", async (_request, reply) => reply.redirect("/ui/"));
  app.get("/ui", async (_request, reply) => reply.redirect("/ui/"));
  app.get<{ Params: { "*": string } }>("/ui/*", async (request, reply) => {
    const name = request.params["*"] || "index.html";
    if (!signInAssets.has(name) && !(await signedIn(request))) return reply.redirect("/ui/login.html");
    return sendAsset(reply, name);
  });
  app.post<{ Body: { token?: unknown } }>("/ui/session", async (request, reply) => {
    const token = typeof request.body?.token === "string" ? request.body.token.trim() : "";
    const verified = token ? await verifyToken(app.pool, token) : null;
    // A node's token opens the worker protocol only, never the operator's console.
    if (verified?.scope !== "operator")
      throw new HttpError(401, "unauthorized", "the API token is unknown, revoked, or not an operator's", {
        hint: "create one with `cloudburst token create NAME`",
      });
    const secure = request.protocol === "https" ? "; Secure" : "";
    reply.header(
      "set-cookie",
      `${sessionCookie}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/${secure}`,
    );
    return { signedInAs: verified.name };
  });
  app.post("/ui/logout", async (_request, reply) => {
    reply.header("set-cookie", `${sessionCookie}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
    return { signedOut: true };
  });
};
