// Each injected fault does what the thesis met on CloudSigma: 503 bursts, an outage (503 or refused
// connections), 402 when funds run short as usage drains the balance, slow and failed clones, the
// VLAN billing leak, and a cloud out of capacity.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { parseFaultSpec } from "../../src/sim/cloudsigma/index.ts";
import { type Api, startSim } from "./helpers.ts";

type Obj = Record<string, unknown>;
type List = { meta: Obj; objects: Obj[] };

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
const errorType = (body: unknown) => (body as Obj[])[0]!["error_type"];

/** Clones the golden server and waits (in simulated time) until the copy is done. */
async function readyClone(api: Api, golden: string, body: Obj = {}): Promise<string> {
  const clone = (await api.post(`servers/${golden}/action/?do=clone`, body)).body as Obj;
  await advance(api, 60);
  return clone["uuid"] as string;
}

describe("fault specs", () => {
  test("the compact form and JSON parse to the same spec; unknown faults are refused", () => {
    const compact = parseFaultSpec(
      "503=0.1x3,outage=60+600:refuse,clone-slow=5,clone-fail=0.2,vlan-leak,capacity=8,seed=1",
    );
    assert.deepEqual(compact, {
      errors503: { rate: 0.1, burst: 3 },
      outage: { at: 60, duration: 600, mode: "refuse" },
      clone: { slowFactor: 5, failRate: 0.2 },
      vlanLeak: true,
      capacity: 8,
      seed: 1,
    });
    assert.deepEqual(parseFaultSpec(JSON.stringify(compact)), compact);
    assert.throws(() => parseFaultSpec("explode=1"), /unknown fault "explode"/);
    assert.throws(() => parseFaultSpec('{"errors503": {"rate": 3}}'), /probability/);
  });
});

describe("503", () => {
  test("a burst of N: the next N API requests answer 503 with an error list, then service resumes", async () => {
    const { api } = await sim();
    await api.post("/_sim/503", { count: 3 });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await api.get("servers/")).status);
    assert.deepEqual(codes, [503, 503, 503, 200]);
    await api.post("/_sim/503", { count: 1 });
    const res = await api.get("balance/");
    assert.equal(res.status, 503);
    assert.ok(["concurrency", "backend"].includes(errorType(res.body) as string));
  });

  test("random bursts at a rate, limited to methods and paths, repeat with a seed", async () => {
    const run = async () => {
      const { api } = await sim({
        faults: { errors503: { rate: 0.3, burst: 2, methods: ["GET"], path: "^/servers/" }, seed: 7 },
      });
      const codes: number[] = [];
      for (let i = 0; i < 30; i++) codes.push((await api.get("servers/")).status);
      assert.equal((await api.get("balance/")).status, 200, "other paths are spared");
      return codes;
    };
    const a = await run();
    assert.ok(a.includes(503) && a.includes(200), `both 503 and 200: ${a}`);
    assert.deepEqual(await run(), a);
  });
});

describe("outage", () => {
  test("mode 503: every API request fails for the window; the control endpoint still answers", async () => {
    const { api } = await sim();
    await api.post("/_sim/outage", { duration: 3600 });
    assert.equal((await api.get("servers/")).status, 503);
    assert.equal((await api.get("/_sim/state")).status, 200);
    await advance(api, 3601);
    assert.equal((await api.get("servers/")).status, 200);
  });

  test("mode refuse: connections are refused, then the same port serves again", async () => {
    const { api, sim: s } = await sim({ faults: { outage: { at: 10, duration: 100, mode: "refuse" } } });
    assert.equal((await api.get("servers/")).status, 200);
    s.state.advance(11);
    await assert.rejects(api.get("servers/"), (error: Error & { cause?: { code?: string } }) => {
      assert.equal(error.cause?.code, "ECONNREFUSED");
      return true;
    });
    s.state.advance(100);
    assert.equal((await api.get("servers/")).status, 200);
  });
});

