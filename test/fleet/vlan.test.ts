// The private network (fleet.vlan): the configuration is checked, each node gets a static address
// held by its row (freed when it is gone, then given again), its user data configures its VLAN NIC,
// the URL it is given names the data role's VLAN address, and the Ansible inventory offers it.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { fleetConfigSchema } from "../../src/fleet/config.ts";
import { buildInventory } from "../../src/fleet/inventory.ts";
import { tagKeys } from "../../src/fleet/provider.ts";
import { configuredWorkerAccess } from "../../src/fleet/service.ts";
import { cloudInitUserData, vlanNetplanFile } from "../../src/fleet/userdata.ts";
import { pickVlanAddress, vlanConfigSchema, vlanUrl } from "../../src/fleet/vlan.ts";
import { userDataOf } from "../../src/sim/cloudsigma/cloud-init.ts";
import { simController, simFleetConfig, simulatorAndDatabase } from "./helpers.ts";

const vlan = vlanConfigSchema.parse({
  subnet: "198.18.4.0/24",
  dataAddress: "198.18.4.1",
  nodeRange: { first: "198.18.4.10", last: "198.18.4.12" },
});

describe("configuration and addresses", () => {
  test("the schema refuses what is not a subnet, an address outside it, or a reversed range", () => {
    const problems = (value: unknown) => {
      const result = fleetConfigSchema.safeParse({ vlan: value });
      return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    };
    assert.deepEqual(problems({ subnet: "198.18.4.0/24", dataAddress: "198.18.4.1" }), []);
    assert.match(
      problems({ subnet: "198.18.4.7/24", dataAddress: "198.18.4.1" }).join(),
      /vlan\.subnet: an IPv4 subnet/,
    );
    assert.match(
      problems({ subnet: "198.18.4.0/24", dataAddress: "10.0.0.1" }).join(),
      /vlan\.dataAddress: 10\.0\.0\.1 is not a host address of 198\.18\.4\.0\/24/,
    );
    assert.match(
      problems({ subnet: "198.18.4.0/24", dataAddress: "198.18.4.255" }).join(),
      /not a host address/,
    );
    assert.match(
      problems({
        subnet: "198.18.4.0/24",
        dataAddress: "198.18.4.1",
        nodeRange: { first: "198.18.4.9", last: "198.18.4.3" },
      }).join(),
      /vlan\.nodeRange: first comes after last/,
    );
    assert.match(
      problems({ subnet: "198.18.4.0/24", dataAddress: "198.18.4.1", interface: "eth 1" }).join(),
      /vlan\.interface/,
    );
  });

  test("a node takes the lowest free address of the range, never the data role's; a full range says what to do", () => {
    assert.deepEqual(pickVlanAddress(vlan, []), { address: "198.18.4.10", prefix: 24, interface: "eth1" });
    assert.equal(pickVlanAddress(vlan, ["198.18.4.10", "198.18.4.12"]).address, "198.18.4.11");
    const whole = vlanConfigSchema.parse({ subnet: "198.18.4.0/30", dataAddress: "198.18.4.1" });
    assert.equal(pickVlanAddress(whole, []).address, "198.18.4.2", "the data role's address is skipped");
    assert.throws(
      () => pickVlanAddress(vlan, ["198.18.4.10", "198.18.4.11", "198.18.4.12"]),
      /198\.18\.4\.10-198\.18\.4\.12 is held by a live node: widen fleet\.vlan\.nodeRange/,
    );
  });

  test("nodes are given the data role's URL with its VLAN address, port and path kept", () => {
    assert.equal(vlanUrl("https://data.example:8443", vlan), "https://198.18.4.1:8443");
    assert.equal(vlanUrl("http://Data.Example/cb/", vlan), "http://198.18.4.1/cb/");
    assert.equal(vlanUrl("http://127.0.0.1:8080", undefined), "http://127.0.0.1:8080");
    const settings = {
      file: null,
      dataDir: "/nonexistent",
      env: {},
      fleet: fleetConfigSchema.parse({ vlan }),
      server: { host: "0.0.0.0", port: 8443, tls: { enabled: true } },
    };
    assert.deepEqual(configuredWorkerAccess(settings, "AB:CD"), {
      serverUrl: "https://198.18.4.1:8443",
      fingerprint: "AB:CD",
    });
  });

  test("the user data writes a netplan file for the VLAN NIC and applies it before the worker starts", () => {
    const text = cloudInitUserData({
      serverUrl: "https://198.18.4.1:8443",
      fingerprint: null,
      token: "cb_t",
      nodeName: "cb-n",
      environment: "e",
      cycle: "c",
      vlan: { address: "198.18.4.11", prefix: 24, interface: "ens4" },
    });
    const config = parse(text) as { write_files: Array<{ path: string; content: string }>; runcmd: string[] };
    const netplan = config.write_files.find((f) => f.path === vlanNetplanFile);
    assert.deepEqual(parse(netplan!.content), {
      network: { version: 2, ethernets: { ens4: { dhcp4: false, addresses: ["198.18.4.11/24"] } } },
    });
    assert.match(
      config.runcmd[0]!,
      /^netplan apply \|\| \{ ip address replace 198\.18\.4\.11\/24 dev ens4 && ip link set ens4 up; \}$/,
    );
    assert.match(config.runcmd[1]!, /cloudburst upgrade/, "the release is checked on the network");
    assert.match(config.runcmd[2]!, /cloudburst-worker/, "the worker starts after both");
  });
});

