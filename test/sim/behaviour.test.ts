// The simulator behaves as CloudSigma documents: paging, filters, asynchronous states, deletes that end
// in 404, recursive deletes, errors as lists, authentication, and an account that survives a restart.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { type Api, GIB, startSim, waitFor } from "./helpers.ts";

type Obj = Record<string, unknown>;
type List = { meta: { limit: number; offset: number; total_count: number }; objects: Obj[] };

const stops: Array<() => Promise<void>> = [];
after(async () => {
  for (const stop of stops) await stop();
});

async function sim(options: Parameters<typeof startSim>[0] = {}) {
  const started = await startSim(options);
  stops.push(() => started.sim.stop());
  return started;
}

const advance = (api: Api, seconds: number) => api.post("/_sim/advance", { seconds });

function errorOf(body: unknown): Obj {
  assert.ok(Array.isArray(body), `an error list, got ${JSON.stringify(body)}`);
  const [error] = body as Obj[];
  assert.deepEqual(Object.keys(error!).sort(), ["error_message", "error_point", "error_type"]);
  return error!;
}

describe("paging and filters", () => {
  test("20 per page by default, limit/offset, limit=0 for all, bad limits rejected", async () => {
    const { api } = await sim({ seed: false });
    const objects = Array.from({ length: 45 }, (_, i) => ({
      name: `s${i}`,
      cpu: 1000,
      mem: 512 * 1024 ** 2,
      vnc_password: "x",
    }));
    assert.equal((await api.post("servers/", { objects })).status, 201);
    const firstPage = await api.ok<List>("servers/");
    assert.deepEqual(firstPage.meta, { limit: 20, offset: 0, total_count: 45 });
    assert.equal(firstPage.objects.length, 20);
    const last = await api.ok<List>("servers/detail/?limit=20&offset=40");
    assert.equal(last.objects.length, 5);
    const all = await api.ok<List>("servers/?limit=0");
    assert.equal(all.objects.length, 45);
    assert.equal(new Set(all.objects.map((o) => o["uuid"])).size, 45);
    const pages = [0, 20, 40].map((offset) => api.ok<List>(`servers/?offset=${offset}`));
    const ids = (await Promise.all(pages)).flatMap((p) => p.objects.map((o) => o["uuid"]));
    assert.deepEqual(
      ids,
      all.objects.map((o) => o["uuid"]),
    );
    const bad = await api.get("servers/?limit=-1");
    assert.equal(bad.status, 400);
    assert.equal(errorOf(bad.body)["error_type"], "validation");
  });

  test("filters: name (OR by comma), name__contains, tag, tag__name", async () => {
    const { api } = await sim({ seed: false });
    const created = await api.post("servers/", [
      { name: "alpha", cpu: 1000, mem: 512 * 1024 ** 2, vnc_password: "x" },
      { name: "beta", cpu: 1000, mem: 512 * 1024 ** 2, vnc_password: "x" },
      { name: "gamma", cpu: 1000, mem: 512 * 1024 ** 2, vnc_password: "x" },
    ]);
    const [a] = (created.body as List).objects;
    const tag = ((await api.post("tags/", { name: "env-test", resources: [a!["uuid"]] })).body as List)
      .objects[0]!;
    const names = async (q: string) =>
      (await api.ok<List>(`servers/?${q}`)).objects.map((o) => o["name"]).sort();
    assert.deepEqual(await names("name=alpha,gamma"), ["alpha", "gamma"]);
    assert.deepEqual(await names("name__contains=MM"), ["gamma"]);
    assert.deepEqual(await names(`tag=${tag["uuid"]}`), ["alpha"]);
    assert.deepEqual(await names("tag__name=env-test&name=beta"), []);
    const tagged = await api.ok<List>(`tags/${tag["uuid"]}/servers/`);
    assert.deepEqual(
      tagged.objects.map((o) => o["uuid"]),
      [a!["uuid"]],
    );
  });
});

