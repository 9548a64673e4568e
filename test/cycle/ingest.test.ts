// The cycle suite's ingest task on the real flow engine, PostgreSQL and ingest pipeline: each registered
// step file moves ingest/receive's meter `step`, the step families wait on it (as well as on their
// inputs), a file ahead of its turn moves it without waiting for a missing step, a control-server
// restart resumes from the catalogue, and the task completes when every planned step is in.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadConfig } from "../../src/config/load.ts";
import { catalogueDataSource, cycleActions } from "../../src/cycle/actions.ts";
import { type CycleContext, cycleContext } from "../../src/cycle/context.ts";
import { stepMeterValue } from "../../src/cycle/ingest-action.ts";
import { cycleSuiteName, plannedSteps } from "../../src/cycle/names.ts";
import { cycleProducts } from "../../src/cycle/products.ts";
import { cycleSuiteDefinition } from "../../src/cycle/suite.ts";
import { beginSuite, forceState, loadSuites } from "../../src/flow/engine/commands.ts";
import { taskOutput, whyNode } from "../../src/flow/engine/queries.ts";
import { describeMessage } from "../../src/ingest/describe.ts";
import { IngestPipeline } from "../../src/ingest/pipeline.ts";
import { encodeStep } from "../../src/sim/ecmwf/encode.ts";
import { globalGrid, newAccumulation } from "../../src/sim/ecmwf/fields.ts";
import { legacyDisseminationName } from "../../src/sim/ecmwf/names.ts";
import { LocalStore } from "../../src/store/store.ts";
import { taskStates, waitUntil } from "../flow/engine-helpers.ts";
import { tempDir } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { startTestEngine, type TestEngine } from "../helpers/flow.ts";

describe("the ingest task's step meter", () => {
  it("is the furthest planned step that is in", () => {
    const planned = [0, 1, 2, 3, 6];
    assert.equal(stepMeterValue(planned, new Set()), -1);
    assert.equal(stepMeterValue(planned, new Set([1, 2])), 2);
    assert.equal(stepMeterValue(planned, new Set([0, 1, 3])), 3);
    assert.equal(stepMeterValue(planned, new Set([0, 1, 2, 3, 4, 5])), 3);
    assert.equal(stepMeterValue(planned, new Set(planned)), 6);
  });

  it("reads the planned steps from CB_STEPS, and says what is wrong with them", () => {
    assert.deepEqual(plannedSteps({ CB_STEPS: "6, 0,1,1,3" }), [0, 1, 3, 6]);
    assert.deepEqual(plannedSteps({ CB_STEPS: "" }), []);
    assert.throws(
      () => plannedSteps({ CB_STEPS: "0,1.5" }),
      /CB_STEPS is "0,1.5": expected the cycle's steps/,
    );
  });
});

