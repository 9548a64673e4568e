// CloudSigma REST API 2.0 over HTTP, answered by the engine: routes under /api/2.0/, paging (default 20,
// limit=0 for all), filters, `fields`, error lists, HTTP Basic or bearer auth, and the faults that act
// on requests (503 bursts, outages that answer 503 or refuse connections). The control endpoint
// /_sim/ (same auth) reads the simulator's state and changes faults and the balance at run time.
import { timingSafeEqual } from "node:crypto";
import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { Socket } from "node:net";
import { capabilities } from "./capabilities.ts";
import type { CloudSigmaEngine } from "./engine.ts";
import { ApiError, forbidden, invalid, notFound } from "./errors.ts";
import { FaultSpecError, validateFaultSpec } from "./faults.ts";
import { burstLevels, decimal, pricingObjects } from "./pricing.ts";
import { Renderer } from "./render.ts";

export interface Credentials {
  username?: string | null;
  password?: string | null;
  token?: string | null;
}

type Query = URLSearchParams;
type Body = Record<string, unknown> | unknown[] | null;

interface Listed {
  uuid: string;
  name?: string;
  status?: string;
}

const discounts = [
  { period: "3 months", value: "0.0300000000" },
  { period: "6 months", value: "0.1000000000" },
  { period: "1 year", value: "0.2500000000" },
  { period: "2 years", value: "0.3500000000" },
  { period: "3 years", value: "0.4500000000" },
];

export class CloudSigmaHttp {
  readonly server: HttpServer;
  private readonly engine: CloudSigmaEngine;
  private readonly render: Renderer;
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
      const result = this.route(method, segments, url.searchParams, body);
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

  // ---------------------------------------------------------------- the API

