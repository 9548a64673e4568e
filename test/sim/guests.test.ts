// Started servers run real processes with their cloud-init user data; stopping, deleting, an ACPI
// shutdown or stopping the simulator ends the whole process group and leaves nothing behind.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { RunningSimulator } from "../../src/sim/cloudsigma/index.ts";
import { groupMembers } from "../../src/sim/cloudsigma/nodes.ts";
import { freePort } from "../../src/system/processes.ts";
import { SimProcess } from "../helpers/sim-process.ts";
import { type Api, startSim, waitFor } from "./helpers.ts";

type Obj = Record<string, unknown>;

const stops: Array<() => Promise<void>> = [];
after(async () => {
  for (const stop of stops) await stop();
});

async function sim(options: Parameters<typeof startSim>[0] = {}) {
  const started = await startSim({ launchGuests: true, ...options });
  stops.push(() => started.sim.stop());
  return started;
}

const advance = (api: Api, seconds: number) => api.post("/_sim/advance", { seconds });

/** Clones the golden server with `meta`, starts it and waits until its guest process runs; returns uuid and pid. */
async function bootGuest(api: Api, s: RunningSimulator, meta: Record<string, string> = {}) {
  const clone = (await api.post(`servers/${s.state.data.seeded!.server}/action/?do=clone`)).body as Obj;
  const uuid = clone["uuid"] as string;
  await advance(api, 60);
  const server = await api.ok(`servers/${uuid}/`);
  assert.equal((await api.put(`servers/${uuid}/`, { ...server, meta })).status, 200);
  assert.equal((await api.post(`servers/${uuid}/action/?do=start`)).status, 202);
  await advance(api, 60);
  const pid = await waitFor("the guest process", async () => s.state.guest(uuid)?.pid);
  return { uuid, pid };
}

const gone = (pgid: number) =>
  waitFor(`process group ${pgid} to end`, async () => (groupMembers(pgid).length === 0 ? true : undefined));

