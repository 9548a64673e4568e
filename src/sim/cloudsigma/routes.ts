// The API's routes under /api/2.0/, one method per resource, answered by the engine in CloudSigma's
// shapes (render.ts) and list conventions (listing.ts). Plumbing (auth, faults, bodies) is in http.ts.
import { capabilities } from "./capabilities.ts";
import type { CloudSigmaEngine } from "./engine.ts";
import { ApiError, forbidden, invalid, notFound } from "./errors.ts";
import { fields, type Listed, list, paginate } from "./listing.ts";
import { burstLevels, decimal, pricingObjects } from "./pricing.ts";
import type { Renderer } from "./render.ts";

export type Body = Record<string, unknown> | unknown[] | null;

export interface Reply {
  status: number;
  body?: unknown;
}

const discounts = [
  { period: "3 months", value: "0.0300000000" },
  { period: "6 months", value: "0.1000000000" },
  { period: "1 year", value: "0.2500000000" },
  { period: "2 years", value: "0.3500000000" },
  { period: "3 years", value: "0.4500000000" },
];

const ok = (value: unknown, status = 200): Reply => ({ status, body: value });
const noContent: Reply = { status: 204 };

/** One API request: /RESOURCE/ID/SUB/ with its method, query and body. */
export class Call {
  readonly method: string;
  readonly segments: string[];
  readonly query: URLSearchParams;
  readonly body: Body;

  constructor(method: string, segments: string[], query: URLSearchParams, body: Body) {
    this.method = method;
    this.segments = segments;
    this.query = query;
    this.body = body;
  }

  get id(): string | undefined {
    return this.segments[1];
  }

  get sub(): string | undefined {
    return this.segments[2];
  }

  /** 405 unless the method is one of these. */
  allow(...methods: string[]): void {
    if (!methods.includes(this.method))
      throw new ApiError(
        405,
        "permission",
        `Method ${this.method} is not allowed on /${this.segments.join("/")}/`,
      );
  }

  /** The `?do=` of an action. */
  action(): string {
    const what = this.query.get("do");
    if (!what) throw invalid("do", "The action is missing: ?do=...");
    return what;
  }

  /** An action's body: an object, or {}. */
  data(): Record<string, unknown> {
    return (this.body && !Array.isArray(this.body) ? this.body : {}) as Record<string, unknown>;
  }

  /** A create request's objects: {"objects": [...]}, a bare list, or one object. */
  objects(): Array<Record<string, unknown>> {
    const body = this.body;
    if (Array.isArray(body)) return body as Array<Record<string, unknown>>;
    if (body && Array.isArray((body as { objects?: unknown }).objects))
      return (body as { objects: Array<Record<string, unknown>> }).objects;
    if (body && typeof body === "object") return [body];
    throw invalid("objects", 'The request needs a body: an object, a list, or {"objects": [...]}');
  }

  object(): Record<string, unknown> {
    if (!this.body || Array.isArray(this.body)) throw invalid("body", "The request needs a JSON object");
    return this.body;
  }
}

export class ApiRoutes {
  readonly #e: CloudSigmaEngine;
  readonly #r: Renderer;
  readonly #routes: Record<string, (call: Call) => Reply>;

