// The control and data roles in processes of their own (issue 15): the cycle's `cycle.data-server
// start`, run by the control role, waits for the data role it does not hold to answer /readyz at its
// configured address (TLS, certificate pinned), saying why while it waits; without an address, a clear
// error. Real servers (src/app's startServer), a real PostgreSQL.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type RunningServer, startServer } from "../../src/app/server.ts";
import { loadConfig } from "../../src/config/load.ts";
import { cycleContext } from "../../src/cycle/context.ts";
import { runDataServerAction } from "../../src/cycle/control-actions.ts";
import type { DataRoleAddress } from "../../src/cycle/data-role.ts";
import { LocalStore } from "../../src/store/store.ts";
import { freePort } from "../../src/system/processes.ts";
import { tempDir } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

describe("control and data roles apart", () => {
  let db: TestDatabase;
  const servers: RunningServer[] = [];
  const dataDir = tempDir("cb-roles-data-");

  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    for (const server of servers) await server.stop();
    await db.drop();
  });

  /** The data role alone, over HTTPS with a certificate generated for it. */
  async function startDataRole(port: number): Promise<RunningServer> {
    const config = loadConfig({ cwd: dataDir, env: { DATABASE_URL: db.url } });
    config.server.tls.enabled = true;
    const server = await startServer(config, { roles: new Set(["data"]), host: "127.0.0.1", port });
    servers.push(server);
    return server;
  }

  /** `cycle.data-server start` as the control role runs it: no ingest here, the data role elsewhere. */
  function startAction(dataRole: DataRoleAddress | null, signal: AbortSignal, lines: string[]) {
    const config = loadConfig({ cwd: tempDir("cb-roles-control-"), env: { DATABASE_URL: db.url } });
    const cycle = cycleContext({
      settings: config.cycle,
      db,
      store: new LocalStore(join(dataDir, "control-store")),
      products: [],
      dataRole: () => dataRole,
    });
    return runDataServerAction(cycle, {
      args: ["start"],
      variables: { CB_CYCLE: "2026-12-06T12:00:00Z" },
      task: { events: [], meters: [], labels: [] },
      signal,
      log: (line) => lines.push(line),
      report: async () => undefined,
    });
  }

  it("waits for the data role to be ready at its address, saying why, then goes on", async () => {
    const port = await freePort();
    const lines: string[] = [];
    const stop = new AbortController();
    // The data role's certificate is known before it starts (generated once into its data directory).
    const first = await startDataRole(port);
    const address = { serverUrl: first.url, fingerprint: first.fingerprint };
    await first.stop();
    servers.length = 0;
    let done = false;
    const waiting = startAction(address, stop.signal, lines).then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(done, false, "the action waits while the data role is down");
    assert.match(lines.join("\n"), /is not ready yet: ECONNREFUSED/);
    await startDataRole(port);
    await waiting;
    assert.match(lines.at(-1)!, new RegExp(`data role at ${address.serverUrl} ready for ecmf/2026120612`));
  });

  it("refuses a data role whose certificate is not the pinned one", async () => {
    const server = servers[0]!;
    const lines: string[] = [];
    const stop = new AbortController();
    const wrong = { serverUrl: server.url, fingerprint: "AA:".repeat(31) + "AA" };
    const waiting = startAction(wrong, stop.signal, lines);
    await new Promise((r) => setTimeout(r, 1200));
    stop.abort();
    await assert.rejects(waiting);
    assert.match(lines.join("\n"), /not ready yet: .*(certificate|fingerprint)/i);
  });

  it("without the data role's address, a clear error saying what to set", async () => {
    await assert.rejects(
      startAction(null, new AbortController().signal, []),
      /does not hold the data role.*fleet\.workerServerUrl/,
    );
  });
});