describe("the fleet's nodes on the VLAN", () => {
  const world = simulatorAndDatabase();

  test("each live node holds its own address; a gone node's is given again; the inventory offers them", async () => {
    const config = simFleetConfig("vlan1", { vlan });
    const { provider, store, controller } = simController(world.sim, world.db.pool, config);
    const cycle = "2026-11-24T00Z";
    await store.planCycle("vlan1", cycle, new Date(Date.now() + 60_000), 2);
    const live = async () => (await store.liveNodes("vlan1")).map((row) => row.vlanAddress).sort();
    const grown = await controller.reconcile();
    assert.equal(grown.created.length, 2, JSON.stringify(grown));
    assert.deepEqual(await live(), ["198.18.4.10", "198.18.4.11"]);

    // Each server's user data carries its own row's address.
    const rows = await store.liveNodes("vlan1");
    for (const row of rows) {
      const server = world.sim.state.servers.get(row.providerId!);
      assert.match(
        userDataOf(server.meta)!,
        new RegExp(`addresses: \\[${row.vlanAddress!.replaceAll(".", "\\.")}/24\\]`),
      );
      assert.match(userDataOf(server.meta)!, /CLOUDBURST_SERVER_URL=http:\/\/10\.0\.0\.1:8080/);
    }

    const inventory = buildInventory(
      await provider.listNodes({ [tagKeys.environment]: "vlan1" }),
      config,
      null,
      new Map(rows.map((row) => [row.name, row.vlanAddress!])),
    );
    const offered = Object.values(inventory._meta.hostvars).map((vars) => vars["cloudburst_vlan_address"]);
    assert.deepEqual(offered.sort(), ["198.18.4.10", "198.18.4.11"]);

    // The first node goes: its address is free, and the next node takes it.
    await store.setComputeNodes("vlan1", cycle, 1);
    const shrunk = await controller.reconcile();
    assert.equal(shrunk.destroyed.length, 1, JSON.stringify(shrunk));
    const left = await live();
    assert.equal(left.length, 1);
    await store.setComputeNodes("vlan1", cycle, 2);
    assert.equal((await controller.reconcile()).created.length, 1);
    assert.deepEqual(await live(), ["198.18.4.10", "198.18.4.11"], "the freed address is given again");

    await store.setCycleState("vlan1", cycle, "processed");
    await controller.reconcile();
    assert.deepEqual(await live(), []);
    const all = await store.nodes("vlan1", cycle);
    assert.equal(all.length, 3);
    assert.ok(all.every((row) => row.vlanAddress !== null && row.goneAt !== null));
  });
});
