// The CloudSigma provider (REST API 2.0): a compute node is a clone of the golden server, tagged,
// given cloud-init user data in its meta, and started with `avoid` anti-affinity.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { mapLimit } from "../../system/map-limit.ts";
import type { CloudSigmaConfig } from "../config.ts";
import { ProviderError } from "../errors.ts";
import {
  type BilledResource,
  type Capabilities,
  type CreateNodesRequest,
  type CreateOutcome,
  type FleetNode,
  hasTags,
  type NodePrice,
  type NodeState,
  type Provider,
  type Tags,
  userDataOf,
} from "../provider.ts";
import { backoffDelay, pollUntil } from "../retry.ts";
import { CloudSigmaClient, type Credentials } from "./client.ts";
import {
  actionSchema,
  balanceSchema,
  type Drive,
  driveSchema,
  ipSchema,
  jobSchema,
  pricingSchema,
  type Reference,
  referenceId,
  type Server,
  serverSchema,
  subscriptionSchema,
  vlanSchema,
} from "./schemas.ts";
import { isStaleTagError, TagBook } from "./tags.ts";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Meta keys are limited to 32 characters; our tags are stored under this prefix as well. */
const metaTagPrefix = "cb:";
const userDataKey = "cloudinit-user-data";

const stateMap: Record<string, NodeState> = {
  stopped: "stopped",
  starting: "starting",
  running: "running",
  stopping: "stopping",
  paused: "stopped",
  unavailable: "unknown",
};

export interface CloudSigmaOptions {
  apiUrl: string;
  credentials: Credentials;
  config: CloudSigmaConfig;
  onRetry?: (error: ProviderError, attempt: number, delayMs: number) => void;
  onError?: (error: ProviderError) => void;
}

export class CloudSigmaProvider implements Provider {
  readonly name = "cloudsigma";
  readonly capabilities: Capabilities = {
    tags: true,
    boot: "cloud-init",
    sameMachine: false,
    antiAffinity: true,
    gracefulStop: true,
    balance: true,
    prices: true,
    billedResources: true,
    maxConcurrentCreates: 4,
  };
  readonly client: CloudSigmaClient;
  readonly reserved: readonly string[];
  readonly dataServer: string | undefined;
  readonly #config: CloudSigmaConfig;
  readonly #tags: TagBook;

  constructor(options: CloudSigmaOptions) {
    this.#config = options.config;
    this.client = new CloudSigmaClient({
      apiUrl: options.apiUrl,
      credentials: options.credentials,
      retry: options.config.retry,
      pageSize: options.config.pageSize,
      requestTimeoutMs: options.config.requestTimeoutMs,
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
    });
    this.capabilities.maxConcurrentCreates = options.config.concurrency;
    this.#tags = new TagBook(this.client);
    this.dataServer = options.config.dataServer;
    this.reserved = [options.config.goldenServer, options.config.dataServer].filter(
      (r): r is string => r !== undefined,
    );
  }

  get #poll() {
    return { intervalMs: this.#config.pollIntervalMs };
  }

  // ---- nodes ---------------------------------------------------------------------------------

