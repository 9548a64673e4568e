// The CloudSigma driver against CloudSigma's own recorded responses, served on loopback.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, test } from "node:test";
import { CloudSigmaProvider } from "../../src/fleet/cloudsigma/provider.ts";
import { fleetConfigSchema } from "../../src/fleet/config.ts";
import { ProviderError } from "../../src/fleet/errors.ts";
import { dumpJson, type FixtureServer, loadDump, page, type Route, serveFixtures } from "./fixtures.ts";

/** A password made up for this run. */
const basicPassword = randomBytes(12).toString("base64url");

const servers: FixtureServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

async function providerFor(route: Route, overrides: Record<string, unknown> = {}, token?: string) {
  const fixture = await serveFixtures(route);
  servers.push(fixture);
  const config = fleetConfigSchema.parse({
    cloudsigma: {
      pollIntervalMs: 10,
      retry: { attempts: 4, baseMs: 5, maxMs: 20 },
      goldenServer: "ee11b9d1-e837-4f27-91a4-d1ae4c621bd1",
      startTimeoutSeconds: 5,
      deleteTimeoutSeconds: 5,
      cloneTimeoutSeconds: 5,
      gracefulStopSeconds: 0.2,
      ...overrides,
    },
  }).cloudsigma;
  const provider = new CloudSigmaProvider({
    apiUrl: fixture.apiUrl,
    credentials: token ? { token } : { username: "user@example.com", password: basicPassword },
    config,
  });
  return { provider, fixture };
}

type Obj = Record<string, unknown>;
const recordedServers = dumpJson<{ objects: Obj[] }>("response_server_list_detail").objects;

describe("listing", () => {
  test("pages through a list 20 at a time by meta.total_count, limit and offset", async () => {
    // 45 servers: three pages at the API's default page size.
    const many = Array.from({ length: 45 }, (_, i) => ({
      ...recordedServers[i % recordedServers.length],
      uuid: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      name: `server-${i}`,
    }));
    const { provider, fixture } = await providerFor((r) =>
      r.method === "GET" && r.path === "servers/detail/" ? page(many, r.query) : undefined,
    );
    const nodes = await provider.listNodes();
    assert.equal(nodes.length, 45);
    assert.equal(new Set(nodes.map((n) => n.id)).size, 45);
    const offsets = fixture.requests.map((r) => r.query.get("offset"));
    assert.deepEqual(offsets, ["0", "20", "40"]);
    assert.ok(fixture.requests.every((r) => r.query.get("limit") === "20"));
    assert.match(fixture.requests[0]!.authorization ?? "", /^Basic /);
    assert.equal(
      Buffer.from(fixture.requests[0]!.authorization!.slice(6), "base64").toString(),
      `user@example.com:${basicPassword}`,
    );
  });

  test("reads the recorded server list; a server that ignores offset cannot make it loop", async () => {
    const recorded = loadDump("response_server_list_detail");
    const { provider, fixture } = await providerFor((r) =>
      r.method === "GET" && r.path === "servers/detail/" ? { status: 200, body: recorded.body } : undefined,
    );
    const nodes = await provider.listNodes();
    assert.deepEqual(nodes.map((n) => n.name).sort(), [
      "test_server_0",
      "test_server_1",
      "test_server_2",
      "test_server_3",
      "test_server_4",
    ]);
    assert.ok(nodes.every((n) => n.state === "stopped" && n.provider === "cloudsigma"));
    assert.equal(fixture.requests.length, 1);
  });

  test("sends a bearer token when one is given", async () => {
    const { provider, fixture } = await providerFor(
      (r) => (r.path === "servers/detail/" ? page([], r.query) : undefined),
      {},
      "tok-123",
    );
    await provider.listNodes();
    assert.equal(fixture.requests[0]!.authorization, "Bearer tok-123");
  });

  test("filters by tag: CloudSigma tags named key=value and our meta copy", async () => {
    const tagged = [
      { ...recordedServers[0], tags: [{ uuid: "t-1", resource_uri: "/api/2.0/tags/t-1/" }], meta: {} },
      { ...recordedServers[1], tags: [], meta: { "cb:cloudburst-env": "prod" } },
      { ...recordedServers[2], tags: [], meta: { "cb:cloudburst-env": "test" } },
    ];
    const { provider } = await providerFor((r) => {
      if (r.path === "servers/detail/") return page(tagged, r.query);
      if (r.path === "tags/")
        return page([{ uuid: "t-1", name: "cloudburst-env=prod", resources: [] }], r.query);
      return undefined;
    });
    const prod = await provider.listNodes({ "cloudburst-env": "prod" });
    assert.deepEqual(
      prod.map((n) => n.name).sort(),
      [recordedServers[0]!["name"], recordedServers[1]!["name"]].sort(),
    );
  });
});

