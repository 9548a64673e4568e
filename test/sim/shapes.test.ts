// The simulator answers with CloudSigma's recorded response shapes: same keys, same JSON types, same
// status codes, for every endpoint a fleet driver uses (reference/cloudsigma-api-2.0/dumps).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Api, dump, dumpStatus, GIB, type Response, shapeDiff, startSim } from "./helpers.ts";

type Obj = Record<string, unknown>;

let api: Api;
let stop: () => Promise<void>;
let golden: string;

before(async () => {
  const started = await startSim();
  api = started.api;
  stop = () => started.sim.stop();
  golden = started.sim.state.data.seeded!.server;
});
after(() => stop());

/** Asserts status and shape against a recorded response; returns the body. */
function matches(res: Response, recording: string, pick: (body: unknown) => unknown = (b) => b): Obj {
  assert.equal(res.status, dumpStatus(recording), `${recording}: status (${res.text.slice(0, 300)})`);
  assert.deepEqual(shapeDiff(pick(res.body), pick(dump(recording))), [], `${recording}: shape`);
  return res.body as Obj;
}

const first = (b: unknown) => (b as { objects: unknown[] }).objects[0];
const advance = (seconds: number) => api.post("/_sim/advance", { seconds });

describe("servers", () => {
  test("list and detailed list, with meta {limit, offset, total_count}", async () => {
    const list = matches(await api.get("servers/?limit=0"), "response_server_list");
    assert.deepEqual(list["meta"], { limit: 0, offset: 0, total_count: 1 });
    matches(await api.get("servers/?limit=0"), "response_server_list", first);
    matches(await api.get("servers/detail/?limit=0"), "response_server_list_detail", first);
  });

  test("create (minimal, and with drives and a DHCP NIC)", async () => {
    const minimal = matches(
      await api.post("servers/", {
        objects: [{ cpu: 1000, mem: 512 * 1024 ** 2, name: "m", vnc_password: "x" }],
      }),
      "response_server_create_minimal",
      first,
    );
    assert.equal(first(minimal) as unknown, (minimal["objects"] as unknown[])[0]);
    const drives = await api.post("drives/", { name: "d", size: GIB, media: "disk" });
    const cdrom = await api.post("drives/", { name: "c", size: GIB, media: "cdrom" });
    await advance(10);
    const uuid = (r: Response) => (r.body as { objects: Obj[] }).objects[0]!["uuid"] as string;
    const full = await api.post("servers/", {
      objects: [
        {
          cpu: 1000,
          mem: 256 * 1024 ** 2,
          name: "full",
          vnc_password: "x",
          meta: { description: "A full server" },
          drives: [
            { boot_order: 1, dev_channel: "0:0", device: "virtio", drive: uuid(drives) },
            { dev_channel: "0:0", device: "ide", drive: uuid(cdrom) },
          ],
          nics: [{ ip_v4_conf: { conf: "dhcp" } }],
        },
      ],
    });
    matches(full, "response_server_recurse_del_all_drives_create", first);
    const res = await api.del(`servers/${uuid(full)}/?recurse=all_drives`);
    assert.equal(res.status, dumpStatus("response_server_recurse_del_all_drives_delete"));
    assert.equal(res.text, "");
    assert.match(res.headers.get("content-type") ?? "", /text\/html/);
  });

  test("clone (202, with its job), start, running detail with runtime, stop, ACPI shutdown", async () => {
    const clone = matches(
      await api.post(`servers/${golden}/action/?do=clone`, { name: "c1", random_vnc_password: true }),
      "response_server_clone",
    );
    assert.equal(clone["name"], "c1");
    const jobUuid = (clone["jobs"] as Obj[])[0]!["uuid"] as string;
    matches(await api.get(`jobs/${jobUuid}/`), "response_jobs_server_clone");
    await advance(60);
    const job = await api.ok(`jobs/${jobUuid}/`);
    assert.equal(job["state"], "success");
    assert.deepEqual(job["data"], { progress: 100 });

    matches(await api.post(`servers/${clone["uuid"]}/action/?do=start`), "response_server_start");
    await advance(60);
    const running = matches(await api.get(`servers/${clone["uuid"]}/`), "response_server_get_running");
    assert.equal(running["status"], "running");
    assert.equal(((running["runtime"] as Obj)["nics"] as Obj[]).length, 1);
    matches(await api.post(`servers/${clone["uuid"]}/action/?do=shutdown`), "response_server_acpi_shutdown");
    await advance(10);
    assert.equal((await api.ok(`servers/${clone["uuid"]}/`))["status"], "stopped");
    await api.post(`servers/${clone["uuid"]}/action/?do=start`);
    await advance(60);
    matches(await api.post(`servers/${clone["uuid"]}/action/?do=stop`), "response_server_stop");
  });
});

