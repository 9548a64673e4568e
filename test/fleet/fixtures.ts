// CloudSigma's recorded responses (../shared/reference/cloudsigma-api-2.0/dumps) served by a tiny
// loopback HTTP server, with a per-test route function that can change them or keep state.
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";

export const dumpsDir = resolve(import.meta.dirname, "../../../shared/reference/cloudsigma-api-2.0/dumps");

export interface Dump {
  status: number;
  body: string;
}

/** A recorded response: status line, headers, then the body (some dumps have no blank line). */
export function loadDump(name: string): Dump {
  const lines = readFileSync(join(dumpsDir, name), "utf8").split(/\r?\n/);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "")?.[1]);
  let i = 1;
  while (i < lines.length && lines[i]!.trim() !== "" && !/^[[{]/.test(lines[i]!)) i++;
  return { status, body: lines.slice(i).join("\n").trim() };
}

/** The JSON of a recorded response. */
export function dumpJson<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(loadDump(name).body) as T;
}

export interface FixtureRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  authorization: string | undefined;
}

export interface FixtureReply {
  status: number;
  body?: unknown;
}

export type Route = (request: FixtureRequest) => FixtureReply | undefined;

export interface FixtureServer {
  apiUrl: string;
  requests: FixtureRequest[];
  close(): Promise<void>;
}

const notFound = {
  status: 404,
  body: [{ error_point: null, error_type: "notexist", error_message: "Not found" }],
};

/** Serves `route`; an unmatched request answers CloudSigma's 404 error list. */
export async function serveFixtures(route: Route): Promise<FixtureServer> {
  const requests: FixtureRequest[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString();
    const url = new URL(req.url ?? "/", "http://x");
    const request: FixtureRequest = {
      method: req.method ?? "GET",
      path: url.pathname.replace(/^\/api\/2\.0\//, ""),
      query: url.searchParams,
      body: text ? JSON.parse(text) : undefined,
      authorization: req.headers.authorization,
    };
    requests.push(request);
    const reply = route(request) ?? notFound;
    if (reply.status === 204 || reply.body === undefined) {
      res.writeHead(reply.status, { "content-type": "text/html; charset=utf-8" });
      res.end();
      return;
    }
    res.writeHead(reply.status, { "content-type": "application/json; charset=utf-8" });
    res.end(typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/api/2.0/`,
    requests,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** A list page of `objects` the way the API pages: limit (default 20, 0 = all) and offset. */
export function page(objects: unknown[], query: URLSearchParams): FixtureReply {
  const limit = query.has("limit") ? Number(query.get("limit")) : 20;
  const offset = Number(query.get("offset") ?? 0);
  const slice = limit === 0 ? objects.slice(offset) : objects.slice(offset, offset + limit);
  return { status: 200, body: { meta: { limit, offset, total_count: objects.length }, objects: slice } };
}