describe("asynchronous states", () => {
  test("clone: drives cloning_dst → mounted; start: starting → running (runtime); stop: stopping → stopped", async () => {
    const { api, sim: s } = await sim();
    const golden = s.state.data.seeded!;
    const clone = (await api.post(`servers/${golden.server}/action/?do=clone`, { name: "n1" })).body as Obj;
    const disk = ((clone["drives"] as Obj[])[0]!["drive"] as Obj)["uuid"] as string;
    assert.notEqual(disk, golden.drive);
    assert.equal((await api.ok(`drives/${disk}/`))["status"], "cloning_dst");
    assert.equal((await api.ok(`drives/${golden.drive}/`))["status"], "cloning_src");
    // Starting before the copy is done is not allowed.
    const early = await api.post(`servers/${clone["uuid"]}/action/?do=start`);
    assert.equal(early.status, 403);
    assert.equal(errorOf(early.body)["error_type"], "permission");
    await advance(api, 30);
    assert.equal((await api.ok(`drives/${disk}/`))["status"], "mounted");
    assert.equal((await api.ok(`drives/${golden.drive}/`))["status"], "mounted");

    assert.equal((await api.post(`servers/${clone["uuid"]}/action/?do=start`)).status, 202);
    const starting = await api.ok(`servers/${clone["uuid"]}/`);
    assert.equal(starting["status"], "starting");
    assert.equal(starting["runtime"], null);
    await advance(api, 10);
    const running = await api.ok(`servers/${clone["uuid"]}/`);
    assert.equal(running["status"], "running");
    assert.ok((running["runtime"] as Obj)["active_since"]);
    assert.equal((await api.post(`servers/${clone["uuid"]}/action/?do=start`)).status, 403);
    const deleteRunning = await api.del(`servers/${clone["uuid"]}/`);
    assert.equal(deleteRunning.status, 403);

    assert.equal((await api.post(`servers/${clone["uuid"]}/action/?do=stop`)).status, 202);
    assert.equal((await api.ok(`servers/${clone["uuid"]}/`))["status"], "stopping");
    await advance(api, 10);
    assert.equal((await api.ok(`servers/${clone["uuid"]}/`))["status"], "stopped");
  });

  test("delete with recurse=all_drives: 204, then the server and its drives answer 404", async () => {
    const { api, sim: s } = await sim();
    const golden = s.state.data.seeded!;
    const clone = (await api.post(`servers/${golden.server}/action/?do=clone`)).body as Obj;
    const disk = ((clone["drives"] as Obj[])[0]!["drive"] as Obj)["uuid"] as string;
    await advance(api, 30);
    const del = await api.del(`servers/${clone["uuid"]}/?recurse=all_drives`);
    assert.equal(del.status, 204);
    await advance(api, 10);
    const gone = await api.get(`servers/${clone["uuid"]}/`);
    assert.equal(gone.status, 404);
    assert.equal(errorOf(gone.body)["error_type"], "notexist");
    assert.equal((await api.get(`drives/${disk}/`)).status, 404);
    assert.equal((await api.ok(`drives/${golden.drive}/`))["status"], "mounted", "the golden disk stays");
    assert.equal((await api.del(`servers/${clone["uuid"]}/`)).status, 404);
  });

  test("recurse=disks keeps CD-ROMs; a bad recurse value is a validation error", async () => {
    const { api } = await sim({ seed: false });
    const drives = (
      await api.post("drives/", [
        { name: "disk", size: GIB, media: "disk" },
        { name: "cd", size: GIB, media: "cdrom" },
      ])
    ).body as List;
    await advance(api, 10);
    const [disk, cd] = drives.objects.map((d) => d["uuid"] as string);
    const server = (
      (
        await api.post("servers/", {
          name: "s",
          cpu: 1000,
          mem: 512 * 1024 ** 2,
          vnc_password: "x",
          drives: [
            { dev_channel: "0:0", device: "virtio", drive: disk },
            { dev_channel: "0:1", device: "ide", drive: cd },
          ],
        })
      ).body as List
    ).objects[0]!;
    assert.equal((await api.ok(`drives/${disk}/`))["status"], "mounted");
    assert.equal((await api.del(`servers/${server["uuid"]}/?recurse=everything`)).status, 400);
    assert.equal((await api.del(`servers/${server["uuid"]}/?recurse=disks`)).status, 204);
    await advance(api, 10);
    assert.equal((await api.get(`drives/${disk}/`)).status, 404);
    assert.equal((await api.ok(`drives/${cd}/`))["status"], "unmounted");
  });

  test("under --time-scale 0.01 the same cycle runs by itself in real time", async () => {
    const { api, sim: s } = await sim({ timeScale: 0.01 });
    const golden = s.state.data.seeded!.server;
    const clone = (await api.post(`servers/${golden}/action/?do=clone`)).body as Obj;
    const uuid = clone["uuid"] as string;
    const seen = new Set<string>();
    const status = async () => {
      const st = (await api.ok(`servers/${uuid}/`))["status"] as string;
      seen.add(st);
      return st;
    };
    await waitFor("clone", async () => {
      const r = await api.post(`servers/${uuid}/action/?do=start`);
      return r.status === 202 ? true : undefined;
    });
    await waitFor("running", async () => ((await status()) === "running" ? true : undefined));
    await api.post(`servers/${uuid}/action/?do=stop`);
    await waitFor("stopped", async () => ((await status()) === "stopped" ? true : undefined));
    await api.del(`servers/${uuid}/?recurse=all_drives`);
    await waitFor("404", async () => ((await api.get(`servers/${uuid}/`)).status === 404 ? true : undefined));
    assert.ok(seen.has("running") && seen.has("stopped"));
  });
});