describe("guest processes", () => {
  test("--node-command runs per guest in its own process group; stop kills the whole group", async () => {
    const { api, sim: s } = await sim({ nodeCommand: "sleep 300 & sleep 300; wait" });
    const { uuid, pid } = await bootGuest(api, s);
    await waitFor("both sleeps", async () => (groupMembers(pid).length >= 3 ? true : undefined));
    const state = (await api.ok("/_sim/state")) as { servers: Array<{ uuid: string; guest: Obj | null }> };
    assert.equal(state.servers.find((x) => x.uuid === uuid)!.guest!["pid"], pid);
    assert.equal((await api.post(`servers/${uuid}/action/?do=stop`)).status, 202);
    await gone(pid);
    await advance(api, 10);
    assert.equal((await api.ok(`servers/${uuid}/`))["status"], "stopped");
  });

  test("user data: a base64 script from meta cloudinit-user-data, with `cloudburst` on PATH", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cb-sim-guest-"));
    const script = [
      "#!/bin/sh",
      `echo "$CLOUDSIGMA_SERVER_UUID" > ${dir}/uuid`,
      `command -v cloudburst > ${dir}/cli`,
      "exec sleep 300",
      "",
    ].join("\n");
    const { api, sim: s } = await sim();
    const { uuid, pid } = await bootGuest(api, s, {
      "cloudinit-user-data": Buffer.from(script).toString("base64"),
      base64_fields: "cloudinit-user-data",
    });
    // Its content, not only the file: the shell makes the file before `command -v` writes to it.
    const cli = join(dir, "cli");
    await waitFor("the script's marker", async () =>
      existsSync(cli) && readFileSync(cli, "utf8").length > 0 ? true : undefined,
    );
    assert.equal(readFileSync(join(dir, "uuid"), "utf8").trim(), uuid);
    assert.match(readFileSync(join(dir, "cli"), "utf8"), /\/bin\/cloudburst$/m);
    // Deleting needs a stop first; the stop ends the guest.
    assert.equal((await api.del(`servers/${uuid}/`)).status, 403);
    await api.post(`servers/${uuid}/action/?do=stop`);
    await gone(pid);
  });

  test("user data: #cloud-config runcmd runs in order", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cb-sim-guest-"));
    const config = [
      "#cloud-config",
      "runcmd:",
      `  - [sh, -c, "echo one > ${dir}/a"]`,
      `  - cp ${dir}/a ${dir}/b`,
      "  - sleep 300",
      "",
    ].join("\n");
    const { api, sim: s } = await sim();
    const { uuid, pid } = await bootGuest(api, s, { "cloudinit-user-data": config });
    await waitFor("runcmd's files", async () => (existsSync(join(dir, "b")) ? true : undefined));
    assert.equal(readFileSync(join(dir, "b"), "utf8"), "one\n");
    assert.match(s.state.guest(uuid)!.command, /runcmd/);
    await api.post(`servers/${uuid}/action/?do=stop`);
    await gone(pid);
  });

  test("user data: write_files land in the guest's own root, which inherits nothing from the host", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cb-sim-guest-"));
    process.env["CB_HOST_ONLY"] = "host secret";
    const config = [
      "#cloud-config",
      "write_files:",
      "  - path: /etc/cb-guest-test/plain.env",
      "    permissions: '0600'",
      "    content: |",
      "      A=1",
      "  - path: /opt/cb-guest-test/coded",
      `    encoding: b64`,
      `    content: ${Buffer.from("decoded\n").toString("base64")}`,
      "runcmd:",
      `  - "cat /etc/cb-guest-test/plain.env /opt/cb-guest-test/coded > ${dir}/seen"`,
      `  - "stat -c %a /etc/cb-guest-test/plain.env >> ${dir}/seen"`,
      `  - "echo home=$HOME host=\${CB_HOST_ONLY:-none} >> ${dir}/seen"`,
      `  - "touch ${dir}/done"`,
      "  - exec sleep 300",
      "",
    ].join("\n");
    const { api, sim: s } = await sim();
    try {
      const { pid } = await bootGuest(api, s, { "cloudinit-user-data": config });
      await waitFor("runcmd", async () => (existsSync(join(dir, "done")) ? true : undefined));
      assert.equal(readFileSync(join(dir, "seen"), "utf8"), "A=1\ndecoded\n600\nhome=/root host=none\n");
      assert.equal(existsSync("/etc/cb-guest-test"), false, "the host's /etc is untouched");
      assert.equal(existsSync("/opt/cb-guest-test"), false, "the host's /opt is untouched");
      await s.stop();
      await gone(pid);
    } finally {
      delete process.env["CB_HOST_ONLY"];
    }
  });

  test("user data: write_files outside the guest's root fail cloud-init with the reason on the console", async () => {
    const config = ["#cloud-config", "write_files:", "  - path: /proc/nope", "    content: x", ""].join("\n");
    const { api, sim: s } = await sim();
    const { uuid } = await bootGuest(api, s, { "cloudinit-user-data": config });
    const guest = await waitFor("the guest to give up", async () => {
      const g = s.state.guest(uuid);
      return g?.exited ? g : undefined;
    });
    assert.equal(guest.exitCode, 1);
    assert.match(readFileSync(guest.log, "utf8"), /cloud-init: write_files: \/proc\/nope is outside/);
  });

  test("user data that tries systemd falls back, as in a container: systemctl fails inside guests", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cb-sim-guest-"));
    const config = [
      "#cloud-config",
      "runcmd:",
      `  - "systemctl daemon-reload && systemctl enable --now w.service || echo fallback > ${dir}/f"`,
      "  - exec sleep 300",
      "",
    ].join("\n");
    const { api, sim: s } = await sim();
    const { uuid, pid } = await bootGuest(api, s, { "cloudinit-user-data": config });
    // The shell creates the file before echo writes to it: wait for its line.
    const written = await waitFor("the fallback", async () =>
      existsSync(join(dir, "f")) && readFileSync(join(dir, "f"), "utf8").endsWith("\n")
        ? readFileSync(join(dir, "f"), "utf8")
        : undefined,
    );
    assert.equal(written, "fallback\n");
    await api.post(`servers/${uuid}/action/?do=stop`);
    await gone(pid);
  });

  test("ACPI shutdown: a guest that exits on SIGTERM stops the server; one that ignores it stays running", async () => {
    const { api, sim: s } = await sim({ nodeCommand: 'trap "exit 0" TERM; while :; do sleep 0.05; done' });
    const polite = await bootGuest(api, s);
    assert.equal((await api.post(`servers/${polite.uuid}/action/?do=shutdown`)).status, 202);
    assert.equal((await api.ok(`servers/${polite.uuid}/`))["status"], "stopping");
    await gone(polite.pid);
    await waitFor("stopped", async () => {
      await advance(api, 1);
      return (await api.ok(`servers/${polite.uuid}/`))["status"] === "stopped" ? true : undefined;
    });

    const stubborn = await sim({ nodeCommand: 'trap "" TERM; echo trapped; while :; do sleep 0.05; done' });
    const guest = await bootGuest(stubborn.api, stubborn.sim);
    // A SIGTERM before the trap is set would end the shell: shut down only once it ignores the signal.
    const log = stubborn.sim.state.guest(guest.uuid)!.log;
    await waitFor("the guest's trap", async () =>
      existsSync(log) && readFileSync(log, "utf8").includes("trapped") ? true : undefined,
    );
    await stubborn.api.post(`servers/${guest.uuid}/action/?do=shutdown`);
    await advance(stubborn.api, 61);
    assert.equal((await stubborn.api.ok(`servers/${guest.uuid}/`))["status"], "running");
    assert.ok(groupMembers(guest.pid).length > 0, "still running");
    await stubborn.api.post(`servers/${guest.uuid}/action/?do=stop`);
    await gone(guest.pid);
  });

  test("stopping the simulator kills every guest; a restart runs the running servers' guests again", async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), "cb-sim-state-")), "state.json");
    const first = await startSim({
      launchGuests: true,
      stateFile,
      nodeCommand: "sleep 300 & sleep 300; wait",
    });
    const a = await bootGuest(first.api, first.sim);
    const b = await bootGuest(first.api, first.sim);
    await first.sim.stop();
    assert.deepEqual(groupMembers(a.pid), []);
    assert.deepEqual(groupMembers(b.pid), []);
    const second = await sim({ stateFile, nodeCommand: "sleep 300" });
    const pid = await waitFor("the relaunched guest", async () => second.sim.state.guest(a.uuid)?.pid);
    assert.notEqual(pid, a.pid);
    await second.sim.stop();
    await gone(pid);
  });
});