describe("funds", () => {
  test("402 on start without 5 days of burst funds, and on subscriptions the balance cannot pay", async () => {
    const { api, sim: s } = await sim({ balance: 5 });
    const uuid = await readyClone(api, s.state.data.seeded!.server);
    const start = await api.post(`servers/${uuid}/action/?do=start`);
    assert.equal(start.status, 402);
    assert.equal(errorType(start.body), "billing");
    const buy = await api.post("subscriptions/", { resource: "vlan", amount: 1, period: "1 year" });
    assert.equal(buy.status, 402);
  });

  test("usage drains the balance at the pricing, the ledger shows it, and a broke account stops its guests", async () => {
    const { api, sim: s } = await sim({ balance: 100 });
    const uuid = await readyClone(api, s.state.data.seeded!.server);
    assert.equal((await api.post(`servers/${uuid}/action/?do=start`)).status, 202);
    await advance(api, 30);
    const before = Number(((await api.ok("balance/")) as Obj)["balance"]);
    await advance(api, 3600);
    const afterHour = Number(((await api.ok("balance/")) as Obj)["balance"]);
    // cpu 2 GHz at 10/GHz-month and mem 2 GB at 14/GB-month, per hour, at burst level 1; plus disks.
    const guestHour = (2 * 10 + 2 * 14) / 720;
    assert.ok(
      before - afterHour > guestHour * 0.95,
      `charged ${before - afterHour}, a guest-hour is ${guestHour}`,
    );
    assert.ok(
      before - afterHour < guestHour * 1.2,
      `charged ${before - afterHour}, a guest-hour is ${guestHour}`,
    );
    const ledger = await api.ok<List>("ledger/?limit=0");
    assert.ok(
      ledger.objects.some((e) => /^Burst: 2\.00 GHz of cpu for 5 minutes/.test(e["reason"] as string)),
    );
    await api.post("/_sim/balance", { balance: 0.001 });
    await advance(api, 301);
    assert.ok(Number(((await api.ok("balance/")) as Obj)["balance"]) <= 0);
    await advance(api, 10);
    assert.equal((await api.ok(`servers/${uuid}/`))["status"], "stopped");
  });
});

describe("clones", () => {
  test("slow clones take slowFactor times longer", async () => {
    const { api, sim: s } = await sim();
    const golden = s.state.data.seeded!.server;
    const fast = (await api.post(`servers/${golden}/action/?do=clone`)).body as Obj;
    await api.post("/_sim/faults", { clone: { slowFactor: 10 } });
    const slow = (await api.post(`servers/${golden}/action/?do=clone`)).body as Obj;
    const disk = (server: Obj) => ((server["drives"] as Obj[])[0]!["drive"] as Obj)["uuid"];
    // A fast clone (≤4 in flight) takes at most 40% of 30 s; a slow one at least 10 × 40% of 15 s.
    await advance(api, 13);
    assert.equal((await api.ok(`drives/${disk(fast)}/`))["status"], "mounted");
    assert.equal((await api.ok(`drives/${disk(slow)}/`))["status"], "cloning_dst");
    await advance(api, 110);
    assert.equal((await api.ok(`drives/${disk(slow)}/`))["status"], "mounted");
  });

  test("a failed clone: job failed, drive and server unavailable, start refused, delete works", async () => {
    const { api, sim: s } = await sim({ faults: "clone-fail-next=1" });
    const golden = s.state.data.seeded!.server;
    const clone = (await api.post(`servers/${golden}/action/?do=clone`)).body as Obj;
    const job = (clone["jobs"] as Obj[])[0]!["uuid"];
    await advance(api, 60);
    const server = await api.ok(`servers/${clone["uuid"]}/`);
    assert.equal(server["status"], "unavailable");
    const disk = ((server["drives"] as Obj[])[0]!["drive"] as Obj)["uuid"];
    assert.equal((await api.ok(`drives/${disk}/`))["status"], "unavailable");
    assert.equal((await api.ok(`jobs/${job}/`))["state"], "failed");
    assert.equal((await api.post(`servers/${clone["uuid"]}/action/?do=start`)).status, 403);
    assert.equal((await api.del(`servers/${clone["uuid"]}/?recurse=all_drives`)).status, 204);
    await advance(api, 10);
    assert.equal((await api.get(`drives/${disk}/`)).status, 404);
    const next = await readyClone(api, golden);
    assert.equal((await api.ok(`servers/${next}/`))["status"], "stopped", "only the next clone failed");
  });
});