  constructor(engine: CloudSigmaEngine, render: Renderer) {
    this.#e = engine;
    this.#r = render;
    this.#routes = {
      servers: (c) => this.#servers(c),
      drives: (c) => this.#drives(c),
      tags: (c) => this.#tags(c),
      vlans: (c) => this.#vlans(c),
      ips: (c) => this.#ips(c),
      subscriptions: (c) => this.#subscriptions(c),
      jobs: (c) => this.#jobs(c),
      balance: (c) => this.#read(c, () => this.#r.balance()),
      currentusage: (c) => this.#read(c, () => this.#r.currentUsage()),
      pricing: (c) => this.#pricing(c),
      ledger: (c) => this.#read(c, () => paginate(this.#r.ledger(), c.query, 20)),
      discount: (c) => this.#read(c, () => paginate(discounts, c.query, 0)),
      capabilities: (c) => this.#read(c, () => capabilities),
    };
  }

  route(call: Call): Reply {
    const route = this.#routes[call.segments[0] ?? ""];
    if (!route) throw new ApiError(404, "notexist", `No such URL /api/2.0/${call.segments.join("/")}/`);
    return route(call);
  }

  #list<T extends Listed>(items: T[], call: Call, render: (item: T) => unknown, defaultLimit = 20) {
    return list(items, call.query, render, (uuid) => this.#e.tags.of(uuid), { defaultLimit });
  }

  #read(call: Call, answer: () => unknown): Reply {
    call.allow("GET");
    return ok(answer());
  }

  #servers(c: Call): Reply {
    const { id, sub } = c;
    const { servers } = this.#e;
    const r = this.#r;
    if (id === undefined) {
      if (c.method === "POST")
        return ok({ objects: servers.create(c.objects()).map((x) => r.server(x)) }, 201);
      c.allow("GET");
      return ok(this.#list(servers.list(), c, (x) => r.serverListEntry(x)));
    }
    if (id === "detail") return this.#read(c, () => this.#list(servers.list(), c, (x) => r.server(x)));
    if (id === "availability_groups") return this.#read(c, () => servers.availabilityGroups());
    if (sub === "action") return this.#serverAction(c, id);
    if (sub === "runtime") {
      c.allow("GET");
      const runtime = r.serverRuntime(servers.get(id));
      if (!runtime) throw forbidden(`Server ${id} is not running`);
      return ok(runtime);
    }
    if (sub !== undefined) throw new ApiError(404, "notexist", `No such URL /servers/${id}/${sub}/`);
    if (c.method === "GET") return ok(fields(r.server(servers.get(id)), c.query));
    if (c.method === "PUT") return ok(r.server(servers.update(id, c.object())));
    c.allow("DELETE");
    servers.delete(id, c.query.get("recurse"));
    return noContent;
  }

  #serverAction(c: Call, id: string): Reply {
    c.allow("POST");
    const what = c.action();
    const { servers } = this.#e;
    const avoid = (c.query.get("avoid") ?? "").split(",").filter(Boolean);
    switch (what) {
      case "start":
        servers.start(id, avoid);
        return ok({ action: "start", result: "success", uuid: id }, 202);
      case "stop":
        servers.stop(id);
        return ok({ action: "stop", result: "success", uuid: id }, 202);
      case "shutdown":
        servers.shutdown(id);
        return ok({ action: "shutdown", result: "success", uuid: id }, 202);
      case "clone":
        return ok(this.#r.server(servers.clone(id, c.data())), 202);
      default:
        servers.get(id);
        throw invalid("do", `Unknown server action ${what}`);
    }
  }

  #drives(c: Call): Reply {
    const { id, sub } = c;
    const { drives } = this.#e;
    const r = this.#r;
    if (id === undefined) {
      if (c.method === "POST") return ok({ objects: drives.create(c.objects()).map((x) => r.drive(x)) }, 201);
      if (c.method === "DELETE") {
        const uuids = c.objects().map((o) => String(o["uuid"]));
        for (const uuid of uuids) drives.get(uuid);
        for (const uuid of uuids) drives.delete(uuid);
        return noContent;
      }
      c.allow("GET", "POST", "DELETE");
      return ok(this.#list(drives.list(), c, (x) => r.driveListEntry(x)));
    }
    if (id === "detail") return this.#read(c, () => this.#list(drives.list(), c, (x) => r.drive(x, true)));
    if (sub === "action") {
      c.allow("POST");
      const what = c.action();
      if (what !== "clone") {
        drives.get(id);
        throw invalid("do", `Unknown drive action ${what}`);
      }
      return ok({ objects: [r.drive(drives.clone(id, c.data()))] }, 202);
    }
    if (sub !== undefined) throw new ApiError(404, "notexist", `No such URL /drives/${id}/${sub}/`);
    if (c.method === "GET") return ok(fields(r.drive(drives.get(id)), c.query));
    if (c.method === "PUT") return ok(r.drive(drives.update(id, c.object())));
    c.allow("DELETE");
    drives.delete(id);
    return noContent;
  }

  #tags(c: Call): Reply {
    const { id, sub } = c;
    const { tags } = this.#e;
    const r = this.#r;
    if (id === undefined || id === "detail") {
      if (id === undefined && c.method === "POST")
        return ok({ objects: tags.create(c.objects()).map((t) => r.tag(t)) }, 201);
      return this.#read(c, () => this.#list(tags.list(), c, (t) => r.tag(t)));
    }
    if (sub !== undefined) return this.#read(c, () => this.#tagged(c, id, sub));
    if (c.method === "GET") return ok(r.tag(tags.get(id)));
    if (c.method === "PUT") return ok(r.tag(tags.update(id, c.object())));
    c.allow("DELETE");
    tags.delete(id);
    return noContent;
  }

  /** GET /tags/{uuid}/{servers|drives|vlans|ips}/: the tag's resources of one type. */
  #tagged(c: Call, id: string, type: string) {
    const e = this.#e;
    const r = this.#r;
    const tag = e.tags.get(id);
    const of = (kind: string) => tag.resources.filter((uuid) => e.resourceType(uuid) === kind);
    switch (type) {
      case "servers":
        return this.#list(
          of("servers").map((u) => e.servers.get(u)),
          c,
          (x) => r.taggedServerEntry(x),
        );
      case "drives":
        return this.#list(
          of("drives").map((u) => e.drives.get(u)),
          c,
          (x) => r.driveListEntry(x),
        );
      case "vlans":
        return this.#list(
          of("vlans").map((u) => e.data.vlans[u]!),
          c,
          (x) => r.vlanListEntry(x),
        );
      case "ips":
        return this.#list(
          r.allIps().filter((ip) => of("ips").includes(ip.uuid)),
          c,
          (x) => r.ipListEntry(x),
        );
      default:
        throw new ApiError(404, "notexist", `No such URL /tags/${id}/${type}/ (servers, drives, ips, vlans)`);
    }
  }

  #vlans(c: Call): Reply {
    const { id, sub } = c;
    const r = this.#r;
    const vlans = Object.values(this.#e.data.vlans);
    if (id === undefined || id === "detail")
      return this.#read(c, () => this.#list(vlans, c, (v) => (id ? r.vlan(v) : r.vlanListEntry(v))));
    const vlan = this.#e.data.vlans[id];
    if (!vlan || sub !== undefined) throw notFound("VLAN", id);
    if (c.method === "PUT") this.#e.subscriptions.updateMeta("vlans", id, c.object());
    else c.allow("GET", "PUT");
    return ok(r.vlan(vlan));
  }

  #ips(c: Call): Reply {
    const { id, sub } = c;
    const r = this.#r;
    const ips = r.allIps();
    if (id === undefined || id === "detail")
      return this.#read(c, () => this.#list(ips, c, (ip) => (id ? r.ip(ip) : r.ipListEntry(ip))));
    const found = ips.find((ip) => ip.uuid === id);
    if (!found || sub !== undefined) throw notFound("IP", id);
    if (c.method === "PUT") {
      if (!found.ip) throw forbidden(`IP ${id} is not yours (it is assigned dynamically)`);
      this.#e.subscriptions.updateMeta("ips", id, c.object());
    } else c.allow("GET", "PUT");
    return ok(r.ip(found));
  }

  #subscriptions(c: Call): Reply {
    const { id, sub } = c;
    const { subscriptions } = this.#e;
    const r = this.#r;
    if (id === undefined) {
      if (c.method === "POST") {
        const subs = subscriptions.buy(c.objects());
        const price = decimal(subs.reduce((n, x) => n + x.price, 0));
        return ok({ objects: subs.map((x) => r.subscription(x)), price }, 201);
      }
      return this.#read(c, () => this.#subscriptionList(c));
    }
    if (sub === "action") {
      c.allow("POST");
      const what = c.action();
      const data = c.data();
      if (what === "auto_renew")
        return ok(r.subscription(subscriptions.setAutoRenew(id, data["auto_renew"])));
      if (what === "extend") return ok(r.subscription(subscriptions.extend(id, data)));
      subscriptions.get(id);
      throw invalid("do", `Unknown subscription action ${what}`);
    }
    if (c.method === "DELETE")
      throw new ApiError(405, "permission", "Subscriptions cannot be deleted; turn off auto_renew instead");
    c.allow("GET");
    return ok(r.subscription(subscriptions.get(id)));
  }

  /** GET /subscriptions/?status=all|notexpired|...&resource=a,b: newest first, with the total price. */
  #subscriptionList(c: Call) {
    const status = c.query.get("status") ?? "all";
    const resources = (c.query.get("resource") ?? "").split(",").filter(Boolean);
    const subs = this.#e.subscriptions
      .list()
      .filter(
        (x) => status === "all" || (status === "notexpired" ? x.status !== "expired" : x.status === status),
      )
      .filter((x) => resources.length === 0 || resources.includes(x.resource))
      .sort((a, b) => b.id - a.id);
    const page = list(
      subs,
      c.query,
      (x) => this.#r.subscription(x),
      (uuid) => this.#e.tags.of(uuid),
      { handled: new Set(["status", "resource"]) },
    );
    return { ...page, price: decimal(subs.reduce((n, x) => n + x.price, 0)) };
  }

  #jobs(c: Call): Reply {
    c.allow("GET");
    if (c.id === undefined) {
      const jobs = Object.values(this.#e.data.jobs).sort((a, b) => b.created - a.created);
      return ok(this.#list(jobs, c, (j) => this.#r.job(j)));
    }
    const job = this.#e.data.jobs[c.id];
    if (!job) throw notFound("Job", c.id);
    return ok(this.#r.job(job));
  }

  #pricing(c: Call): Reply {
    c.allow("GET");
    const level = c.query.get("level");
    const objects = pricingObjects(this.#e.data.currency).filter(
      (p) => level === null || String(p["level"]) === level,
    );
    const page = paginate(objects, c.query, 0);
    return ok({ current: burstLevels(), meta: page.meta, next: burstLevels(), objects: page.objects });
  }
}