describe("a simulator killed as a cloud's API dies", () => {
  test("its guests run on, and the simulator started again on its state re-adopts them; a stop ends them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cb-sim-kill-"));
    const sim = await SimProcess.start({
      cwd: dir,
      port: await freePort(),
      stateFile: join(dir, "state.json"),
      timeScale: 0.01,
      nodeCommand: "sleep 300 & sleep 300; wait",
    });
    stops.push(async () => {
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    const golden = (await sim.get<{ seeded: { server: string } }>("/_sim/state")).seeded.server;
    const { uuid } = await sim.request<{ uuid: string }>("POST", `servers/${golden}/action/?do=clone`);
    await sim.request("POST", "/_sim/advance", { seconds: 60 });
    await sim.request("POST", `servers/${uuid}/action/?do=start`);
    await sim.request("POST", "/_sim/advance", { seconds: 60 });
    const guestOf = async () =>
      (
        await sim.get<{ servers: Array<{ uuid: string; guest: { pid: number } | null }> }>("/_sim/state")
      ).servers.find((s) => s.uuid === uuid)?.guest?.pid;
    const pid = await waitFor("the guest process", guestOf);
    await waitFor("both sleeps", async () => (groupMembers(pid).length >= 3 ? true : undefined));

    await sim.kill();
    assert.ok(groupMembers(pid).length >= 3, "the guest outlives the API's process");
    await assert.rejects(fetch(sim.info.url), "the API refuses connections while it is down");
    await sim.restart();
    assert.equal((await sim.get<Obj>(`servers/${uuid}/`))["status"], "running");
    assert.equal(await guestOf(), pid, "the same process, re-adopted, not a second guest");
    assert.equal(groupMembers(pid).length, 3, "nothing else started in its group");

    assert.equal(await sim.stop(), 0);
    assert.deepEqual(groupMembers(pid), [], "stopping the simulator ends the re-adopted guest");
  });
});
