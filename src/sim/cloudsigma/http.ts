// CloudSigma REST API 2.0 over HTTP: authentication (HTTP Basic or bearer), JSON bodies, error lists,
// and the faults that act on requests (503 bursts, outages that answer 503 or refuse connections); the
// routes themselves are in routes.ts. The control endpoint /_sim/ (same auth) reads the simulator's
// state and changes faults and the balance at run time.
import { timingSafeEqual } from "node:crypto";
import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { Socket } from "node:net";
import type { CloudSigmaEngine } from "./engine.ts";
import { ApiError, invalid } from "./errors.ts";
import { FaultSpecError, validateFaultSpec } from "./faults.ts";
import { Renderer } from "./render.ts";
import { ApiRoutes, type Body, Call } from "./routes.ts";

export interface Credentials {
  username?: string | null;
  password?: string | null;
  token?: string | null;
}

export class CloudSigmaHttp {
  readonly server: HttpServer;
  private readonly engine: CloudSigmaEngine;
  private readonly render: Renderer;
  private readonly routes: ApiRoutes;
  private readonly credentials: Credentials;
  private readonly sockets = new Set<Socket>();
  private host = "127.0.0.1";
  private port = 0;
  /** True while a "refuse" outage keeps the port closed. */
  private refusing = false;
  private reopening = false;
  private stopped = false;

  constructor(engine: CloudSigmaEngine, credentials: Credentials) {
    this.engine = engine;
    this.render = new Renderer(engine);
    this.routes = new ApiRoutes(engine, this.render);
    this.credentials = credentials;
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    engine.onTick((now) => this.followOutage(now));
  }

  async listen(host: string, port: number): Promise<number> {
    this.host = host;
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    const address = this.server.address();
    this.port = typeof address === "object" && address ? address.port : port;
    return this.port;
  }

  async close(): Promise<void> {
    this.stopped = true;
    for (const socket of this.sockets) socket.destroy();
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Closes the port during a "refuse" outage and opens it again when the outage ends. */
  private followOutage(now: number): void {
    if (this.stopped) return;
    const outage = this.engine.faults.outageAt(now);
    if (outage?.mode === "refuse" && !this.refusing) {
      this.refusing = true;
      this.server.close();
      for (const socket of this.sockets) socket.destroy();
    } else if (!(outage?.mode === "refuse") && this.refusing && !this.server.listening && !this.reopening) {
      // Same port again; if something took it meanwhile, the next tick tries again.
      this.reopening = true;
      const retry = () => {
        this.reopening = false;
      };
      this.server.once("error", retry);
      this.server.listen(this.port, this.host, () => {
        this.server.off("error", retry);
        this.reopening = false;
        this.refusing = false;
      });
    }
  }

  // ---------------------------------------------------------------- plumbing

  private authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? "";
    const { username, password, token } = this.credentials;
    const same = (a: string, b: string) => {
      const x = Buffer.from(a);
      const y = Buffer.from(b);
      return x.length === y.length && timingSafeEqual(x, y);
    };
    if (header.startsWith("Basic ") && username && password) {
      return same(Buffer.from(header.slice(6).trim(), "base64").toString("utf8"), `${username}:${password}`);
    }
    if (header.startsWith("Bearer ") && token) return same(header.slice(7).trim(), token);
    return false;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://sim");
    const method = req.method ?? "GET";
    try {
      const control = url.pathname.startsWith("/_sim/");
      const outage = this.engine.faults.outageAt(this.engine.now());
      if (outage && !control)
        throw new ApiError(
          503,
          "backend",
          "The API is temporarily unavailable (outage). Please retry later.",
        );
      if (!this.authorized(req)) {
        res.setHeader("WWW-Authenticate", 'Basic realm="users"');
        throw new ApiError(
          401,
          "permission",
          "Authentication credentials were not provided or are incorrect.",
        );
      }
      const accept = req.headers.accept;
      if (accept && !/application\/json|\*\/\*|application\/\*/.test(accept))
        throw new ApiError(406, "validation", `Cannot answer in ${accept}: this API speaks application/json`);
      const body = await readBody(req);
      if (control) return send(res, 200, this.control(method, url, body));
      if (!url.pathname.startsWith("/api/2.0/"))
        throw new ApiError(404, "notexist", `No such URL ${url.pathname}`);
      if (this.engine.faults.take503(method, url.pathname.slice("/api/2.0".length)))
        throw new ApiError(
          503,
          "concurrency",
          "The system cannot complete the request now (concurrent update or out of capacity). Please retry.",
        );
      if (method === "OPTIONS") {
        res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
        res.end("GET,PUT,DELETE,POST");
        return;
      }
      const segments = url.pathname.slice("/api/2.0/".length).split("/").filter(Boolean);
      const result = this.routes.route(new Call(method, segments, url.searchParams, body));
      // Acknowledged means kept: a kill of this process right after the answer loses nothing.
      if (method !== "GET") this.engine.saveIfChanged();
      if (result.status === 204) {
        res.writeHead(204, { "Content-Type": "text/html; charset=utf-8" });
        res.end();
      } else send(res, result.status, result.body);
    } catch (error) {
      if (error instanceof ApiError) send(res, error.status, error.body());
      else if (error instanceof BodyError) send(res, 400, invalid("body", error.message).body());
      else {
        send(res, 500, new ApiError(500, "backend", `Internal error: ${(error as Error).message}`).body());
      }
    }
  }