describe("errors", () => {
  test("parses the error list; 401 is not retried and asks for the operator", async () => {
    const { provider, fixture } = await providerFor(() => ({
      status: 401,
      body: [{ error_point: null, error_type: "permission", error_message: "Authentication failed" }],
    }));
    const error = await provider.listNodes().catch((e: unknown) => e);
    assert.ok(error instanceof ProviderError);
    assert.equal(error.status, 401);
    assert.equal(error.needsOperator, true);
    assert.deepEqual(error.errors, [
      { errorType: "permission", errorPoint: null, errorMessage: "Authentication failed" },
    ]);
    assert.match(error.meaning, /credentials are incorrect or missing/);
    assert.equal(fixture.requests.length, 1);
  });

  test("402 on start: not retried, carries CloudSigma's billing error", async () => {
    const stopped = recordedServers[0]!;
    const { provider, fixture } = await providerFor((r) => {
      if (r.method === "GET" && r.path === `servers/${stopped["uuid"]}/`)
        return { status: 200, body: stopped };
      if (r.method === "POST") {
        return {
          status: 402,
          body: [{ error_point: null, error_type: "billing", error_message: "Not enough funds for 5 days" }],
        };
      }
      return undefined;
    });
    const error = await provider.startNode(String(stopped["uuid"])).catch((e: unknown) => e);
    assert.ok(error instanceof ProviderError && error.status === 402 && !error.retryable);
    assert.equal(fixture.requests.filter((r) => r.method === "POST").length, 1);
  });

  test("503 is retried with backoff until it succeeds", async () => {
    let calls = 0;
    const { provider } = await providerFor((r) => {
      if (r.path !== "servers/detail/") return undefined;
      calls++;
      if (calls <= 2) {
        return {
          status: 503,
          body: [{ error_point: null, error_type: "concurrency", error_message: "Concurrent update" }],
        };
      }
      return page(recordedServers, r.query);
    });
    assert.equal((await provider.listNodes()).length, 5);
    assert.equal(calls, 3);
  });

  test("gives up after the configured attempts, with the last 503", async () => {
    const { provider, fixture } = await providerFor(() => ({ status: 503, body: [] }));
    const error = await provider.listNodes().catch((e: unknown) => e);
    assert.ok(error instanceof ProviderError && error.status === 503);
    assert.equal(fixture.requests.length, 4);
  });

  test("no answer at all is an error with status 0, retried", async () => {
    const { provider, fixture } = await providerFor(() => undefined);
    await fixture.close();
    const error = await provider.listNodes().catch((e: unknown) => e);
    assert.ok(error instanceof ProviderError && error.status === 0 && error.retryable);
  });
});

