// A whole cycle against the CloudSigma simulator: N=6 nodes through 503 bursts, an API outage and a
// restart of the controller, ending with zero servers, drives or tagged resources left, and the
// operator alerted about the outage.
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { Alerter } from "../../src/alerts/alerts.ts";
import { alertsConfigSchema } from "../../src/alerts/config.ts";
import { CloudSigmaProvider } from "../../src/fleet/cloudsigma/provider.ts";
import { fleetConfigSchema } from "../../src/fleet/config.ts";
import { FleetController } from "../../src/fleet/controller.ts";
import { leakCheck } from "../../src/fleet/leaks.ts";
import { tagKeys } from "../../src/fleet/provider.ts";
import { FleetStore } from "../../src/fleet/store.ts";
import { type RunningSimulator, startCloudSigmaSimulator } from "../../src/sim/cloudsigma/index.ts";
import { ServerClient, type ServerRequestError } from "../../src/worker/server-client.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { startWorkerServer } from "../helpers/worker-server.ts";
import { MemoryChannel } from "./helpers.ts";

let db: TestDatabase;
let sim: RunningSimulator;
before(async () => {
  db = await createTestDatabase();
  // 1 simulated second = 10 ms; a 503 burst of 3 starts on 15 % of requests.
  sim = await startCloudSigmaSimulator({
    timeScale: 0.01,
    launchGuests: false,
    stateFile: null,
    faults: "503=0.15x3,seed=11",
  });
});
after(async () => {
  await sim.stop();
  await db.drop();
});

const config = fleetConfigSchema.parse({
  environment: "simcycle",
  provider: "cloudsigma",
  cloudsigma: {
    goldenServer: "cloudburst-golden",
    pollIntervalMs: 20,
    retry: { attempts: 12, baseMs: 10, maxMs: 80 },
    concurrency: 4,
  },
});

function controller(channel: MemoryChannel) {
  const provider = new CloudSigmaProvider({
    apiUrl: sim.url,
    credentials: { username: sim.credentials.username, password: sim.credentials.password },
    config: config.cloudsigma,
  });
  const alerter = new Alerter(alertsConfigSchema.parse({}), [channel], db.pool);
  const store = new FleetStore(db.pool);
  return {
    provider,
    store,
    controller: new FleetController({
      provider,
      store,
      config,
      alerter,
      workerAccess: () => ({ serverUrl: "http://10.0.0.1:8080", fingerprint: null }),
    }),
  };
}

test("N=6 through 503 bursts, an outage and a restart ends with nothing left", async () => {
  const channel = new MemoryChannel();
  let { provider, store, controller: fleet } = controller(channel);
  await store.planCycle("simcycle", "2026-11-24T12Z", new Date(Date.now() + 60_000), 6);

  let running = 0;
  for (let pass = 0; pass < 6 && running < 6; pass++) {
    await fleet.reconcile();
    running = (await provider.listNodes({ [tagKeys.environment]: "simcycle" })).filter(
      (n) => n.state === "running",
    ).length;
  }
  assert.equal(running, 6);
  assert.ok((await store.samples("cloudsigma", 100)).length >= 6, "every provisioning measured");

  // An outage: every request answers 503 for 300 simulated seconds (3 s here). The pass fails, alerts.
  sim.state.setFaults({ outage: { at: 0, duration: 300, mode: "503" } }, sim.state.now(), true);
  const during = await fleet.reconcile();
  assert.ok(during.errors.length > 0);
  const outageAlert = channel.alerts.find((a) => a.httpCode === 503);
  assert.ok(outageAlert, "the operator hears about the outage");
  assert.match(outageAlert.meaning ?? "", /temporarily cannot fulfil/);

  // The control server restarts: a new controller, same database, same provider account.
  ({ provider, store, controller: fleet } = controller(channel));
  await new Promise((r) => setTimeout(r, 3200));
  await store.setCycleState("simcycle", "2026-11-24T12Z", "processed");
  for (let pass = 0; pass < 5; pass++) {
    const report = await fleet.reconcile();
    if (
      report.errors.length === 0 &&
      (await provider.listNodes({ [tagKeys.environment]: "simcycle" })).length === 0
    )
      break;
  }

  const left = await provider.billedResources();
  const ours = left.filter(
    (r) => r.tags[tagKeys.environment] === "simcycle" || r.name.startsWith("cb-simcycle-"),
  );
  assert.deepEqual(ours, [], "no server, drive or other tagged resource left");
  assert.deepEqual(
    left.filter((r) => r.kind === "server").map((r) => r.name),
    ["cloudburst-golden"],
  );
  assert.equal(left.filter((r) => r.kind === "drive").length, 1, "only the golden drive");
  const rows = await store.nodes("simcycle");
  assert.equal(rows.filter((r) => r.goneAt === null).length, 0);
  const report = await leakCheck(provider, store, config);
  assert.equal(report.orphans + report.leaks, 0);
});

