// A compute node loses its network path to the data role in the middle of a product job (issue 15):
// the link is cut while the job fetches its inputs, cut again after the data role stored an upload but
// before its answer got back, and in a second job the data role's HTTP server restarts on its port.
// The node's calls are retried, and the product is made once: one try of the task, one catalogue row
// per field with one set of lineage, one stored file, one delivery. Real PostgreSQL, a real
// `cloudburst worker` process that knows only the data role's URL and its node token, real HTTP
// through a loopback TCP proxy whose link is cut.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { createNodeToken } from "../../src/auth/tokens.ts";
import { loadConfig } from "../../src/config/load.ts";
import { LocalProductData } from "../../src/cycle/local-data.ts";
import type { ProductData } from "../../src/cycle/product-data.ts";
import { type CycleProductSpec, cycleProducts } from "../../src/cycle/products.ts";
import { beginSuite, loadSuites } from "../../src/flow/engine/commands.ts";
import { taskOutput } from "../../src/flow/engine/queries.ts";
import { describeMessage } from "../../src/ingest/describe.ts";
import { IngestPipeline } from "../../src/ingest/pipeline.ts";
import { buildApp } from "../../src/server/app.ts";
import { encodeStep } from "../../src/sim/ecmwf/encode.ts";
import { globalGrid, newAccumulation } from "../../src/sim/ecmwf/fields.ts";
import { legacyDisseminationName } from "../../src/sim/ecmwf/names.ts";
import { LocalStore } from "../../src/store/store.ts";
import { directBackend, type WorkerBackend } from "../../src/worker/backend.ts";
import { TcpProxy } from "../fleet/tcp-proxy.ts";
import { transitions, waitUntil } from "../flow/engine-helpers.ts";
import { spawnCli, stopChild, tempDir, waitForOutput } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { startTestEngine, type TestEngine } from "../helpers/flow.ts";

const baseTime = new Date("2026-11-24T06:00:00Z");
const suite = "netcut";
/** The product task of the suite made for `step`. */
const task = (step: number) => `/${suite}_${step}/products/step_00${step}/windvector`;

/** A file tree's files, relative to `root`. */
function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

/** The data role's HTTP server (worker protocol, fields, uploads) on `port`, as `cloudburst server` runs it. */
async function startDataRole(
  db: TestDatabase,
  parts: { store: LocalStore; products: CycleProductSpec[]; productData: ProductData },
  port = 0,
): Promise<{ app: FastifyInstance; backend: WorkerBackend; port: number }> {
  const backend = await directBackend(db.url, { concurrency: 4, pool: db.pool });
  const app = await buildApp({
    pool: db.pool,
    workerBackend: backend,
    store: parts.store,
    cycle: { products: parts.products, productData: parts.productData },
  });
  await app.listen({ host: "127.0.0.1", port });
  return { app, backend, port: (app.server.address() as { port: number }).port };
}