/** A small stateful account built from the recorded objects: clone, job, PUT, start, stop, delete. */
function statefulAccount(goldenNics: Obj[] = []) {
  const golden: Obj = { ...dumpJson("response_server_get_clone_source"), nics: goldenNics };
  const goldenDrive = "39e4c24b-980a-49ce-968c-1f32b124b23f";
  const store = new Map<string, Obj>([
    [String(golden["uuid"]), { ...golden, drives: [{ drive: { uuid: goldenDrive } }] }],
  ]);
  const drives = new Map<string, Obj>([
    [goldenDrive, { ...dumpJson("response_drive_get_unmounted"), uuid: goldenDrive }],
  ]);
  const tags: Obj[] = [];
  const jobs = new Map<string, number>();
  const starts: URLSearchParams[] = [];
  let serial = 0;
  const id = () => `aaaaaaaa-0000-4000-8000-${String(++serial).padStart(12, "0")}`;
  const route: Route = (r) => {
    const server = /^servers\/([^/]+)\/$/.exec(r.path)?.[1];
    const action = /^servers\/([^/]+)\/action\/$/.exec(r.path)?.[1];
    if (r.method === "GET" && r.path === "servers/detail/") return page([...store.values()], r.query);
    if (r.method === "GET" && r.path === "tags/") return page(tags, r.query);
    if (r.method === "POST" && r.path === "tags/") {
      const created = (r.body as { objects: Obj[] }).objects.map((t) => ({
        ...t,
        uuid: id(),
        resources: [],
      }));
      tags.push(...created);
      return { status: 201, body: { objects: created } };
    }
    const tagId = /^tags\/([^/]+)\/$/.exec(r.path)?.[1];
    if (tagId) {
      const tag = tags.find((t) => t["uuid"] === tagId);
      if (!tag) return undefined;
      if (r.method === "PUT") tag["resources"] = (r.body as Obj)["resources"];
      return { status: 200, body: tag };
    }
    const job = /^jobs\/([^/]+)\/$/.exec(r.path)?.[1];
    if (job) {
      const polls = (jobs.get(job) ?? 0) + 1;
      jobs.set(job, polls);
      const recorded = dumpJson("response_jobs_server_clone");
      return { status: 200, body: { ...recorded, uuid: job, state: polls >= 2 ? "success" : "started" } };
    }
    const drive = /^drives\/([^/]+)\/$/.exec(r.path)?.[1];
    if (drive) return drives.has(drive) ? { status: 200, body: drives.get(drive) } : undefined;
    if (action && r.query.get("do") === "clone") {
      const uuid = id();
      const driveId = id();
      const jobId = id();
      drives.set(driveId, { ...drives.get(goldenDrive), uuid: driveId, status: "unmounted" });
      const clone = {
        ...dumpJson("response_server_clone"),
        uuid,
        name: (r.body as Obj)["name"],
        jobs: [{ uuid: jobId, resource_uri: `/api/2.0/jobs/${jobId}/` }],
        drives: [{ drive: { uuid: driveId } }],
        nics: structuredClone(golden["nics"]),
      };
      store.set(uuid, clone);
      return { status: 202, body: clone };
    }
    if (action) {
      const target = store.get(action);
      if (!target) return undefined;
      const verb = r.query.get("do");
      if (verb === "start") {
        starts.push(r.query);
        target["status"] = "running";
        target["runtime"] = dumpJson("response_server_get_running")["runtime"];
      }
      if (verb === "stop") target["status"] = "stopped";
      if (verb === "shutdown") target["status"] = "running"; // the guest ignores ACPI: the hard stop must follow
      return { status: 202, body: { action: verb, result: "success", uuid: action } };
    }
    if (server) {
      const target = store.get(server);
      if (!target) return undefined;
      if (r.method === "GET") return { status: 200, body: target };
      if (r.method === "PUT") {
        Object.assign(target, r.body as Obj);
        return { status: 200, body: target };
      }
      if (r.method === "DELETE") {
        if (target["status"] !== "stopped") {
          return {
            status: 403,
            body: [{ error_point: null, error_type: "permission", error_message: "running" }],
          };
        }
        assert.equal(r.query.get("recurse"), "all_drives");
        store.delete(server);
        for (const d of target["drives"] as Array<{ drive: { uuid: string } }>) drives.delete(d.drive.uuid);
        return { status: 204 };
      }
    }
    return undefined;
  };
  return { route, store, drives, tags, starts, goldenId: String(golden["uuid"]) };
}

describe("a node's life", () => {
  test("clone per node with bounded concurrency, tag, user data in meta, start with avoid", async () => {
    const account = statefulAccount();
    const { provider, fixture } = await providerFor(account.route, { concurrency: 2 });
    const outcomes = await provider.createNodes({
      count: 3,
      namePrefix: "cb-test-c1",
      tags: { "cloudburst-env": "test", "cloudburst-cycle": "c1" },
      userData: "#cloud-config\nruncmd:\n  - [cloudburst, worker]\n",
    });
    assert.equal(outcomes.length, 3);
    assert.ok(outcomes.every((o) => o.ok));
    const nodes = outcomes.flatMap((o) => (o.ok ? [o.node] : []));
    assert.ok(nodes.every((n) => n.state === "running"));
    assert.ok(nodes.every((n) => n.tags["cloudburst-env"] === "test" && n.tags["cloudburst-cycle"] === "c1"));
    const clones = fixture.requests.filter((r) => r.query.get("do") === "clone");
    assert.equal(clones.length, 3);
    assert.ok(clones.every((r) => r.path === `servers/${account.goldenId}/action/`));
    const made = [...account.store.values()].filter((s) => String(s["name"]).startsWith("cb-test-c1-"));
    for (const server of made) {
      const meta = server["meta"] as Record<string, string>;
      assert.equal(meta["base64_fields"], "cloudinit-user-data");
      assert.match(Buffer.from(meta["cloudinit-user-data"]!, "base64").toString(), /cloudburst, worker/);
      assert.equal((server["tags"] as string[]).length, 2);
    }
    // The later starts avoid the hosts of the nodes started before them.
    assert.ok(account.starts.some((q) => (q.get("avoid") ?? "").split(",").length >= 1));
    // Drives are tagged too, so the orphan collector and the leak check can find them.
    for (const tag of account.tags) assert.equal((tag["resources"] as string[]).length, 3);
    assert.equal(
      new Set(account.tags.map((t) => t["name"])).size,
      2,
      "one CloudSigma tag per key=value, created once",
    );
  });

  test("stop is graceful first, then hard; destroy deletes the drives and waits for 404", async () => {
    const account = statefulAccount();
    const { provider, fixture } = await providerFor(account.route);
    const [outcome] = await provider.createNodes({ count: 1, namePrefix: "cb-x", tags: {}, userData: "" });
    assert.ok(outcome?.ok);
    const id = outcome.node.id;
    const stopped = await provider.stopNode(id);
    assert.equal(stopped.state, "stopped");
    const verbs = fixture.requests
      .filter((r) => r.path === `servers/${id}/action/`)
      .map((r) => r.query.get("do"));
    assert.deepEqual(verbs, ["start", "shutdown", "stop"]);
    const drivesBefore = account.drives.size;
    await provider.destroyNode(id);
    assert.equal(account.store.has(id), false);
    assert.equal(account.drives.size, drivesBefore - 1);
    // After the DELETE: GET the server until 404, then GET each of its drives until 404, then the tag
    // list, for tags of ours left empty.
    const afterDelete = fixture.requests.slice(fixture.requests.findIndex((r) => r.method === "DELETE") + 1);
    assert.deepEqual(
      afterDelete.map((r) => `${r.method} ${r.path.split("/")[0]}`),
      ["GET servers", "GET drives", "GET tags"],
    );
    // Destroying what is already gone is success.
    await provider.destroyNode(id);
  });

  test("404 on DELETE counts as done", async () => {
    const stopped: Obj = { ...recordedServers[0], status: "stopped" };
    let deleted = false;
    const { provider } = await providerFor((r) => {
      if (r.method === "DELETE") {
        deleted = true;
        return undefined; // 404
      }
      if (r.method === "GET" && !deleted) return { status: 200, body: stopped };
      return undefined;
    });
    await provider.destroyNode(String(stopped["uuid"]));
    assert.equal(deleted, true);
  });
});