test("nodes get a NIC on the private VLAN; the VLAN billing leak is found and alerted", async () => {
  const leaky = await startCloudSigmaSimulator({
    timeScale: 0.01,
    launchGuests: false,
    stateFile: null,
    faults: "vlan-leak",
  });
  try {
    const credentials = { username: leaky.credentials.username, password: leaky.credentials.password };
    const probe = new CloudSigmaProvider({ apiUrl: leaky.url, credentials, config: config.cloudsigma });
    const vlan = (await probe.billedResources()).find((r) => r.kind === "vlan")!;
    const vlanConfig = fleetConfigSchema.parse({
      ...config,
      environment: "vlantest",
      cloudsigma: {
        ...config.cloudsigma,
        privateVlan: vlan.id,
        retry: { attempts: 3, baseMs: 10, maxMs: 50 },
      },
    });
    const provider = new CloudSigmaProvider({
      apiUrl: leaky.url,
      credentials,
      config: vlanConfig.cloudsigma,
    });
    const channel = new MemoryChannel();
    const store = new FleetStore(db.pool);
    const fleet = new FleetController({
      provider,
      store,
      config: vlanConfig,
      alerter: new Alerter(alertsConfigSchema.parse({}), [channel], db.pool),
      workerAccess: () => ({ serverUrl: "http://10.0.0.1:8080", fingerprint: null }),
    });
    await store.planCycle("vlantest", "c1", new Date(Date.now() + 5_000), 2); // within any lead time
    const up = await fleet.reconcile();
    assert.equal(up.created.length, 2, JSON.stringify(up));
    assert.equal(up.leaks?.leaks, 0);
    for (const server of leaky.state.servers.list().filter((s) => s.name.startsWith("cb-vlantest-"))) {
      assert.ok(
        server.nics.some((n) => n.vlan === vlan.id),
        "a NIC on the private VLAN",
      );
    }
    await store.setCycleState("vlantest", "c1", "delivered");
    await fleet.reconcile();
    const leaks = await fleet.checkLeaks();
    assert.equal(leaks.leaks, 1);
    const alert = channel.alerts.find((a) => a.key.includes(":leak:vlan:"));
    assert.ok(alert);
    assert.match(alert.text, /billed for 2 deleted server/);
  } finally {
    await leaky.stop();
  }
});