describe("errors and authentication", () => {
  test("401 without or with wrong credentials, Basic and bearer accepted, /_sim/ protected too", async () => {
    const { sim: s } = await sim();
    const plain = await fetch(`${s.url}servers/`);
    assert.equal(plain.status, 401);
    assert.match(plain.headers.get("www-authenticate") ?? "", /Basic/);
    assert.equal(errorOf(await plain.json())["error_type"], "permission");
    const wrong = await fetch(`${s.url}servers/`, {
      headers: { Authorization: `Basic ${Buffer.from(`${s.credentials.username}:nope`).toString("base64")}` },
    });
    assert.equal(wrong.status, 401);
    assert.equal(
      (await fetch(`${s.url}servers/`, { headers: { Authorization: s.authorization } })).status,
      200,
    );
    const bearer = await fetch(`${s.url}servers/`, {
      headers: { Authorization: `Bearer ${s.credentials.token}` },
    });
    assert.equal(bearer.status, 200);
    assert.equal((await fetch(`${s.controlUrl}state`)).status, 401);
  });

  test("validation errors name the field; unknown objects are notexist; wrong methods 405", async () => {
    const { api } = await sim();
    const missing = await api.post("servers/", { objects: [{ name: "x", cpu: 1000, mem: 512 * 1024 ** 2 }] });
    assert.equal(missing.status, 400);
    assert.deepEqual(errorOf(missing.body), {
      error_point: "vnc_password",
      error_type: "validation",
      error_message: "This field is required",
    });
    const unknown = await api.get("servers/00000000-0000-4000-8000-000000000000/");
    assert.equal(unknown.status, 404);
    assert.equal(errorOf(unknown.body)["error_type"], "notexist");
    const sub = (await api.ok<List>("subscriptions/")).objects[0]!;
    assert.equal((await api.del(`subscriptions/${sub["id"]}/`)).status, 405);
    assert.equal((await api.call("GET", "servers/", undefined, { Accept: "text/csv" })).status, 406);
  });
});

