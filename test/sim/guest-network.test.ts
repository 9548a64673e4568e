// The simulated VLAN (root only, as CI runs): a guest whose user data gives its VLAN NIC an address runs
// in a network namespace of its own on the simulator's bridge, so the kernel lets it reach the data role
// at its private address and nothing of the host's loopback; every namespace and link is removed when
// its server stops and when the simulator stops, and what a dead simulator left is removed by the next.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { vlanNetplanFile } from "../../src/fleet/userdata.ts";
import type { RunningSimulator } from "../../src/sim/cloudsigma/index.ts";
import { groupMembers } from "../../src/sim/cloudsigma/nodes.ts";
import { freePort } from "../../src/system/processes.ts";
import { SimProcess } from "../helpers/sim-process.ts";
import { type Api, startSim, waitFor } from "./helpers.ts";

type Obj = Record<string, unknown>;
const root = process.getuid?.() === 0;
const ours = (pid: number) => `cb[vhgn]${pid.toString(36).padStart(5, "0")}`;

/** Our namespaces and links (of this process, or of `pid`) that exist now. */
function leftovers(pid = process.pid): string[] {
  const names = [
    ...spawnSync("ip", ["netns", "list"], { encoding: "utf8" })
      .stdout.split("\n")
      .map((l) => l.split(" ")[0]!),
    ...spawnSync("ip", ["-o", "link", "show"], { encoding: "utf8" })
      .stdout.split("\n")
      .map((l) => l.split(": ")[1]?.split("@")[0] ?? ""),
  ];
  return names.filter((name) => new RegExp(`^${ours(pid)}`).test(name));
}