describe("a compute node whose path to the data role is cut mid-job", () => {
  const dir = tempDir("cb-netcut-");
  const destination = join(dir, "delivered");
  let db: TestDatabase;
  let engine: TestEngine;
  let store: LocalStore;
  let proxy: TcpProxy;
  let dataRole: Awaited<ReturnType<typeof startDataRole>>;
  let worker: ChildProcess;
  let workerLog = "";
  let products: CycleProductSpec[];
  /** Runs once after the data role has stored, registered and delivered an upload, before it answers. */
  let afterPublish: (() => Promise<void>) | null = null;
  /** Runs once when the data role is next asked for a path beginning so (e.g. a field's message). */
  let onRequest: { path: string; hook: () => void } | null = null;
  const published: Array<{ name: string; productIds: number[] }> = [];

  let productData: ProductData;

  before(async () => {
    db = await createTestDatabase();
    store = new LocalStore(join(dir, "store"));
    const config = loadConfig({ cwd: dir, env: { DATABASE_URL: db.url } });
    products = cycleProducts(config).filter((p) => p.name === "windvector");
    // Steps 0 to 2 of the simulated stream at 1°: 10u/10v and u/v on 850 and 500 hPa among them.
    const pipeline = new IngestPipeline({ pool: db.pool, store, describe: describeMessage });
    const accumulation = newAccumulation(globalGrid(1));
    for (const step of [0, 1, 2]) {
      const path = join(dir, legacyDisseminationName("A1", "D", baseTime, step));
      writeFileSync(
        path,
        encodeStep(
          { pressureLevels: [850, 500], modelLevels: [] },
          globalGrid(1),
          baseTime,
          step,
          accumulation,
        ),
      );
      await pipeline.submit({ path, source: "test", mode: "copy", producer: "ecmf" });
    }
    const local = new LocalProductData(db, store, { producer: "ecmf", destination });
    productData = {
      inputs: (...args) => local.inputs(...args),
      read: (field) => local.read(field),
      async publish(file, job) {
        const result = await local.publish(file, job);
        published.push({ name: result.name, productIds: result.productIds });
        const hook = afterPublish;
        afterPublish = null;
        await hook?.();
        return result;
      },
    };
    dataRole = await startDataRole(db, { store, products, productData });
    watchRequests(dataRole.app);
    proxy = await TcpProxy.start({ host: "127.0.0.1", port: dataRole.port });
    engine = await startTestEngine(db, { tickMs: 500, controlConcurrency: 0 });
    const token = await createNodeToken(db.pool, {
      node: "netcut-node",
      cycle: "ecmf/2026112406",
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CLOUDBURST_SERVER_URL: `http://127.0.0.1:${proxy.port}`,
      CLOUDBURST_WORKER_TOKEN: token,
    };
    delete env["DATABASE_URL"];
    worker = spawnCli(["worker", "--name", "netcut-node"], { env, cwd: tempDir("cb-netcut-node-") });
    worker.stdout!.on("data", (d: Buffer) => {
      workerLog += d.toString();
    });
    worker.stderr!.on("data", (d: Buffer) => {
      workerLog += d.toString();
    });
    await waitForOutput(worker, /worker netcut-node ready/);
  });

  after(async () => {
    if (worker) await stopChild(worker);
    await engine?.stop();
    await proxy?.close();
    await dataRole?.app.close();
    await dataRole?.backend.close();
    await db?.drop();
  });

  function watchRequests(app: FastifyInstance): void {
    app.server.prependListener("request", (request: { url?: string }) => {
      if (!onRequest || !request.url?.startsWith(onRequest.path)) return;
      const { hook } = onRequest;
      onRequest = null;
      hook();
    });
  }

  /** A suite of the product job at `step`, begun; one try only, so that a retried job would show as a failure. */
  async function runStep(step: number): Promise<void> {
    const name = `${suite}_${step}`;
    await loadSuites(
      db.pool,
      [
        `suite ${name}`,
        `  edit CB_CYCLE '${baseTime.toISOString()}'`,
        "  edit ECF_TRIES 1",
        "  family products",
        `    family step_00${step}`,
        `      edit STEP '${step}'`,
        "      task windvector",
        "        label cpu ''",
        "        edit CB_ACTION 'cycle.product windvector'",
        "        edit CB_QUEUE 'compute'",
        "    endfamily",
        "  endfamily",
        "endsuite",
        "",
      ].join("\n"),
      `${name}.def`,
      { actor: "test" },
    );
    await beginSuite(db.pool, name, "test");
  }

  async function finished(step: number): Promise<Array<{ to: string; actor: string }>> {
    const path = task(step);
    await waitUntil(
      `${path} complete or aborted`,
      async () => (await transitions(db.pool, path)).some((t) => t.to === "complete" || t.to === "aborted"),
      120_000,
    );
    const log = (await taskOutput(db.pool, path)).lines.map((l) => l.line).join("\n");
    const history = await transitions(db.pool, path);
    assert.deepEqual(
      history.map((t) => `${t.to} by ${t.actor}`),
      ["submitted by engine", "active by netcut-node", "complete by netcut-node"],
      `one try, made on the node; its log:\n${log}\nworker:\n${workerLog.slice(-3000)}`,
    );
    return history;
  }

  /** The catalogue, the store and the destination hold each of the step's files once, from try 1. */
  async function assertMadeOnce(step: number): Promise<void> {
    const rows = await db.pool.query<{ id: string; job_id: string; storage_uri: string; inputs: string }>(
      `select p.id, p.job_id, p.storage_uri, (select count(*) from product_input i
          where i.base_time = p.base_time and i.product_id = p.id) as inputs
         from product p where p.end_step = $1 order by p.id`,
      [step],
    );
    assert.ok(rows.rows.length >= 3, `10 m, 850 and 500 hPa wind products: ${rows.rows.length}`);
    const names = [...new Set(published.map((p) => p.name))].filter((n) =>
      rows.rows.some((r) => r.storage_uri.endsWith(`/${n}`)),
    );
    // Every upload of a file (the retried one too) registered the same catalogue rows, not new ones.
    for (const name of names) {
      const ids = published.filter((p) => p.name === name).map((p) => p.productIds.join(","));
      assert.equal(new Set(ids).size, 1, `${name} registered as ${ids.join(" then ")}`);
    }
    const inputs = await db.pool.query<{ n: string }>("select count(*) as n from field where end_step = $1", [
      step,
    ]);
    for (const row of rows.rows) {
      assert.match(row.job_id, new RegExp(`step_00${step}/windvector try 1$`));
      // Lineage once: each product's inputs are the job's input fields, no more.
      assert.ok(Number(row.inputs) > 0 && Number(row.inputs) <= Number(inputs.rows[0]!.n), row.inputs);
    }
    const uris = [...new Set(rows.rows.map((r) => r.storage_uri))];
    assert.equal(uris.length, names.length);
    const stored = filesUnder(join(dir, "store", "products")).filter((f) => uris.some((u) => u.endsWith(f)));
    assert.equal(stored.length, uris.length, `stored: ${stored.join(", ")}`);
    const deliveries = await db.pool.query<{ name: string; state: string; attempts: number }>(
      "select name, state, attempts from delivery where step = $1 order by name",
      [step],
    );
    assert.deepEqual(
      deliveries.rows.map((d) => `${d.name.split("/").pop()} ${d.state} ${d.attempts}`),
      names.sort().map((n) => `${n} delivered 1`),
      "one delivery of each file, sent once",
    );
    const delivered = filesUnder(destination).filter((f) => f.includes(`/windvector/`));
    assert.deepEqual(
      delivered.map((f) => f.split("/").pop()).filter((f) => names.includes(f!)),
      names.sort(),
    );
  }

  it("retries a cut fetch and a cut upload answer, and makes the product once", async () => {
    const restoreSoon = () => setTimeout(() => void proxy.restore(), 1500);
    onRequest = { path: "/api/worker/fields/", hook: () => void proxy.cut().then(restoreSoon) };
    afterPublish = async () => {
      await proxy.cut();
      restoreSoon();
    };
    await runStep(0);
    await finished(0);
    assert.match(workerLog, /field \d+: attempt 1 failed/, "the fetch was cut");
    assert.match(workerLog, /the upload of \S+: attempt 1 failed/, "the upload's answer was cut");
    const uploads = published.map((p) => p.name);
    assert.ok(uploads.length > new Set(uploads).size, `one file uploaded twice: ${uploads.join(", ")}`);
    await assertMadeOnce(0);
  });

  it("waits for the data role's HTTP server to come back on its port, and makes the product once", async () => {
    const port = dataRole.port;
    let restarted: Promise<void> | null = null;
    const logged = workerLog.length;
    onRequest = {
      path: "/api/worker/fields/",
      hook: () => {
        restarted = (async () => {
          // As a crash would: every connection dropped at once, the port closed for a while.
          const closing = dataRole.app.close();
          dataRole.app.server.closeAllConnections();
          await closing;
          await dataRole.backend.close();
          await new Promise((r) => setTimeout(r, 1500));
          dataRole = await startDataRole(db, { store, products, productData }, port);
          watchRequests(dataRole.app);
        })();
      },
    };
    await runStep(1);
    await finished(1);
    assert.ok(restarted, "the data role restarted mid-job");
    await restarted;
    assert.match(workerLog.slice(logged), /field \d+: attempt 1 failed/, "a fetch met the restart");
    await assertMadeOnce(1);
  });

  it("retries the job's reports when the link drops as it reports, and runs it once", async () => {
    const logged = workerLog.length;
    // The first report after an upload is the job's cpu label; its complete follows while still cut.
    afterPublish = async () => {
      onRequest = {
        path: "/api/worker/child",
        hook: () => void proxy.cut().then(() => setTimeout(() => void proxy.restore(), 2500)),
      };
    };
    await runStep(2);
    await finished(2);
    assert.equal(onRequest, null, "a report was cut");
    assert.match(workerLog.slice(logged), /the \w+ report of \S+: attempt 1 failed/);
    await assertMadeOnce(2);
  });
});