describe("node security", () => {
  test("nodes get the operators' keys, a NIC on the private VLAN and the firewall policy", async () => {
    const account = statefulAccount([
      { ip_v4_conf: { conf: "dhcp", ip: null }, model: "virtio", vlan: null },
    ]);
    const { provider } = await providerFor(account.route, {
      pubkeys: ["b1c2d3e4-0000-4000-8000-00000000aaaa"],
      privateVlan: "96537817-f4b6-496b-a861-e74192d3ccb0",
      firewallPolicy: "f0e1d2c3-0000-4000-8000-00000000bbbb",
    });
    const [outcome] = await provider.createNodes({ count: 1, namePrefix: "cb-sec", tags: {}, userData: "" });
    assert.ok(outcome?.ok);
    const server = account.store.get(outcome.node.id)!;
    assert.deepEqual(server["pubkeys"], ["b1c2d3e4-0000-4000-8000-00000000aaaa"]);
    const nics = server["nics"] as Obj[];
    assert.equal(nics.length, 2);
    assert.equal(nics[0]!["firewall_policy"], "f0e1d2c3-0000-4000-8000-00000000bbbb");
    assert.equal(nics[1]!["vlan"], "96537817-f4b6-496b-a861-e74192d3ccb0");
    assert.equal(nics[1]!["firewall_policy"], undefined, "the private NIC is not filtered");
  });
});

describe("money and leaks", () => {
  test("balance from the recorded answer", async () => {
    const { provider } = await providerFor((r) =>
      r.path === "balance/" ? { status: 200, body: loadDump("response_balance_list").body } : undefined,
    );
    assert.deepEqual(await provider.balance(), { amount: 155367.99237092264, currency: "EUR" });
  });

  test("billed resources: servers, drives, VLANs, IPs and subscriptions from the recorded lists", async () => {
    const lists: Record<string, string> = {
      "servers/detail/": "response_server_list_detail",
      "drives/detail/": "response_drive_list_detail",
      "vlans/detail/": "response_vlan_list_detail",
      "ips/detail/": "response_ip_list_detail",
      "subscriptions/": "response_subscription_list",
    };
    const { provider } = await providerFor((r) => {
      const name = lists[r.path];
      if (!name) return undefined;
      return page(dumpJson<{ objects: unknown[] }>(name).objects, r.query);
    });
    const billed = await provider.billedResources();
    const count = (kind: string) => billed.filter((b) => b.kind === kind).length;
    assert.equal(count("server"), 5);
    assert.equal(
      count("drive"),
      dumpJson<{ objects: unknown[] }>("response_drive_list_detail").objects.length,
    );
    assert.equal(count("vlan"), 1);
    assert.equal(count("ip"), 1);
    assert.equal(count("subscription"), 5);
    assert.ok(billed.filter((b) => b.kind === "vlan" || b.kind === "ip").every((b) => !b.deletable));
  });
});