  // ---------------------------------------------------------------- /_sim/ control endpoint

  private control(method: string, url: URL, body: Body): unknown {
    const e = this.engine;
    const path = url.pathname.replace(/\/+$/, "");
    const data = (body && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
    const reply = (value: unknown) => value;
    try {
      switch (`${method} ${path}`) {
        case "GET /_sim/state":
          return reply(this.state());
        case "GET /_sim/events":
          return reply(e.events);
        case "GET /_sim/faults":
          return reply(e.faults.describe());
        case "PUT /_sim/faults":
        case "POST /_sim/faults":
          e.setFaults(validateFaultSpec(data), e.now(), method === "POST");
          return reply(e.faults.describe());
        case "POST /_sim/outage": {
          const duration = Number(data["duration"]);
          const mode = data["mode"] === "refuse" ? "refuse" : "503";
          if (!(duration >= 0)) throw invalid("duration", "duration: simulated seconds");
          e.setFaults({ outage: { at: Number(data["at"] ?? 0), duration, mode } }, e.now(), true);
          return reply(e.faults.describe());
        }
        case "POST /_sim/503":
          e.setFaults({ next503: Number(data["count"] ?? 1) }, e.now(), true);
          return reply(e.faults.describe());
        case "POST /_sim/balance": {
          const balance = Number(data["balance"]);
          if (!Number.isFinite(balance)) throw invalid("balance", "balance: a number");
          e.billing.setBalance(balance);
          return reply(this.render.balance());
        }
        case "POST /_sim/advance": {
          const seconds = Number(data["seconds"]);
          if (!(seconds >= 0) || seconds > 366 * 86400)
            throw invalid("seconds", "seconds: simulated seconds to skip");
          e.advance(seconds);
          return reply({ time: new Date(e.now()).toISOString() });
        }
        case "POST /_sim/billing":
          e.bill();
          return reply(this.render.balance());
        default:
          throw new ApiError(
            404,
            "notexist",
            `No such control URL ${path}/ (state, events, faults, outage, 503, balance, billing, advance)`,
          );
      }
    } catch (error) {
      if (error instanceof FaultSpecError) throw invalid("faults", error.message);
      throw error;
    }
  }

  /** What the simulator holds, for tests and operators (GET /_sim/state). */
  state() {
    const e = this.engine;
    return {
      time: new Date(e.now()).toISOString(),
      timeScale: e.clock.timeScale,
      balance: e.data.balance,
      currency: e.data.currency,
      seeded: e.data.seeded,
      servers: e.servers.list().map((s) => {
        const guest = e.guest(s.uuid);
        return {
          uuid: s.uuid,
          name: s.name,
          status: s.status,
          host: s.host,
          pending: s.pending?.kind ?? null,
          guest: guest
            ? { pid: guest.pid, exited: guest.exited, command: guest.command, log: guest.log }
            : null,
        };
      }),
      drives: e.drives.list().map((d) => ({ uuid: d.uuid, name: d.name, status: d.status })),
      vlans: Object.values(e.data.vlans).map((v) => ({ uuid: v.uuid, leakedServers: v.leakedServers })),
      guests: e.guests().map((g) => ({ uuid: g.uuid, pid: g.pid, exited: g.exited })),
      faults: e.faults.describe(),
    };
  }
}

// ---------------------------------------------------------------- helpers

class BodyError extends Error {}

async function readBody(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 4 * 1024 * 1024) throw new BodyError("The request body is larger than 4 MB");
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return null;
  try {
    return JSON.parse(text) as Body;
  } catch {
    throw new BodyError("The request body is not valid JSON");
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}