test("the account survives a restart (state file)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cb-sim-state-"));
  const stateFile = join(dir, "state.json");
  const first = await startSim({ stateFile });
  const golden = first.sim.state.data.seeded!.server;
  const clone = (await first.api.post(`servers/${golden}/action/?do=clone`, { name: "keep" })).body as Obj;
  await advance(first.api, 30);
  await first.api.post(`servers/${clone["uuid"]}/action/?do=start`);
  await advance(first.api, 60);
  await first.sim.stop();
  const second = await sim({ stateFile });
  assert.equal(second.sim.state.data.seeded!.server, golden);
  const again = await second.api.ok(`servers/${clone["uuid"]}/`);
  assert.equal(again["name"], "keep");
  assert.equal(again["status"], "running");
});

describe("latency model (thesis, 6.3)", () => {
  /** Clones `n` servers at once, starts each when its copy is done; simulated seconds until each has booted. */
  async function provision(n: number): Promise<number[]> {
    const { sim: s } = await sim({ hosts: 32 });
    const engine = s.state;
    const t0 = engine.now();
    const uuids = Array.from(
      { length: n },
      (_, i) => engine.servers.clone(engine.data.seeded!.server, { name: `n${i}` }).uuid,
    );
    const ready = new Map<string, number>();
    while (ready.size < n && engine.now() - t0 < 600_000) {
      engine.advance(1);
      for (const uuid of uuids) {
        const server = engine.servers.get(uuid);
        if (server.status === "stopped" && server.cloneJob === null) engine.servers.start(uuid, []);
        if (server.status === "running" && server.pending === null && !ready.has(uuid))
          ready.set(uuid, (engine.now() - t0) / 1000);
      }
    }
    return uuids.map((u) => ready.get(u)!);
  }

  test("up to four concurrent provisions are ready in 15–30 s", async () => {
    for (const seconds of await provision(4))
      assert.ok(seconds >= 15 && seconds <= 31, `ready after ${seconds} s`);
  });

  test("more than four: the fifth and later take over a minute", async () => {
    const times = await provision(8);
    for (const seconds of times.slice(0, 4)) assert.ok(seconds <= 31, `first four: ${times}`);
    for (const seconds of times.slice(4)) assert.ok(seconds > 60, `the rest: ${times}`);
  });
});

test("start with avoid: the guest goes to a host that none of the avoided guests is on", async () => {
  const { api, sim: s } = await sim({ hosts: 2, seed: false });
  const objects = ["a", "b", "c"].map((name) => ({
    name,
    cpu: 1000,
    mem: 512 * 1024 ** 2,
    vnc_password: "x",
  }));
  const [a, b, c] = ((await api.post("servers/", objects)).body as List).objects.map(
    (o) => o["uuid"] as string,
  );
  assert.equal((await api.post(`servers/${a}/action/?do=start`)).status, 202);
  assert.equal((await api.post(`servers/${b}/action/?do=start&avoid=${a}`)).status, 202);
  assert.equal((await api.post(`servers/${c}/action/?do=start&avoid=${b}`)).status, 202);
  const host = (uuid: string) => s.state.servers.get(uuid).host;
  assert.notEqual(host(b!), host(a!));
  assert.notEqual(host(c!), host(b!));
  assert.deepEqual(await api.ok("servers/availability_groups/"), [[a, c]]);
});

test("jobs: listed, with progress, and forgotten three days after they end", async () => {
  const { api, sim: s } = await sim();
  const clone = (await api.post(`servers/${s.state.data.seeded!.server}/action/?do=clone`)).body as Obj;
  const job = (clone["jobs"] as Obj[])[0]!["uuid"] as string;
  const jobs = await api.ok<List>("jobs/");
  assert.ok(jobs.objects.some((j) => j["uuid"] === job && j["state"] === "started"));
  await advance(api, 5);
  const progress = ((await api.ok(`jobs/${job}/`))["data"] as Obj)["progress"] as number;
  assert.ok(progress > 0 && progress < 100, `progress ${progress}`);
  await advance(api, 3 * 86400 + 7200);
  assert.equal((await api.get(`jobs/${job}/`)).status, 404);
  assert.deepEqual((await api.ok(`servers/${clone["uuid"]}/`))["jobs"], []);
});