test("a 402 on start refuses the cycle, alerts once, and the clones that cannot start are removed", async () => {
  const poor = await startCloudSigmaSimulator({
    timeScale: 0.01,
    launchGuests: false,
    stateFile: null,
    balance: 1,
  });
  try {
    // fundedDays 0 skips our own funds check, so the provider's 402 is what stops the start.
    const poorConfig = fleetConfigSchema.parse({ ...config, environment: "poor", fundedDays: 0 });
    const provider = new CloudSigmaProvider({
      apiUrl: poor.url,
      credentials: { token: poor.credentials.token },
      config: poorConfig.cloudsigma,
    });
    const channel = new MemoryChannel();
    const store = new FleetStore(db.pool);
    const fleet = new FleetController({
      provider,
      store,
      config: poorConfig,
      alerter: new Alerter(alertsConfigSchema.parse({}), [channel], db.pool),
      workerAccess: () => ({ serverUrl: "http://10.0.0.1:8080", fingerprint: null }),
    });
    await store.planCycle("poor", "c1", new Date(Date.now() + 5_000), 2);
    const first = await fleet.reconcile();
    assert.deepEqual(first.refused, ["c1"]);
    assert.equal(first.failed.length, 2);
    assert.equal((await store.cycle("poor", "c1"))?.state, "refused");
    const alerts = channel.alerts.filter((a) => a.httpCode === 402);
    assert.equal(alerts.length, 1, "one alert for the same problem");
    assert.match(alerts[0]!.meaning ?? "", /not enough funds/);
    await fleet.reconcile();
    assert.deepEqual(
      (await provider.listNodes()).map((n) => n.name),
      ["cloudburst-golden"],
    );
  } finally {
    await poor.stop();
  }
});

test("simulated servers run real `cloudburst worker`s from our user data, working for the data role", async () => {
  const withGuests = await startCloudSigmaSimulator({ timeScale: 0.01, stateFile: null });
  const dataRole = await startWorkerServer(db);
  try {
    const guestConfig = fleetConfigSchema.parse({ ...config, environment: "guests" });
    const provider = new CloudSigmaProvider({
      apiUrl: withGuests.url,
      credentials: { token: withGuests.credentials.token },
      config: guestConfig.cloudsigma,
    });
    const store = new FleetStore(db.pool);
    const fleet = new FleetController({
      provider,
      store,
      config: guestConfig,
      workerAccess: () => ({ serverUrl: dataRole.url, fingerprint: null }),
    });
    // Each guest's worker is named after its own server, as the flow history shows where a job ran.
    const ready = () =>
      new Set(
        withGuests.state
          .guests()
          .map(
            (g) =>
              existsSync(g.log) && /worker (cb-guests-c1-\S+) ready/.exec(readFileSync(g.log, "utf8"))?.[1],
          )
          .filter(Boolean),
      ).size;
    await store.planCycle("guests", "c1", new Date(Date.now() + 5_000), 2);
    const report = await fleet.reconcile();
    assert.equal(report.created.length, 2, JSON.stringify(report));
    for (let i = 0; i < 600 && ready() < 2; i++) await new Promise((r) => setTimeout(r, 200));
    const consoles = withGuests.state
      .guests()
      .map((g) => `${g.log}:\n${existsSync(g.log) ? readFileSync(g.log, "utf8") : "(none)"}`);
    assert.equal(ready(), 2, `both guests run a worker that reached the data role:\n${consoles.join("\n")}`);
    // The worker's credentials were written in each guest's own root, as write_files says, not the host's.
    assert.equal(existsSync("/etc/cloudburst/worker.env"), false);
    const tokens = withGuests.state.guests().map((g) => {
      const file = join(dirname(g.log), "root", "etc", "upper", "cloudburst", "worker.env");
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const env = readFileSync(file, "utf8");
      assert.doesNotMatch(env, /postgres|DATABASE_URL|PASSWORD/i);
      return /^CLOUDBURST_WORKER_TOKEN=(cb_\S+)$/m.exec(env)![1]!;
    });
    await store.setCycleState("guests", "c1", "processed");
    await fleet.reconcile();
    assert.deepEqual(
      (await provider.listNodes()).map((n) => n.name),
      ["cloudburst-golden"],
    );
    // The nodes are gone, and their tokens with them.
    for (const token of tokens) {
      const client = new ServerClient({ url: dataRole.url, token });
      await assert.rejects(client.hello("after"), (e: ServerRequestError) => e.status === 401);
      client.close();
    }
  } finally {
    await withGuests.stop();
    await dataRole.close();
  }
});