const servers: Server[] = [];
const sims: RunningSimulator[] = [];
const dirs: string[] = [];
after(async () => {
  for (const sim of sims) await sim.stop();
  for (const server of servers) server.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function listen(host: string, port: number, body: string): Promise<number> {
  const server = createServer((_req, res) => res.end(body));
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

async function bootGuest(api: Api, s: RunningSimulator, userData: string) {
  const clone = (await api.post(`servers/${s.state.data.seeded!.server}/action/?do=clone`)).body as Obj;
  const uuid = clone["uuid"] as string;
  await api.post("/_sim/advance", { seconds: 60 });
  const server = await api.ok(`servers/${uuid}/`);
  await api.put(`servers/${uuid}/`, { ...server, meta: { "cloudinit-user-data": userData } });
  assert.equal((await api.post(`servers/${uuid}/action/?do=start`)).status, 202);
  await api.post("/_sim/advance", { seconds: 60 });
  const pid = await waitFor("the guest process", async () => s.state.guest(uuid)?.pid);
  return { uuid, pid };
}

function netplan(address: string): string[] {
  return [
    `  - path: ${vlanNetplanFile}`,
    "    content: |",
    "      network:",
    "        version: 2",
    "        ethernets:",
    "          eth1:",
    `            addresses: [${address}/24]`,
  ];
}

describe("guests on the simulated VLAN", { skip: !root && "needs root (ip netns), as CI runs" }, () => {
  test("a guest reaches the data role at its private address, never the host's loopback; nothing is left", async () => {
    // What a simulator killed with SIGKILL left: a bridge and a namespace named after its dead pid.
    const dead = spawnSync("true").pid!;
    const stale = `${dead.toString(36).padStart(5, "0")}zz`;
    spawnSync("ip", ["link", "add", `cbv${stale}`, "type", "bridge"]);
    spawnSync("ip", ["netns", "add", `cbn${stale}000`]);
    assert.equal(leftovers(dead).length, 2, "the stale bridge and namespace are made");

    const { sim, api } = await startSim({ launchGuests: true });
    sims.push(sim);
    assert.deepEqual(leftovers(dead), [], "a new simulator removes what a dead one left");
    const vlan = sim.vlan!;
    assert.match(vlan.subnet, /^198\.(18|19)\.\d+\.0\/24$/);
    // The data role on the VLAN, and on the host's loopback at the same port: a guest that shared the
    // host's network would reach the second at 127.0.0.1.
    const port = await listen(vlan.hostAddress, 0, "data role on the VLAN");
    await listen("127.0.0.1", port, "host loopback");
    const guestAddress = vlan.hostAddress.replace(/\.1$/, ".10");
    const dir = mkdtempSync(join(tmpdir(), "cb-sim-vlan-"));
    dirs.push(dir);
    const userData = [
      "#cloud-config",
      "write_files:",
      ...netplan(guestAddress),
      "runcmd:",
      "  - netplan apply",
      `  - "curl -sS -m 5 http://${vlan.hostAddress}:${port}/ > ${dir}/private 2>&1 || true"`,
      `  - "curl -sS -m 5 http://127.0.0.1:${port}/ > ${dir}/loopback 2>&1 || echo curl exit $? >> ${dir}/loopback"`,
      `  - "ip -o -4 address show > ${dir}/addresses"`,
      `  - "touch ${dir}/done"`,
      "  - exec sleep 300",
      "",
    ].join("\n");
    const { uuid, pid } = await bootGuest(api, sim, userData);
    await waitFor("the guest's checks", async () => (existsSync(join(dir, "done")) ? true : undefined));
    assert.equal(readFileSync(join(dir, "private"), "utf8"), "data role on the VLAN");
    const loopback = readFileSync(join(dir, "loopback"), "utf8");
    assert.doesNotMatch(loopback, /host loopback/);
    assert.match(loopback, /curl exit 7/, loopback);
    const addresses = readFileSync(join(dir, "addresses"), "utf8");
    assert.deepEqual(
      addresses
        .trim()
        .split("\n")
        .map((l) => l.split(/\s+/).slice(1, 4).join(" ")),
      ["lo inet 127.0.0.1/8", `eth1 inet ${guestAddress}/24`],
    );
    assert.equal(leftovers().filter((n) => n.startsWith("cbn")).length, 1, "one namespace for the guest");

    // Its server stops: its namespace and veth go with it; the bridge stays for the next guest.
    await api.post(`servers/${uuid}/action/?do=stop`);
    await waitFor("the guest to end", async () => (groupMembers(pid).length === 0 ? true : undefined));
    await waitFor("its namespace to go", async () =>
      leftovers().some((n) => /^cb[nhg]/.test(n)) ? undefined : true,
    );
    assert.deepEqual(
      leftovers().map((n) => n.slice(0, 3)),
      ["cbv"],
    );
    await sim.stop();
    assert.deepEqual(leftovers(), [], "no namespace or link of ours after the simulator stops");
  });

  test("a VLAN address off the simulated VLAN fails cloud-init with the reason on the console", async () => {
    const { sim, api } = await startSim({ launchGuests: true });
    sims.push(sim);
    const userData = [
      "#cloud-config",
      "write_files:",
      ...netplan("10.99.0.10"),
      "runcmd:",
      "  - sleep 300",
      "",
    ];
    const { uuid } = await bootGuest(api, sim, userData.join("\n"));
    const guest = await waitFor("the guest to give up", async () => {
      const g = sim.state.guest(uuid);
      return g?.exited ? g : undefined;
    });
    assert.equal(guest.exitCode, 1);
    assert.match(
      readFileSync(guest.log, "utf8"),
      /cloud-init: the VLAN address 10\.99\.0\.10\/24 of the user data is not on the simulated VLAN 198\.\d+\.\d+\.0\/24: configure fleet\.vlan/,
    );
    await sim.stop();
    assert.deepEqual(leftovers(), []);
  });
});

describe("the VLAN of a killed simulator", { skip: !root && "needs root (ip netns), as CI runs" }, () => {
  test("is taken over by the next one on its state file: its guest keeps reaching the data role", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cb-sim-vlan-kill-"));
    dirs.push(dir);
    const sim = await SimProcess.start({
      cwd: dir,
      port: await freePort(),
      stateFile: join(dir, "state.json"),
      timeScale: 0.01,
    });
    try {
      const vlan = sim.info.vlan!;
      const port = await listen(vlan.hostAddress, 0, "data role on the VLAN");
      const userData = [
        "#cloud-config",
        "write_files:",
        ...netplan(vlan.hostAddress.replace(/\.1$/, ".10")),
        "runcmd:",
        // Under sh -e: a refused try (the bridge is down for a moment while renamed) must not end it.
        `  - "while :; do curl -sS -m 1 http://${vlan.hostAddress}:${port}/ >> ${dir}/seen 2>&1 || true; echo >> ${dir}/seen; sleep 0.2; done"`,
        "",
      ].join("\n");
      const golden = (await sim.get<{ seeded: { server: string } }>("/_sim/state")).seeded.server;
      const { uuid } = await sim.request<{ uuid: string }>("POST", `servers/${golden}/action/?do=clone`);
      await sim.request("POST", "/_sim/advance", { seconds: 60 });
      const server = await sim.get<Obj>(`servers/${uuid}/`);
      await sim.request("PUT", `servers/${uuid}/`, { ...server, meta: { "cloudinit-user-data": userData } });
      await sim.request("POST", `servers/${uuid}/action/?do=start`);
      await sim.request("POST", "/_sim/advance", { seconds: 60 });
      const seen = () => (existsSync(join(dir, "seen")) ? readFileSync(join(dir, "seen"), "utf8") : "");
      await waitFor("the guest to reach the data role", async () =>
        seen().includes("data role on the VLAN") ? true : undefined,
      );

      const first = sim.pid;
      await sim.kill();
      await sim.restart();
      assert.deepEqual(leftovers(first), [], "nothing is left under the killed simulator's name");
      assert.deepEqual(
        leftovers(sim.pid)
          .map((n) => n.slice(0, 3))
          .sort(),
        ["cbh", "cbv"],
        "its bridge and the guest's veth go by the new simulator's name",
      );
      assert.equal(sim.info.vlan?.subnet, vlan.subnet, "the same subnet");
      const before = seen().length;
      await waitFor("the guest to reach the data role again", async () =>
        seen().slice(before).includes("data role on the VLAN") ? true : undefined,
      );

      assert.equal(await sim.stop(), 0);
      assert.deepEqual(leftovers(sim.pid), [], "stopping it removes the VLAN it took over");
    } finally {
      if (sim.running) await sim.stop();
    }
  });
});
