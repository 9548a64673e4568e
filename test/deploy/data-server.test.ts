// The data server provisioned by its user data (issue 15): a control-only server, its fleet on the
// CloudSigma simulator, starts the data server VM for a cycle with user data that holds only the
// control role's URL, its fingerprint and a token of the cycle; the guest (a root and an environment of
// its own) takes the data role's settings from the control role and serves the data role; the control
// role's `cycle.data-server start` waits for its /readyz. Real servers, a real PostgreSQL.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fetch } from "undici";
import { stringify } from "yaml";
import { type RunningServer, startServer } from "../../src/app/server.ts";
import { createToken, revokeNodeTokens } from "../../src/auth/tokens.ts";
import { loadConfig } from "../../src/config/load.ts";
import { cycleContext } from "../../src/cycle/context.ts";
import { runDataServerAction } from "../../src/cycle/control-actions.ts";
import { cycleKey } from "../../src/cycle/names.ts";
import { type RunningSimulator, startCloudSigmaSimulator } from "../../src/sim/cloudsigma/index.ts";
import { encodeStep } from "../../src/sim/ecmwf/encode.ts";
import { globalGrid, newAccumulation } from "../../src/sim/ecmwf/fields.ts";
import { legacyDisseminationName } from "../../src/sim/ecmwf/names.ts";
import { LocalStore } from "../../src/store/store.ts";
import { freePort } from "../../src/system/processes.ts";
import { pinnedDispatcher } from "../../src/system/tls.ts";
import { runCli, tempDir } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