describe("drives", () => {
  test("list, detailed list, fields=uuid,status, single drive", async () => {
    matches(await api.get("drives/?limit=0"), "response_drive_list", first);
    matches(await api.get("drives/detail/?limit=0"), "response_drive_list_detail", first);
    matches(
      await api.get("drives/?fields=uuid,status&limit=0"),
      "response_drive_list_just_uuid_and_status",
      first,
    );
    const created = matches(
      await api.post("drives/", { objects: [{ name: "u", size: GIB, media: "disk" }] }),
      "response_drive_create_minimal",
      first,
    );
    const uuid = (first(created) as Obj)["uuid"];
    await advance(10);
    const drive = matches(await api.get(`drives/${uuid}/`), "response_drive_get_unmounted");
    assert.equal(drive["status"], "unmounted");
  });

  test("clone (202, status cloning_dst, its job) and delete (204)", async () => {
    const source = (await api.ok<{ objects: Obj[] }>("drives/?limit=0&status=unmounted")).objects[0]!["uuid"];
    const res = await api.post(`drives/${source}/action/?do=clone`, { name: "y", media: "cdrom" });
    const body = matches(res, "response_drive_clone", first);
    const copy = first(body) as Obj;
    assert.equal(copy["status"], "cloning_dst");
    assert.equal((await api.ok(`drives/${source}/`))["status"], "cloning_src");
    matches(await api.get(`jobs/${(copy["jobs"] as Obj[])[0]!["uuid"]}/`), "response_jobs_drive_clone");
    await advance(60);
    assert.equal((await api.ok(`drives/${copy["uuid"]}/`))["status"], "unmounted");
    const del = await api.del(`drives/${copy["uuid"]}/`);
    assert.equal(del.status, dumpStatus("response_drive_delete"));
  });
});

describe("tags", () => {
  test("create, with resources, list, get, update, resources by type, tags on a resource, delete", async () => {
    const tag = first(
      matches(
        await api.post("tags/", { objects: [{ name: "MyGroupOfThings" }] }),
        "response_tags_create",
        first,
      ),
    ) as Obj;
    const vlan = (await api.ok<{ objects: Obj[] }>("vlans/")).objects[0]!["uuid"];
    const drive = (await api.ok<{ objects: Obj[] }>("drives/")).objects[0]!["uuid"];
    const withResources = first(
      matches(
        await api.post("tags/", { objects: [{ name: "T", resources: [golden, vlan, drive] }] }),
        "response_tags_create_with_resource",
        first,
      ),
    ) as Obj;
    matches(
      await api.get("tags/?limit=0"),
      "response_tags_list",
      (b) => (b as { objects: Obj[] }).objects[1],
    );
    matches(await api.get(`tags/${withResources["uuid"]}/`), "response_tags_get");
    matches(
      await api.put(`tags/${withResources["uuid"]}/`, { name: "T", resources: [drive] }),
      "response_tags_update_resources",
    );
    const server = await api.ok(`servers/${golden}/`);
    const tagged = matches(
      await api.put(`servers/${golden}/`, { ...server, tags: [tag["uuid"], withResources["uuid"]] }),
      "response_tags_update_tag_from_resource",
    );
    assert.equal((tagged["tags"] as Obj[]).length, 2);
    const listed = matches(
      await api.get(`tags/${tag["uuid"]}/servers/`),
      "response_tags_list_resource",
      first,
    );
    assert.equal((listed["meta"] as Obj)["total_count"], 1);
    assert.equal((await api.del(`tags/${tag["uuid"]}/`)).status, dumpStatus("response_tags_delete"));
  });
});

describe("networking and billing", () => {
  test("VLANs: list, detail, get, meta update", async () => {
    matches(await api.get("vlans/?limit=0"), "response_vlan_list", first);
    matches(await api.get("vlans/detail/?limit=0"), "response_vlan_list_detail", first);
    const uuid = (await api.ok<{ objects: Obj[] }>("vlans/")).objects[0]!["uuid"];
    matches(await api.get(`vlans/${uuid}/`), "response_vlan_get");
    const updated = matches(
      await api.put(`vlans/${uuid}/`, { meta: { name: "my vlan" } }),
      "response_vlan_update",
    );
    assert.deepEqual(updated["meta"], { name: "my vlan" });
  });

  test("IPs (bought by subscription): list, detail, get; subscriptions list", async () => {
    const bought = await api.post("subscriptions/", { resource: "ip", amount: 1, period: "1 month" });
    assert.equal(bought.status, 201);
    matches(await api.get("ips/?limit=0"), "response_ip_list", first);
    matches(await api.get("ips/detail/?limit=0"), "response_ip_list_detail", first);
    const ip = (await api.ok<{ objects: Obj[] }>("ips/")).objects[0]!["uuid"];
    matches(await api.get(`ips/${ip}/`), "response_ip_get");
    const subs = matches(await api.get("subscriptions/"), "response_subscription_list", first);
    assert.equal((subs["meta"] as Obj)["limit"], 20);
    matches(await api.get("subscriptions/"), "response_subscription_list", (b) => ({
      ...(b as Obj),
      objects: [],
    }));
  });

  test("balance, pricing, ledger, current usage, discounts, capabilities", async () => {
    matches(await api.get("balance/"), "response_balance_list");
    matches(await api.get("pricing/?limit=5"), "response_pricing_list", (b) => ({
      ...(b as Obj),
      current: null,
      next: null,
    }));
    matches(await api.get("pricing/?limit=5"), "response_pricing_list", first);
    await advance(400);
    const ledger = matches(await api.get("ledger/"), "response_ledger_list", first);
    assert.ok(((ledger["meta"] as Obj)["total_count"] as number) > 0);
    matches(await api.get("currentusage/"), "response_currentusage_list");
    matches(await api.get("discount/"), "response_discount_list");
    matches(await api.get("capabilities/"), "response_capabilities");
  });
});