  private route(method: string, s: string[], q: Query, body: Body): { status: number; body?: unknown } {
    const [resource, id, sub] = s;
    const e = this.engine;
    const r = this.render;
    const allow = (...methods: string[]) => {
      if (!methods.includes(method))
        throw new ApiError(405, "permission", `Method ${method} is not allowed on /${s.join("/")}/`);
    };
    const action = () => {
      const what = q.get("do");
      if (!what) throw invalid("do", "The action is missing: ?do=...");
      return what;
    };
    const ok = (value: unknown, status = 200) => ({ status, body: value });

    switch (resource) {
      case "servers": {
        if (id === undefined) {
          if (method === "POST")
            return ok({ objects: e.createServers(objectsOf(body)).map((x) => r.server(x)) }, 201);
          allow("GET");
          return ok(this.list(e.servers(), q, (x) => r.serverListEntry(x)));
        }
        if (id === "detail") {
          allow("GET");
          return ok(this.list(e.servers(), q, (x) => r.server(x)));
        }
        if (id === "availability_groups") {
          allow("GET");
          return ok(e.availabilityGroups());
        }
        if (sub === "action") {
          allow("POST");
          const what = action();
          const avoid = (q.get("avoid") ?? "").split(",").filter(Boolean);
          const data = (body && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
          switch (what) {
            case "start":
              e.startServer(id, avoid);
              return ok({ action: "start", result: "success", uuid: id }, 202);
            case "stop":
              e.stopServer(id);
              return ok({ action: "stop", result: "success", uuid: id }, 202);
            case "shutdown":
              e.shutdownServer(id);
              return ok({ action: "shutdown", result: "success", uuid: id }, 202);
            case "clone":
              return ok(r.server(e.cloneServer(id, data)), 202);
            default:
              e.server(id);
              throw invalid("do", `Unknown server action ${what}`);
          }
        }
        if (sub === "runtime") {
          allow("GET");
          const runtime = r.serverRuntime(e.server(id));
          if (!runtime) throw forbidden(`Server ${id} is not running`);
          return ok(runtime);
        }
        if (sub !== undefined) throw new ApiError(404, "notexist", `No such URL /servers/${id}/${sub}/`);
        if (method === "GET") return ok(this.fields(r.server(e.server(id)), q));
        if (method === "PUT") return ok(r.server(e.updateServer(id, objectOf(body))));
        if (method === "DELETE") {
          e.deleteServer(id, q.get("recurse"));
          return { status: 204 };
        }
        allow("GET", "PUT", "DELETE");
        break;
      }
      case "drives": {
        if (id === undefined) {
          if (method === "POST")
            return ok({ objects: e.createDrives(objectsOf(body)).map((x) => r.drive(x)) }, 201);
          if (method === "DELETE") {
            const uuids = objectsOf(body).map((o) => String(o["uuid"]));
            for (const uuid of uuids) e.drive(uuid);
            for (const uuid of uuids) e.deleteDrive(uuid);
            return { status: 204 };
          }
          allow("GET", "POST", "DELETE");
          return ok(this.list(e.drives(), q, (x) => r.driveListEntry(x)));
        }
        if (id === "detail") {
          allow("GET");
          return ok(this.list(e.drives(), q, (x) => r.drive(x, true)));
        }
        if (sub === "action") {
          allow("POST");
          const what = action();
          if (what !== "clone") {
            e.drive(id);
            throw invalid("do", `Unknown drive action ${what}`);
          }
          const data = (body && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
          return ok({ objects: [r.drive(e.cloneDrive(id, data))] }, 202);
        }
        if (sub !== undefined) throw new ApiError(404, "notexist", `No such URL /drives/${id}/${sub}/`);
        if (method === "GET") return ok(this.fields(r.drive(e.drive(id)), q));
        if (method === "PUT") return ok(r.drive(e.updateDrive(id, objectOf(body))));
        if (method === "DELETE") {
          e.deleteDrive(id);
          return { status: 204 };
        }
        allow("GET", "PUT", "DELETE");
        break;
      }
      case "tags": {
        const tags = () => Object.values(e.data.tags);
        if (id === undefined || id === "detail") {
          if (id === undefined && method === "POST")
            return ok({ objects: e.createTags(objectsOf(body)).map((t) => r.tag(t)) }, 201);
          allow("GET");
          return ok(this.list(tags(), q, (t) => r.tag(t)));
        }
        if (sub !== undefined) {
          allow("GET");
          const tag = e.tag(id);
          const tagged = (type: string) => tag.resources.filter((uuid) => e.resourceType(uuid) === type);
          switch (sub) {
            case "servers":
              return ok(
                this.list(
                  tagged("servers").map((u) => e.server(u)),
                  q,
                  (x) => r.taggedServerEntry(x),
                ),
              );
            case "drives":
              return ok(
                this.list(
                  tagged("drives").map((u) => e.drive(u)),
                  q,
                  (x) => r.driveListEntry(x),
                ),
              );
            case "vlans":
              return ok(
                this.list(
                  tagged("vlans").map((u) => e.data.vlans[u]!),
                  q,
                  (x) => r.vlanListEntry(x),
                ),
              );
            case "ips":
              return ok(
                this.list(
                  r.allIps().filter((ip) => tagged("ips").includes(ip.uuid)),
                  q,
                  (x) => r.ipListEntry(x),
                ),
              );
            default:
              throw new ApiError(
                404,
                "notexist",
                `No such URL /tags/${id}/${sub}/ (servers, drives, ips, vlans)`,
              );
          }
        }
        if (method === "GET") return ok(r.tag(e.tag(id)));
        if (method === "PUT") return ok(r.tag(e.updateTag(id, objectOf(body))));
        if (method === "DELETE") {
          e.deleteTag(id);
          return { status: 204 };
        }
        allow("GET", "PUT", "DELETE");
        break;
      }
      case "vlans": {
        const vlans = Object.values(e.data.vlans);
        if (id === undefined || id === "detail") {
          allow("GET");
          return ok(this.list(vlans, q, (v) => (id ? r.vlan(v) : r.vlanListEntry(v))));
        }
        const vlan = e.data.vlans[id];
        if (!vlan || sub !== undefined) throw notFound("VLAN", id);
        if (method === "PUT") e.updateMeta("vlans", id, objectOf(body));
        else allow("GET", "PUT");
        return ok(r.vlan(vlan));
      }
      case "ips": {
        const ips = r.allIps();
        if (id === undefined || id === "detail") {
          allow("GET");
          return ok(this.list(ips, q, (ip) => (id ? r.ip(ip) : r.ipListEntry(ip))));
        }
        const found = ips.find((ip) => ip.uuid === id);
        if (!found || sub !== undefined) throw notFound("IP", id);
        if (method === "PUT") {
          if (!found.ip) throw forbidden(`IP ${id} is not yours (it is assigned dynamically)`);
          e.updateMeta("ips", id, objectOf(body));
        } else allow("GET", "PUT");
        return ok(r.ip(found));
      }
      case "subscriptions": {
        if (id === undefined) {
          if (method === "POST") {
            const subs = e.buySubscriptions(objectsOf(body));
            return ok(
              {
                objects: subs.map((x) => r.subscription(x)),
                price: decimal(subs.reduce((n, x) => n + x.price, 0)),
              },
              201,
            );
          }
          allow("GET");
          const status = q.get("status") ?? "all";
          const resources = (q.get("resource") ?? "").split(",").filter(Boolean);
          const subs = Object.values(e.data.subscriptions)
            .filter(
              (x) =>
                status === "all" || (status === "notexpired" ? x.status !== "expired" : x.status === status),
            )
            .filter((x) => resources.length === 0 || resources.includes(x.resource))
            .sort((a, b) => b.id - a.id);
          const page = this.list(subs, q, (x) => r.subscription(x), 20, new Set(["status", "resource"]));
          return ok({ ...page, price: decimal(subs.reduce((n, x) => n + x.price, 0)) });
        }
        if (sub === "action") {
          allow("POST");
          const what = action();
          const data = (body && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
          if (what === "auto_renew") return ok(r.subscription(e.setAutoRenew(id, data["auto_renew"])));
          if (what === "extend") return ok(r.subscription(e.extendSubscription(id, data)));
          e.subscription(id);
          throw invalid("do", `Unknown subscription action ${what}`);
        }
        if (method === "DELETE")
          throw new ApiError(
            405,
            "permission",
            "Subscriptions cannot be deleted; turn off auto_renew instead",
          );
        allow("GET");
        return ok(r.subscription(e.subscription(id)));
      }
      case "jobs": {
        if (id === undefined) {
          allow("GET");
          const jobs = Object.values(e.data.jobs).sort((a, b) => b.created - a.created);
          return ok(this.list(jobs, q, (j) => r.job(j)));
        }
        allow("GET");
        const job = e.data.jobs[id];
        if (!job) throw notFound("Job", id);
        return ok(r.job(job));
      }
      case "balance":
        allow("GET");
        return ok(r.balance());
      case "currentusage":
        allow("GET");
        return ok(r.currentUsage());
      case "pricing": {
        allow("GET");
        const level = q.get("level");
        const objects = pricingObjects(e.data.currency).filter(
          (p) => level === null || String(p["level"]) === level,
        );
        const page = paginate(objects, q, 0);
        return ok({ current: burstLevels(), meta: page.meta, next: burstLevels(), objects: page.objects });
      }
      case "ledger": {
        allow("GET");
        return ok(paginate(r.ledger(), q, 20));
      }
      case "discount":
        allow("GET");
        return ok(paginate(discounts, q, 0));
      case "capabilities":
        allow("GET");
        return ok(capabilities);
    }
    throw new ApiError(404, "notexist", `No such URL /api/2.0/${s.join("/")}/`);
  }

  /** A paged list of `items` after the query's filters, each rendered, with `fields` applied. */
  private list<T extends Listed>(
    items: T[],
    q: Query,
    render: (item: T) => unknown,
    defaultLimit = 20,
    handled = new Set<string>(),
  ) {
    const filtered = items.filter((item) => this.matches(item, q, handled));
    const page = paginate(filtered, q, defaultLimit);
    return { meta: page.meta, objects: page.objects.map((item) => this.fields(render(item), q)) };
  }

  /** Filters: separate parameters AND, comma-separated values OR (backslash escapes a comma). */
  private matches(item: Listed, q: Query, handled: Set<string>): boolean {
    for (const [key, raw] of q) {
      if (
        ["limit", "offset", "fields", "format", "do", "recurse", "avoid", "level"].includes(key) ||
        handled.has(key)
      )
        continue;
      const values = splitValues(raw);
      const tags = () => this.engine.tagsOf(item.uuid);
      let ok: boolean;
      switch (key) {
        case "uuid":
          ok = values.includes(item.uuid);
          break;
        case "name":
          ok = values.includes(item.name ?? "");
          break;
        case "name__contains":
          ok = values.some((v) => (item.name ?? "").toLowerCase().includes(v.toLowerCase()));
          break;
        case "status":
          ok = values.includes(item.status ?? "");
          break;
        case "tag":
        case "tags":
          ok = tags().some((t) => values.includes(t.uuid));
          break;
        case "tag__name":
        case "tags__name":
          ok = tags().some((t) => values.includes(t.name));
          break;
        default:
          throw invalid(key, `Filtering on ${key} is not allowed`);
      }
      if (!ok) return false;
    }
    return true;
  }

  private fields(object: unknown, q: Query): unknown {
    const fields = q.get("fields");
    if (!fields || typeof object !== "object" || object === null) return object;
    const wanted = fields.split(",").map((f) => f.trim());
    return Object.fromEntries(Object.entries(object).filter(([k]) => wanted.includes(k)));
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
          e.setBalance(balance);
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
      servers: e.servers().map((s) => {
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
      drives: e.drives().map((d) => ({ uuid: d.uuid, name: d.name, status: d.status })),
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

/** A create request's objects: {"objects": [...]}, a bare list, or one object. */
function objectsOf(body: Body): Array<Record<string, unknown>> {
  if (Array.isArray(body)) return body as Array<Record<string, unknown>>;
  if (body && Array.isArray((body as { objects?: unknown }).objects))
    return (body as { objects: Array<Record<string, unknown>> }).objects;
  if (body && typeof body === "object") return [body];
  throw invalid("objects", 'The request needs a body: an object, a list, or {"objects": [...]}');
}

function objectOf(body: Body): Record<string, unknown> {
  if (!body || Array.isArray(body)) throw invalid("body", "The request needs a JSON object");
  return body;
}

function paginate<T>(items: T[], q: Query, defaultLimit: number) {
  const limitText = q.get("limit");
  const offsetText = q.get("offset");
  const limit = limitText === null ? defaultLimit : Number(limitText);
  const offset = offsetText === null ? 0 : Number(offsetText);
  if (!Number.isInteger(limit) || limit < 0)
    throw invalid("limit", `Invalid limit "${limitText}": a non-negative integer`);
  if (!Number.isInteger(offset) || offset < 0)
    throw invalid("offset", `Invalid offset "${offsetText}": a non-negative integer`);
  return {
    meta: { limit, offset, total_count: items.length },
    objects: limit === 0 ? items.slice(offset) : items.slice(offset, offset + limit),
  };
}

function splitValues(raw: string): string[] {
  const values: string[] = [];
  let current = "";
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === "\\" && (raw[i + 1] === "," || raw[i + 1] === "\\")) {
      current += raw[++i];
    } else if (ch === ",") {
      values.push(current);
      current = "";
    } else current += ch;
  }
  values.push(current);
  return values;
}