describe("the data server, provisioned by its user data", () => {
  const dir = tempDir("cb-data-server-");
  const guests = join(dir, "guests");
  const baseTime = new Date("2026-12-07T00:00:00Z");
  let sim: RunningSimulator;
  let db: TestDatabase;
  let control: RunningServer;
  let dataUrl: string;
  const ftpPassword = "ftp-secret-of-the-control-host";

  before(async () => {
    db = await createTestDatabase();
    sim = await startCloudSigmaSimulator({ timeScale: 0.01, stateFile: null, guestDir: guests });
    sim.state.servers.create([{ name: "cloudburst-data", cpu: 2000, mem: 4 * 2 ** 30, vnc_password: "x" }]);
    const [controlPort, dataPort, ftpPort] = [await freePort(), await freePort(), await freePort()];
    dataUrl = `https://127.0.0.1:${dataPort}`;
    const file = join(dir, "cloudburst.yaml");
    writeFileSync(
      file,
      stringify({
        server: { host: "127.0.0.1", port: controlPort, tls: { enabled: true } },
        ingest: { ftp: { port: ftpPort, users: [{ name: "ecmwf", passwordEnv: "CB_FTP_PASSWORD" }] } },
        fleet: {
          provider: "cloudsigma",
          computeNodes: 0,
          workerServerUrl: dataUrl,
          controlUrl: `https://127.0.0.1:${controlPort}`,
          reconcileIntervalSeconds: 3600,
          cloudsigma: { apiUrl: sim.url, dataServer: "cloudburst-data" },
        },
      }),
    );
    const config = loadConfig({
      file,
      env: {
        DATABASE_URL: db.url,
        CB_FTP_PASSWORD: ftpPassword,
        CLOUDSIGMA_USERNAME: sim.credentials.username,
        CLOUDSIGMA_PASSWORD: sim.credentials.password,
      },
    });
    control = await startServer(config, { roles: new Set(["control"]) });
  });
  after(async () => {
    await control?.stop();
    await sim?.stop();
    await db?.drop();
  });

  const dataServer = () => sim.state.servers.list().find((s) => s.name === "cloudburst-data")!;
  const userDataOf = () =>
    Buffer.from(String(dataServer().meta["cloudinit-user-data"] ?? ""), "base64").toString("utf8");

  it("starts the data server for a cycle, and waits for the data role it runs to be ready", async () => {
    const lines: string[] = [];
    const cycle = cycleContext({
      settings: loadConfig({ cwd: dir }).cycle,
      db: control.db,
      store: new LocalStore(join(dir, "control-store")),
      products: [],
      fleet: control.fleet,
      dataRole: () => ({ serverUrl: dataUrl, fingerprint: control.fingerprint }),
    });
    const stop = AbortSignal.timeout(120_000);
    await runDataServerAction(cycle, {
      args: ["start"],
      variables: { CB_CYCLE: baseTime.toISOString(), CB_NODES: "0" },
      task: { events: [], meters: [], labels: [] },
      signal: stop,
      log: (line) => lines.push(line),
      report: async () => undefined,
    }).catch((error: unknown) => {
      const consoles = readdirSync(join(guests, "guests"))
        .map((g) => readFileSync(join(guests, "guests", g, "console.log"), "utf8"))
        .join("\n");
      throw new Error(`${(error as Error).message}\n${lines.join("\n")}\nguest console:\n${consoles}`);
    });
    assert.equal(dataServer().status, "running");
    assert.match(lines.at(-1)!, new RegExp(`data role at ${dataUrl} ready for`));
  });

  it("gave the data server no database URL and no password, only the control role's URL, its fingerprint and a token", () => {
    const userData = userDataOf();
    assert.match(userData, /CLOUDBURST_CONTROL_URL=https:\/\/127\.0\.0\.1:\d+/);
    assert.ok(userData.includes(`CLOUDBURST_CONTROL_FINGERPRINT=${control.fingerprint}`));
    assert.match(userData, /CLOUDBURST_DATA_TOKEN=cb_/);
    assert.match(userData, /cloudburst server --roles data/);
    for (const secret of ["postgres", ftpPassword, sim.credentials.password, "DATABASE_URL"])
      assert.ok(!userData.includes(secret), `the user data holds ${secret}`);
  });

  it("`fleet user-data data` prints it for review, its token a placeholder", async () => {
    const printed = await runCli(["fleet", "user-data", "data", "--config", join(dir, "cloudburst.yaml")], {
      env: { ...process.env, DATABASE_URL: db.url },
    });
    assert.equal(printed.code, 0, printed.stderr);
    assert.ok(printed.stdout.includes(`CLOUDBURST_CONTROL_FINGERPRINT=${control.fingerprint}`));
    assert.match(printed.stdout, /CLOUDBURST_DATA_TOKEN='<minted for each cycle/);
    assert.ok(!printed.stdout.includes("postgres"));
  });

  it("runs the data role in the guest: it ingests into the shared catalogue and stores in its own root", async () => {
    const token = await createToken(control.db.pool, "data-server-test");
    const grid = globalGrid(10);
    const name = legacyDisseminationName("A1", "D", baseTime, 0);
    const body = encodeStep(
      { pressureLevels: [], modelLevels: [] },
      grid,
      baseTime,
      0,
      newAccumulation(grid),
    );
    const dispatcher = pinnedDispatcher(control.fingerprint!);
    try {
      const put = await fetch(`${dataUrl}/api/ingest/${name}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
        body: Buffer.from(body),
        dispatcher,
      });
      assert.equal(put.status, 201, await put.text());
    } finally {
      await dispatcher.close();
    }
    const fields = await control.db.pool.query<{ n: number }>(
      "select count(*)::int as n from field where base_time = $1",
      [baseTime],
    );
    assert.ok(fields.rows[0]!.n > 0, "the data role in the guest registered the file's fields");
    // Its store is under its own root (/var/lib/cloudburst in the guest), not on this host.
    const uuid = dataServer().uuid;
    const own = join(guests, "guests", uuid, "root", "var", "upper", "lib", "cloudburst", "data", "store");
    assert.ok(existsSync(own), `the data role's store is in the guest's own /var (${own})`);
  });

  it("refuses the data server's token to operators' routes, and once its cycle has ended", async () => {
    const token = /CLOUDBURST_DATA_TOKEN=(\S+)/.exec(userDataOf())![1]!.replace(/^'|'$/g, "");
    const get = async (path: string, bearer: string) => {
      const dispatcher = pinnedDispatcher(control.fingerprint!);
      try {
        const response = await fetch(`${control.url}${path}`, {
          headers: { authorization: `Bearer ${bearer}` },
          dispatcher,
        });
        return { status: response.status, body: (await response.json()) as unknown };
      } finally {
        await dispatcher.close();
      }
    };
    assert.equal((await get("/api/fleet/cycles", token)).status, 403);
    const settings = await get("/api/data-role/settings", token);
    assert.equal(settings.status, 200);
    const handed = settings.body as { environment: Record<string, string> };
    assert.equal(handed.environment["CB_FTP_PASSWORD"], ftpPassword, "the FTP users' secret is handed over");
    assert.equal(handed.environment["DATABASE_URL"], db.url);
    const operator = await createToken(control.db.pool, "operator-reads-settings");
    assert.equal((await get("/api/data-role/settings", operator)).status, 403, "not even to an operator");
    await revokeNodeTokens(control.db.pool, { cycle: cycleKey("ecmf", baseTime) });
    assert.equal((await get("/api/data-role/settings", token)).status, 401);
  });
});
