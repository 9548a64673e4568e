// The whole server when PostgreSQL goes away (issue 17): a real server (src/app's startServer, every
// role) whose DATABASE_URL goes through a TCP proxy that cuts the link. The process stays up (/healthz),
// /readyz says 503 while the database is gone, and when it is back every LISTEN connection is open
// again, a suite loaded afterwards runs, and a suite that ran through the cut finishes with every task
// run exactly once; a file that arrived meanwhile is registered once.
import assert from "node:assert/strict";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { type RunningServer, startServer } from "../../src/app/server.ts";
import { loadConfig } from "../../src/config/load.ts";
import { beginSuite, loadSuites } from "../../src/flow/engine/commands.ts";
import { TcpProxy } from "../fleet/tcp-proxy.ts";
import { allComplete, waitUntil } from "../flow/engine-helpers.ts";
import { tempDir } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

/** The server's LISTEN connections, by application name: each must be open again after a cut. */
const listeners = ["cloudburst-events", "cloudburst-flow-listen", "cloudburst-worker-listen"];
const cutMs = 3000;
const sample = join(import.meta.dirname, "../../../shared/data/himan-dev/dewpoint/source.grib");

describe("the server when the database goes away", () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let server: RunningServer;
  const dropDir = tempDir("cb-dbloss-drop-");
  const crashes: string[] = [];
  const onCrash = (error: unknown) => crashes.push((error as Error)?.stack ?? String(error));

  before(async () => {
    process.on("unhandledRejection", onCrash);
    process.on("uncaughtException", onCrash);
    db = await createTestDatabase();
    const target = new URL(db.url);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port) });
    const config = loadConfig({ cwd: tempDir("cb-dbloss-"), env: { DATABASE_URL: proxy.via(db.url) } });
    config.log.level = "fatal";
    config.ingest.watch = [{ dir: dropDir, producer: "watched", settleMs: 0, pollMs: 100 }];
    server = await startServer(config, { host: "127.0.0.1", port: 0 });
  });
  after(async () => {
    await proxy.restore().catch(() => undefined);
    await server?.stop();
    await proxy.close();
    await db.drop();
    process.off("unhandledRejection", onCrash);
    process.off("uncaughtException", onCrash);
  });
  afterEach(() => {
    assert.deepEqual(crashes.splice(0), [], "nothing crashed (an unhandled rejection or uncaught exception)");
  });

  const status = async (path: string) => (await fetch(`${server.url}${path}`)).status;

  /** Cuts the database for cutMs, checking the server answers as it should meanwhile. */
  async function cutAWhile(): Promise<void> {
    await proxy.cut();
    await waitUntil("/readyz to say 503", async () => (await status("/readyz")) === 503, 10_000);
    const until = Date.now() + cutMs;
    while (Date.now() < until) {
      assert.equal(await status("/healthz"), 200, "the process keeps serving");
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.equal(await status("/readyz"), 503);
    await proxy.restore();
    await waitUntil("/readyz to say 200", async () => (await status("/readyz")) === 200, 15_000);
  }

  async function openListeners(): Promise<string[]> {
    const result = await db.pool.query<{ name: string }>(
      `select distinct application_name as name from pg_stat_activity
        where datname = current_database() and application_name = any($1)`,
      [listeners],
    );
    return result.rows.map((r) => r.name).sort();
  }

  async function runSuite(name: string, tasks: number, action: string): Promise<void> {
    const lines = [`suite ${name}`, "  edit CB_QUEUE control", `  edit CB_ACTION "${action}"`];
    for (let i = 0; i < tasks; i++)
      lines.push(`  task t${i}`, ...(i ? [`    trigger t${i - 1} == complete`] : []));
    await loadSuites(db.pool, [...lines, "endsuite", ""].join("\n"), `${name}.def`, { actor: "test" });
    await beginSuite(db.pool, name, "test");
  }

  /**
   * Every task of the suite ran exactly once: started once and completed once. (A job the worker was
   * taking as the link went is taken in the queue but never reaches the worker: it is retried after
   * its heartbeat timeout as a second try that runs once. See issue 17's report.)
   */
  async function assertRunOnce(suite: string, tasks: number): Promise<void> {
    const runs = await db.pool.query<{ path: string; active: string; complete: string }>(
      `select n.path,
              count(*) filter (where h.to_state = 'active') as active,
              count(*) filter (where h.to_state = 'complete') as complete
         from flow_node n join flow_suite s on s.id = n.suite_id
         left join flow_history h on h.suite_id = n.suite_id and h.path = n.path
        where s.name = $1 and n.kind = 'task' group by n.path order by n.path`,
      [suite],
    );
    assert.equal(runs.rows.length, tasks);
    for (const r of runs.rows)
      assert.deepEqual(
        { path: r.path, active: Number(r.active), complete: Number(r.complete) },
        { path: r.path, active: 1, complete: 1 },
      );
  }

  it("is ready with every listener open before the cut", async () => {
    assert.equal(await status("/readyz"), 200);
    await waitUntil("the listeners", async () => (await openListeners()).length === listeners.length, 10_000);
  });

  it("survives a cut while idle, listens again, and runs a suite loaded afterwards", async () => {
    await cutAWhile();
    await waitUntil(
      "every LISTEN connection open again",
      async () => (await openListeners()).join() === [...listeners].sort().join(),
      15_000,
    );
    await runSuite("after", 3, "noop");
    await waitUntil(
      "the suite loaded after the cut to complete",
      () => allComplete(db.pool, "after"),
      30_000,
    );
    await assertRunOnce("after", 3);
  });

  it("survives a cut while a suite runs, and finishes it with every task run once", async () => {
    await runSuite("through", 8, "sleep 0.4");
    await waitUntil("a task to complete", async () => {
      const done = await db.pool.query(
        "select 1 from flow_node n join flow_suite s on s.id = n.suite_id where s.name = 'through' and n.kind = 'task' and n.state = 'complete'",
      );
      return done.rowCount! > 0;
    });
    await cutAWhile();
    await waitUntil("the suite to complete", () => allComplete(db.pool, "through"), 60_000);
    await assertRunOnce("through", 8);
  });

  it("registers, once, a file that arrived while the database was gone", async () => {
    await proxy.cut();
    await waitUntil("/readyz to say 503", async () => (await status("/readyz")) === 503, 10_000);
    copyFileSync(sample, join(dropDir, "dropped.grib"));
    await new Promise((r) => setTimeout(r, 2000));
    await proxy.restore();
    // Found again by ingest's sweep, which runs every minute.
    const rows = await waitUntil(
      "the file to be registered",
      async () => {
        const result = await db.pool.query<{ version: number; state: string }>(
          "select version, state from ingest_file where name = 'dropped.grib'",
        );
        return result.rows.length ? result.rows : null;
      },
      120_000,
    );
    assert.deepEqual(rows, [{ version: 1, state: "registered" }]);
  });
});