describe("ingest/receive on the flow engine", () => {
  const baseTime = new Date("2026-11-24T06:00:00Z");
  const suite = cycleSuiteName(baseTime);
  const receive = `/${suite}/ingest/receive`;
  const product = (step: number) => `/${suite}/products/step_00${step}/t2m_celsius`;
  let db: TestDatabase;
  let engine: TestEngine | null = null;
  let pipeline: IngestPipeline;
  let cycle: CycleContext;
  const dir = tempDir("cb-cycle-ingest-");
  const grid = globalGrid(10);
  const accumulation = newAccumulation(grid);

  before(async () => {
    db = await createTestDatabase();
    const store = new LocalStore(join(dir, "store"));
    // The cycle's context on this test's database, as the control role builds it from its configuration.
    const config = loadConfig({ cwd: dir, env: { DATABASE_URL: db.url } });
    cycle = cycleContext({
      settings: config.cycle,
      db,
      store,
      products: cycleProducts(config),
    });
    pipeline = new IngestPipeline({ pool: db.pool, store, describe: describeMessage });
  });
  after(async () => {
    await engine?.stop();
    await db?.drop();
  });

  /** Pushes a step's dissemination file through the real ingest pipeline, as the receivers do. */
  const arrive = async (step: number) => {
    const path = join(dir, legacyDisseminationName("A1", "D", baseTime, step));
    writeFileSync(
      path,
      encodeStep({ pressureLevels: [], modelLevels: [] }, grid, baseTime, step, accumulation),
    );
    const report = await pipeline.submit({ path, source: "test", mode: "copy", producer: "ecmf" });
    assert.ok(report.fieldsNew > 0, `step ${step} registered fields`);
  };
  const meter = async () => {
    const r = await db.pool.query<{ meters: Record<string, number>; state: string; try_no: number }>(
      "select meters, state, try_no from flow_node where path = $1",
      [receive],
    );
    return { value: r.rows[0]!.meters["step"], state: r.rows[0]!.state, tryNo: r.rows[0]!.try_no };
  };
  const outputHas = (pattern: RegExp) => async () =>
    (await taskOutput(db.pool, receive)).lines.some((l) => pattern.test(l.line));
  const start = async () => {
    engine = await startTestEngine(db, {
      tickMs: 500,
      controlConcurrency: 1,
      actions: cycleActions(() => cycle),
      dataSources: [catalogueDataSource(cycle)],
    });
  };

  it("moves the meter as step files are registered, holds the step families on it, and completes with the last", async () => {
    // Step 0 is in before the cycle's ingest task starts (as after a restart): it starts from there.
    await arrive(0);
    await loadSuites(
      db.pool,
      cycleSuiteDefinition({
        baseTime,
        products: [{ name: "t2m_celsius", steps: [0, 1, 2] }],
        computeNodes: 2,
      }),
      "cycle.def",
      { actor: "test" },
    );
    await beginSuite(db.pool, suite, "test");
    // No data server or fleet here: their tasks are done as far as this test is concerned.
    await forceState(db.pool, `/${suite}/data_server/start`, "complete", "test");
    await forceState(db.pool, `/${suite}/fleet/provision`, "complete", "test");
    await start();

    await waitUntil("meter step = 0 from the catalogue", async () => {
      const m = await meter();
      return m.state === "active" && m.value === 0;
    });
    // Step 0's product goes to the compute queue (no worker takes it here); step 1's waits on the meter.
    await waitUntil(
      "step 0's product submitted",
      async () => (await taskStates(db.pool, suite))[product(0)] === "submitted",
    );
    assert.equal((await taskStates(db.pool, suite))[product(1)], "queued");
    assert.ok(
      (await whyNode(db.pool, product(1), [catalogueDataSource(cycle)])).some((r) =>
        r.includes("../ingest/receive:step >= 1 is false"),
      ),
      (await whyNode(db.pool, product(1), [catalogueDataSource(cycle)])).join("; "),
    );

    // Step 2 before step 1 (step 1's file late, or quarantined): step 2's products do not wait for
    // step 1; step 1's wait for their own inputs, and the task says step 1 is awaited.
    await arrive(2);
    await waitUntil(
      "the task saw step 2",
      outputHas(/2 of 3 planned steps in, meter step = 2; waiting for step 1/),
    );
    assert.equal((await meter()).value, 2);
    await waitUntil(
      "step 2's product submitted",
      async () => (await taskStates(db.pool, suite))[product(2)] === "submitted",
    );
    assert.equal((await taskStates(db.pool, suite))[product(1)], "queued");
    const why1 = await whyNode(db.pool, product(1), [catalogueDataSource(cycle)]);
    assert.ok(!why1.some((r) => r.includes("ingest/receive:step")), why1.join("; "));

    // The rate at step 1 could be made from steps 0 and 2, but step 1 is planned and the stream carries
    // its field: the job waits for it, so the product is the same whatever the order of arrival.
    const rateAt1 = (variables: Record<string, string>) =>
      catalogueDataSource(cycle).waitFor(
        { source: "catalogue", query: "inputs product=precipitation_rate step=1", variables, path: "/x" },
        db.pool,
      );
    const cycleVariables = { CB_CYCLE: baseTime.toISOString() };
    assert.deepEqual(await rateAt1({ ...cycleVariables, CB_STEPS: "0,1,2" }), {
      satisfied: false,
      detail: "precipitation_rate step 1 waits for RR-KGM2 ground 0 step 1h",
    });
    // A suite that plans no steps (not a cycle of ours) takes any complete input set, as himan does.
    assert.equal((await rateAt1(cycleVariables)).satisfied, true);

    // A control-server restart: the running try is lost; the retry starts from the catalogue.
    await engine!.stop();
    engine = null;
    await start();
    await waitUntil("the retry", async () => {
      const m = await meter();
      return m.tryNo === 2 && m.state === "active";
    });
    await waitUntil("the retry read the catalogue", outputHas(/2 of 3 planned steps in, meter step = 2/));
    assert.equal((await meter()).value, 2);

    // Step 1 completes the cycle's data: the meter reaches the last step and the task completes.
    await arrive(1);
    await waitUntil("ingest/receive complete", async () => (await meter()).state === "complete");
    assert.equal((await meter()).value, 2);
    await waitUntil(
      "step 1's product submitted",
      async () => (await taskStates(db.pool, suite))[product(1)] === "submitted",
    );
    const meterHistory = await db.pool.query<{ detail: string }>(
      "select detail from flow_history where path = $1 and kind = 'meter' order by id",
      [receive],
    );
    assert.deepEqual(
      meterHistory.rows.map((r) => r.detail),
      ["step = 0", "step = 2", "step = 2"],
    );
    // The teardown waits for the products (none ran here), not for the ingest any more.
    const why = await whyNode(db.pool, `/${suite}/teardown`, [catalogueDataSource(cycle)]);
    assert.ok(
      why.some((r) => r.includes("products")),
      why.join("; "),
    );
    assert.ok(!why.some((r) => r.includes("ingest")), why.join("; "));
  });
});