  async listNodes(tags?: Tags): Promise<FleetNode[]> {
    const servers = await this.client.listAll("servers/detail/", serverSchema);
    await this.#tags.learn(servers.flatMap((s) => s.tags ?? []));
    return servers.map((s) => this.#toNode(s)).filter((n) => hasTags(n, tags));
  }

  async getNode(id: string): Promise<FleetNode | null> {
    const server = await this.#getServer(id);
    if (!server) return null;
    await this.#tags.learn(server.tags ?? []);
    return this.#toNode(server);
  }

  /** Every node fails on its own: a golden server or tags that cannot be had fail them all, with the reason. */
  async createNodes(request: CreateNodesRequest): Promise<CreateOutcome[]> {
    let golden: Server;
    let tagIds: string[];
    try {
      golden = await this.#resolveServer(request.template ?? this.#config.goldenServer, "golden server");
      tagIds = await this.#tags.ensure(request.tags);
    } catch (error) {
      return Array.from({ length: request.count }, () => ({ ok: false, error: error as Error }));
    }
    const release = this.#tags.hold(tagIds);
    const batch = { golden, request, tagIds, started: [] as string[], t0: Date.now() };
    const indexes = Array.from({ length: request.count }, (_, i) => i);
    const results = await mapLimit(indexes, this.#config.concurrency, (index) =>
      this.#createOne(batch, index),
    );
    release();
    const outcomes = results.map(
      (r): CreateOutcome => (r.status === "fulfilled" ? r.value : { ok: false, error: r.reason as Error }),
    );
    // Tags made for nodes that all failed would be left empty.
    if (outcomes.some((o) => !o.ok)) await this.#tags.dropEmpty(tagIds);
    return outcomes;
  }

  /**
   * Clones, configures and starts one node. A node's provisioning time runs from the request for the
   * batch (queueing behind the concurrency limit included) until it runs: the lead time the controller
   * needs. A failure after the clone names the server, which exists and must still be removed.
   */
  async #createOne(
    batch: { golden: Server; request: CreateNodesRequest; tagIds: string[]; started: string[]; t0: number },
    index: number,
  ): Promise<CreateOutcome> {
    const { golden, request, started, t0 } = batch;
    let server: Server | null = null;
    try {
      server = await this.#cloneServer(
        golden,
        `${request.namePrefix}-${index}-${randomBytes(3).toString("hex")}`,
      );
      await this.#waitCloned(server);
      const userData = await userDataOf(request, { index, name: server.name });
      const configured = await this.#configure(server.uuid, { ...request, userData }, batch.tagIds);
      await this.#tagDrives(configured);
      let node = this.#toNode(configured);
      if (request.start !== false) {
        node = await this.startNode(configured.uuid, { avoid: [...started] });
        started.push(configured.uuid);
      }
      return { ok: true, node, seconds: (Date.now() - t0) / 1000 };
    } catch (error) {
      return {
        ok: false,
        error: error as Error,
        ...(server ? { node: { id: server.uuid, name: server.name } } : {}),
      };
    }
  }

  async startNode(id: string, options: { avoid?: string[]; userData?: string } = {}): Promise<FleetNode> {
    const current = await this.#requireServer(id);
    if (current.status !== "running" && current.status !== "starting") {
      if (options.userData !== undefined) await this.#putUserData(current, options.userData);
      const avoid = (options.avoid ?? []).filter((a) => a !== id);
      await this.client.request("POST", `servers/${id}/action/`, actionSchema, {
        query: { do: "start", ...(avoid.length ? { avoid: avoid.join(",") } : {}) },
        body: {},
      });
    }
    // 202: the start proceeds in the background; poll until the server says running.
    const running = await pollUntil(
      `server ${id} to be running`,
      async () => {
        const server = await this.#requireServer(id);
        return server.status === "running" ? server : undefined;
      },
      { ...this.#poll, timeoutMs: this.#config.startTimeoutSeconds * 1000 },
    );
    return this.#toNode(running);
  }

  async stopNode(id: string): Promise<FleetNode> {
    let server = await this.#requireServer(id);
    if (server.status === "stopped") return this.#toNode(server);
    if (server.status === "running") {
      // ACPI shutdown: the guest may power off cleanly within the graceful window.
      await this.client.request("POST", `servers/${id}/action/`, actionSchema, {
        query: { do: "shutdown" },
        body: {},
      });
      const graceful = await this.#waitStatus(id, "stopped", this.#config.gracefulStopSeconds * 1000).catch(
        () => null,
      );
      if (graceful) return this.#toNode(graceful);
      server = await this.#requireServer(id);
    }
    if (server.status !== "stopped") await this.#hardStop(id);
    return this.#toNode(await this.#waitStatus(id, "stopped", this.#config.startTimeoutSeconds * 1000));
  }

  async destroyNode(id: string): Promise<void> {
    const server = await this.#getServer(id);
    if (!server) return; // already gone: 404 is success
    if (server.status === "running") {
      // A graceful shutdown first: a node released by the autoscaler may just have taken a job, and its
      // worker finishes it on the ACPI event (a hard stop would leave the job to its heartbeat timeout).
      await this.stopNode(id);
    } else if (server.status !== "stopped") {
      // A server must be stopped to be deleted.
      if (server.status === "starting") await this.#hardStop(id);
      await this.#waitStatus(id, "stopped", this.#config.startTimeoutSeconds * 1000);
    }
    await this.client.request("DELETE", `servers/${id}/`, null, {
      query: { recurse: "all_drives" },
      accept: [404],
    });
    // 204 means "deletion started"; the node is gone only when GET answers 404 — its drives too.
    const timeoutMs = this.#config.deleteTimeoutSeconds * 1000;
    await pollUntil(
      `server ${id} to be deleted`,
      async () => ((await this.#getServer(id)) === null ? true : undefined),
      { ...this.#poll, timeoutMs },
    );
    for (const drive of driveIdsOf(server)) {
      await pollUntil(
        `drive ${drive} of server ${id} to be deleted`,
        async () => ((await this.#getDrive(drive)) === null ? true : undefined),
        { ...this.#poll, timeoutMs },
      );
    }
    // A tag is removed with its last resource (its drives carried the same tags).
    await this.#tags.dropAllEmpty();
  }

  // ---- money ---------------------------------------------------------------------------------

  async balance() {
    const { body } = await this.client.request("GET", "balance/", balanceSchema);
    return body ? { amount: body.balance, currency: body.currency } : null;
  }

  /**
   * The hourly price of one node like the golden server: CPU (GHz), memory (GB) and its drives (GB),
   * at the account's current burst levels.
   */
  async nodePrice(): Promise<NodePrice | null> {
    if (!this.#config.goldenServer) return null;
    const golden = await this.#resolveServer(this.#config.goldenServer, "golden server");
    const { body } = await this.client.request("GET", "pricing/", pricingSchema, { query: { limit: 0 } });
    if (!body) return null;
    const currency = this.#config.currency;
    const priceOf = (resource: string): { price: number; unit: string } | null => {
      const level = body.current?.[resource];
      const candidates = body.objects.filter((p) => p.resource === resource && p.currency === currency);
      const chosen = candidates.find((p) => p.level === level) ?? candidates.find((p) => p.level === 0);
      return chosen ? { price: chosen.price, unit: chosen.unit ?? "" } : null;
    };
    const driveIds = driveIdsOf(golden);
    const drives = await Promise.all(driveIds.map((d) => this.#getDrive(d)));
    const diskGb = drives.reduce((sum, d) => sum + (d?.size ?? 0), 0) / 2 ** 30;
    const parts: Array<[string, number]> = [
      ["cpu", (golden.cpu ?? 0) / 1000],
      ["mem", (golden.mem ?? 0) / 2 ** 30],
      ["dssd", diskGb],
    ];
    let perHour = 0;
    for (const [resource, quantity] of parts) {
      if (quantity === 0) continue;
      const price = priceOf(resource);
      if (!price) return null;
      perHour += quantity * price.price * (/month/i.test(price.unit) ? 1 / 730 : 1);
    }
    return { perHour, currency, source: "provider" };
  }

  async billedResources(): Promise<BilledResource[]> {
    const [servers, drives, vlans, ips, subscriptions] = await Promise.all([
      this.client.listAll("servers/detail/", serverSchema),
      this.client.listAll("drives/detail/", driveSchema),
      this.client.listAll("vlans/detail/", vlanSchema),
      this.client.listAll("ips/detail/", ipSchema),
      this.client.listAll("subscriptions/", subscriptionSchema, {}, (s) => s.id),
    ]);
    await this.#tags.learn([
      ...servers.flatMap((s) => s.tags ?? []),
      ...drives.flatMap((d) => d.tags ?? []),
      ...vlans.flatMap((v) => v.tags ?? []),
      ...ips.flatMap((i) => i.tags ?? []),
    ]);
    const serverIds = new Set(servers.map((s) => s.uuid));
    const autoRenew = new Map(subscriptions.map((s) => [s.id, s]));
    const subscriptionBills = (sub: { id: string | number } | null | undefined) => {
      const s = sub ? autoRenew.get(String(sub.id)) : undefined;
      return s ? s.status === "active" || s.auto_renew === true : true;
    };
    return [
      ...servers.map(
        (s): BilledResource => ({
          kind: "server",
          id: s.uuid,
          name: s.name,
          tags: this.#tagsOf(s.tags, s.meta),
          billing: s.status !== "stopped",
          deletable: true,
          detail: s.status,
        }),
      ),
      ...drives.map(
        (d): BilledResource => ({
          kind: "drive",
          id: d.uuid,
          name: d.name,
          tags: this.#tagsOf(d.tags, d.meta),
          billing: true,
          deletable: true,
          detail: d.status,
        }),
      ),
      ...vlans.map(
        (v): BilledResource => ({
          kind: "vlan",
          id: v.uuid,
          name: String(v.meta?.["name"] ?? v.uuid),
          tags: this.#tagsOf(v.tags, v.meta),
          billing: subscriptionBills(v.subscription),
          deletable: false,
          detail: `${v.servers?.length ?? 0} servers attached`,
          ...vlanAnomaly(v.servers ?? [], serverIds),
        }),
      ),
      ...ips.map(
        (i): BilledResource => ({
          kind: "ip",
          id: i.uuid,
          name: i.uuid,
          tags: this.#tagsOf(i.tags, i.meta),
          billing: subscriptionBills(i.subscription),
          deletable: false,
          detail: i.server ? "attached" : "unattached",
        }),
      ),
      ...subscriptions.map(
        (s): BilledResource => ({
          kind: "subscription",
          id: s.id,
          name: `${s.resource} ${s.amount ?? ""}`.trim(),
          tags: {},
          billing: s.status === "active",
          deletable: false,
          detail: `${s.status}${s.auto_renew ? ", auto-renews" : ""}${s.end_time ? ` until ${s.end_time}` : ""}`,
        }),
      ),
    ];
  }

  async destroyResource(resource: BilledResource): Promise<void> {
    if (resource.kind === "server") return this.destroyNode(resource.id);
    if (resource.kind === "drive") {
      const drive = await this.#getDrive(resource.id);
      await this.client.request("DELETE", `drives/${resource.id}/`, null, { accept: [404] });
      await pollUntil(
        `drive ${resource.id} to be deleted`,
        async () => ((await this.#getDrive(resource.id)) === null ? true : undefined),
        { ...this.#poll, timeoutMs: this.#config.deleteTimeoutSeconds * 1000 },
      );
      await this.#tags.dropEmpty((drive?.tags ?? []).map(referenceId));
      return;
    }
    throw new ProviderError({
      provider: this.name,
      status: 405,
      operation: `DELETE ${resource.kind} ${resource.id}`,
      message: `a CloudSigma ${resource.kind} cannot be deleted through the API; cancel its auto-renewal in the provider's console`,
    });
  }

  /** Renames a server (a PUT of its definition with the new name); used for golden image rotation. */
  async renameServer(id: string, name: string): Promise<FleetNode> {
    const server = await this.#requireServer(id);
    const definition: Record<string, unknown> = {
      name,
      cpu: server.cpu,
      mem: server.mem,
      vnc_password: server["vnc_password"],
      drives: server.drives ?? [],
      nics: server["nics"] ?? [],
      meta: server.meta ?? {},
      tags: (server.tags ?? []).map(referenceId),
    };
    const { body } = await this.client.request("PUT", `servers/${id}/`, serverSchema, { body: definition });
    return this.#toNode(body ?? (await this.#requireServer(id)));
  }

  // ---- internals -----------------------------------------------------------------------------

  async #getServer(id: string): Promise<Server | null> {
    const { status, body } = await this.client.request("GET", `servers/${id}/`, serverSchema, {
      accept: [404],
    });
    return status === 404 ? null : body;
  }

  async #requireServer(id: string): Promise<Server> {
    const server = await this.#getServer(id);
    if (!server) {
      throw new ProviderError({
        provider: this.name,
        status: 404,
        operation: `GET servers/${id}/`,
        message: "no such server",
      });
    }
    return server;
  }

  async #getDrive(id: string): Promise<Drive | null> {
    const { status, body } = await this.client.request("GET", `drives/${id}/`, driveSchema, {
      accept: [404],
    });
    return status === 404 ? null : body;
  }

  async #resolveServer(idOrName: string | undefined, what: string): Promise<Server> {
    if (!idOrName) {
      throw new ProviderError({
        provider: this.name,
        status: 400,
        operation: `resolve ${what}`,
        message: `no ${what} configured (fleet.cloudsigma.goldenServer)`,
      });
    }
    if (uuidPattern.test(idOrName)) return this.#requireServer(idOrName);
    const matches = (await this.client.listAll("servers/detail/", serverSchema, { name: idOrName })).filter(
      (s) => s.name === idOrName,
    );
    if (matches.length !== 1) {
      throw new ProviderError({
        provider: this.name,
        status: 404,
        operation: `resolve ${what}`,
        message: `${matches.length} servers are named "${idOrName}"; name exactly one, or give its uuid`,
      });
    }
    return matches[0]!;
  }

  async #hardStop(id: string): Promise<void> {
    await this.client.request("POST", `servers/${id}/action/`, actionSchema, {
      query: { do: "stop" },
      body: {},
    });
  }

  async #waitStatus(id: string, status: string, timeoutMs: number): Promise<Server> {
    return pollUntil(
      `server ${id} to be ${status}`,
      async () => {
        const server = await this.#getServer(id);
        if (!server)
          throw new ProviderError({
            provider: this.name,
            status: 404,
            operation: `GET servers/${id}/`,
            message: "the server vanished",
          });
        return server.status === status ? server : undefined;
      },
      { ...this.#poll, timeoutMs },
    );
  }

  /**
   * POST clone. There is no bulk clone, and POST is not idempotent: when a clone attempt gets no
   * answer or a 5xx, look for a server with our unique name before trying again, so a retry never
   * makes a second copy.
   */
  async #cloneServer(golden: Server, name: string): Promise<Server> {
    const policy = this.#config.retry;
    for (let attempt = 1; ; attempt++) {
      try {
        const { body } = await this.client.once("POST", `servers/${golden.uuid}/action/`, serverSchema, {
          query: { do: "clone" },
          body: { name, random_vnc_password: true },
        });
        if (!body)
          throw new ProviderError({
            provider: this.name,
            status: 202,
            operation: "clone",
            message: "empty answer",
          });
        return body;
      } catch (error) {
        if (!(error instanceof ProviderError) || !error.retryable || attempt >= policy.attempts) throw error;
        const existing = (await this.client.listAll("servers/detail/", serverSchema, { name })).find(
          (s) => s.name === name,
        );
        if (existing) return existing;
        await sleep(backoffDelay(attempt, policy));
      }
    }
  }

  /** Waits for the clone's job (and its drive sub-jobs) to succeed; without a job API, for its drives. */
  async #waitCloned(server: Server): Promise<void> {
    const timeoutMs = this.#config.cloneTimeoutSeconds * 1000;
    const jobs = (server.jobs ?? []).map(referenceId);
    for (const job of jobs) {
      const finished = await pollUntil(
        `clone job ${job} of ${server.name}`,
        async () => {
          const { status, body } = await this.client.request("GET", `jobs/${job}/`, jobSchema, {
            accept: [404],
          });
          if (status === 404 || !body) return "unknown" as const;
          if (body.state === "success") return "success" as const;
          if (/fail|error|cancel/i.test(body.state)) {
            throw new ProviderError({
              provider: this.name,
              status: 500,
              operation: `clone ${server.name}`,
              message: `clone job ${job} ended ${body.state}`,
            });
          }
          return undefined;
        },
        { ...this.#poll, timeoutMs },
      );
      if (finished === "unknown") break; // no job API: the drives tell instead
    }
    // Whatever the jobs said, the drives must have left the cloning state before a start.
    await pollUntil(
      `drives of ${server.name} to finish cloning`,
      async () => {
        const current = await this.#requireServer(server.uuid);
        const driveIds = driveIdsOf(current);
        const drives = await Promise.all(driveIds.map((d) => this.#getDrive(d)));
        return drives.every((d) => d && !d.status.startsWith("cloning")) ? true : undefined;
      },
      { ...this.#poll, timeoutMs },
    );
  }

  /**
   * PUT the clone's definition back with our meta (tags, user data), tags, keys, NICs. A tag another
   * process deleted meanwhile (with its last resource) is made again, once.
   */
  async #configure(id: string, request: CreateNodesRequest, tagIds: string[]): Promise<Server> {
    try {
      return await this.#putDefinition(id, request, tagIds);
    } catch (error) {
      if (!isStaleTagError(error)) throw error;
      return this.#putDefinition(id, request, await this.#tags.ensure(request.tags, { reload: true }));
    }
  }

  async #putDefinition(id: string, request: CreateNodesRequest, tagIds: string[]): Promise<Server> {
    const server = await this.#requireServer(id);
    const meta = withUserData(server.meta, await userDataOf(request, { index: 0, name: server.name }));
    for (const [key, value] of Object.entries(request.tags))
      meta[`${metaTagPrefix}${key}`.slice(0, 32)] = value;
    const nics = [...((server["nics"] as unknown[] | undefined) ?? [])];
    if (this.#config.firewallPolicy && nics.length > 0) {
      nics[0] = { ...(nics[0] as object), firewall_policy: this.#config.firewallPolicy };
    }
    if (this.#config.privateVlan) nics.push({ model: "virtio", vlan: this.#config.privateVlan });
    const body = await this.#putServer(server, {
      nics,
      meta,
      tags: tagIds,
      ...(this.#config.pubkeys.length ? { pubkeys: this.#config.pubkeys } : {}),
    });
    return body ?? (await this.#requireServer(id));
  }

  /** A stopped server's user data (its meta), as it boots next; the rest of its definition unchanged. */
  async #putUserData(server: Server, userData: string): Promise<void> {
    await this.#putServer(server, {
      nics: server["nics"] ?? [],
      meta: withUserData(server.meta, userData),
      tags: (server.tags ?? []).map(referenceId),
    });
  }

  /** PUT a server's definition: CloudSigma wants name, CPU, memory and VNC password with every change. */
  async #putServer(server: Server, changes: Record<string, unknown>): Promise<Server | null> {
    const definition: Record<string, unknown> = {
      name: server.name,
      cpu: server.cpu,
      mem: server.mem,
      vnc_password: server["vnc_password"],
      drives: server.drives ?? [],
      ...changes,
    };
    const { body } = await this.client.request("PUT", `servers/${server.uuid}/`, serverSchema, {
      body: definition,
    });
    return body ?? null;
  }

  /** The server's drives get the server's tags. */
  async #tagDrives(server: Server): Promise<void> {
    const driveIds = driveIdsOf(server);
    if (driveIds.length === 0) return;
    for (const tagId of (server.tags ?? []).map(referenceId)) await this.#tags.add(tagId, driveIds);
  }

  /** Tags from CloudSigma tags named key=value, and from our meta copy (cb:key). */
  #tagsOf(refs: Reference[] | null | undefined, meta: Record<string, unknown> | null | undefined): Tags {
    const tags: Tags = {};
    for (const ref of refs ?? []) {
      const name = this.#tags.nameOf(referenceId(ref)) ?? (typeof ref !== "string" ? ref.name : undefined);
      if (!name) continue;
      const eq = name.indexOf("=");
      if (eq > 0) tags[name.slice(0, eq)] = name.slice(eq + 1);
      else tags[name] = "";
    }
    for (const [key, value] of Object.entries(meta ?? {})) {
      if (key.startsWith(metaTagPrefix) && typeof value === "string")
        tags[key.slice(metaTagPrefix.length)] = value;
    }
    return tags;
  }

  #toNode(server: Server): FleetNode {
    const addresses = (server.runtime?.nics ?? []).flatMap((n) => (n.ip_v4 ? [referenceId(n.ip_v4)] : []));
    return {
      id: server.uuid,
      name: server.name,
      state: stateMap[server.status] ?? "unknown",
      providerState: server.status,
      tags: this.#tagsOf(server.tags, server.meta),
      provider: this.name,
      addresses,
    };
  }
}

/**
 * The thesis's billing fault: a VLAN still counting servers that were deleted, and billed for them
 * after every run until the credit ran out.
 */
function vlanAnomaly(attached: Reference[], serverIds: ReadonlySet<string>): { anomaly?: string } {
  const dead = attached.map(referenceId).filter((id) => !serverIds.has(id));
  return dead.length
    ? {
        anomaly: `billed for ${dead.length} deleted server(s) (${dead.slice(0, 3).join(", ")}${dead.length > 3 ? ", …" : ""})`,
      }
    : {};
}

function driveIdsOf(server: Server): string[] {
  return (server.drives ?? []).flatMap((d) => (d.drive ? [referenceId(d.drive)] : []));
}

/** A server's meta with `userData` as cloud-init reads it (base64, named in base64_fields). */
function withUserData(
  meta: Record<string, unknown> | null | undefined,
  userData: string,
): Record<string, unknown> {
  return {
    ...(meta ?? {}),
    [userDataKey]: Buffer.from(userData).toString("base64"),
    base64_fields: userDataKey,
  };
}