describe("VLAN billing leak", () => {
  async function cycle(api: Api, golden: string, vlan: string) {
    const uuid = await readyClone(api, golden);
    const server = await api.ok(`servers/${uuid}/`);
    const nics = [...(server["nics"] as Obj[]).map((n) => ({ ...n, vlan: null })), { vlan }];
    assert.equal((await api.put(`servers/${uuid}/`, { ...server, nics })).status, 200);
    await api.post(`servers/${uuid}/action/?do=start`);
    await advance(api, 60);
    await api.post(`servers/${uuid}/action/?do=stop`);
    await advance(api, 10);
    assert.equal((await api.del(`servers/${uuid}/?recurse=all_drives`)).status, 204);
    await advance(api, 10);
    return uuid;
  }

  test("with the fault, deleted servers stay counted on the VLAN and every cycle adds to the bill", async () => {
    const { api, sim: s } = await sim({ faults: { vlanLeak: true } });
    const { server: golden, vlan } = s.state.data.seeded!;
    const gone = [await cycle(api, golden, vlan), await cycle(api, golden, vlan)];
    const detail = await api.ok(`vlans/${vlan}/`);
    assert.deepEqual(
      (detail["servers"] as Obj[]).map((x) => x["uuid"]),
      gone,
    );
    for (const uuid of gone) assert.equal((await api.get(`servers/${uuid}/`)).status, 404);
    const usage = ((await api.ok("currentusage/")) as { usage: Record<string, Obj> }).usage["vlan"]!;
    assert.deepEqual(usage, { burst: 2, subscribed: 1, using: 3 });
    await advance(api, 600);
    const ledger = await api.ok<List>("ledger/?limit=0");
    assert.ok(
      ledger.objects.some((e) => / of vlan for /.test(e["reason"] as string)),
      "VLAN burst charged",
    );
  });

  test("without it, nothing leaks", async () => {
    const { api, sim: s } = await sim();
    const { server: golden, vlan } = s.state.data.seeded!;
    await cycle(api, golden, vlan);
    assert.deepEqual((await api.ok(`vlans/${vlan}/`))["servers"], []);
    assert.equal(
      ((await api.ok("currentusage/")) as { usage: Record<string, Obj> }).usage["vlan"]!["burst"],
      0,
    );
  });

  test("subscriptions cannot be deleted and renew by themselves until auto_renew is off", async () => {
    const { api } = await sim({ seed: false });
    const sub = (
      (await api.post("subscriptions/", { resource: "vlan", amount: 1, period: "1 day" })).body as List
    ).objects[0]!;
    assert.equal((await api.del(`subscriptions/${sub["id"]}/`)).status, 405);
    await advance(api, 86400 + 60);
    const all = await api.ok<List>("subscriptions/?resource=vlan");
    assert.equal(all.objects.length, 2, "renewed once");
    assert.equal((await api.ok<List>("vlans/")).objects.length, 1, "the VLAN lives on");
    const current = all.objects.find((x) => x["status"] === "active")!;
    await api.post(`subscriptions/${current["id"]}/action/?do=auto_renew`, { auto_renew: false });
    await advance(api, 86400 + 60);
    assert.equal((await api.ok<List>("vlans/")).objects.length, 0, "gone when the subscription expired");
  });
});

test("capacity: starts beyond it answer 503", async () => {
  const { api, sim: s } = await sim({ faults: { capacity: 1 } });
  const golden = s.state.data.seeded!.server;
  const a = await readyClone(api, golden);
  const b = await readyClone(api, golden);
  assert.equal((await api.post(`servers/${a}/action/?do=start`)).status, 202);
  const second = await api.post(`servers/${b}/action/?do=start`);
  assert.equal(second.status, 503);
  assert.equal(errorType(second.body), "backend");
});
