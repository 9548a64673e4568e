// The planner at its edges, against a real PostgreSQL holding a recorded cycle: the history loader,
// `cloudburst plan` and `plan check` as a user runs them, GET /api/plan on a real server, and the UI's
// Plan panel in a real browser (Debian's chromium through playwright-core).
/// <reference lib="dom" />
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Browser, chromium } from "playwright-core";
import { createToken } from "../../src/auth/tokens.ts";
import { recordedCycles } from "../../src/plan/history.ts";
import { projectRoot, runCli, spawnCli, stopChild, tempDir, waitForOutput } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { recordedCycle, storeRecordedCycle } from "./fixtures.ts";

const chromiumPath = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
const screenshots = join(projectRoot, "test-output", "ui");
mkdirSync(screenshots, { recursive: true });
const recordedProducts = "windvector,t2m_celsius";

describe("the planner on a recorded cycle in PostgreSQL", () => {
  let db: TestDatabase;
  const cwd = tempDir();
  const env = () => ({ DATABASE_URL: db.url });

  before(async () => {
    db = await createTestDatabase();
    await storeRecordedCycle(db.pool, recordedCycle());
  });
  after(async () => {
    await db.drop();
  });

  it("loads the cycle as it was recorded", async () => {
    const [loaded] = await recordedCycles(db.pool, { producer: "ecmf", limit: 5 });
    const expected = recordedCycle();
    assert.ok(loaded);
    const byStep = <T extends { step: number }>(xs: T[]) => [...xs].sort((a, b) => a.step - b.step);
    const byJob = <T extends { step: number; product: string }>(xs: T[]) =>
      [...xs].sort((a, b) => a.step - b.step || a.product.localeCompare(b.product));
    assert.deepEqual(
      {
        ...loaded,
        files: byStep(loaded.files),
        jobs: byJob(loaded.jobs),
        delivered: byStep(loaded.delivered),
      },
      {
        ...expected,
        files: byStep(expected.files),
        jobs: byJob(expected.jobs),
        delivered: byStep(expected.delivered),
      },
    );
  });

  it("plan check predicts it and reports the floor", async () => {
    const result = await runCli(["plan", "check", "--runs", "30", "--json"], { cwd, env: env() });
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.cycle, "ecmf/2026112400");
    assert.equal(report.timeFactor, 10);
    assert.ok(Math.abs(report.measured.nodeMinutes - (2.5 + 24 * 1.8 + 0.32 + 0.5) / 60) < 2e-3);
    assert.ok(report.predicted.nodeMinutes > 0 && report.floor.nodeMinutes > 0);
  });

  it("plan answers from the history, in JSON with the issue's keys", async () => {
    const result = await runCli(
      [
        "plan",
        "--steps",
        "0-24",
        "--time-factor",
        "10",
        "--provider",
        "local",
        "--cycles",
        "50",
        "--products",
        recordedProducts,
        "--deadline",
        "2min",
        "--json",
      ],
      { cwd, env: env() },
    );
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.question.grid, 1, "the grid of the latest recorded cycle");
    assert.deepEqual(
      report.policies.map((p: { name: string }) => p.name),
      ["thesis", "learned-lead", "autoscale"],
    );
    for (const key of ["nodeMinutes", "costPerCycle", "onTimeRate", "p95LatencySeconds"])
      assert.equal(typeof report.policies[0][key], "number", key);
    assert.equal(typeof report.floor.nodeMinutes, "number");
    for (const key of ["policy", "costPerCycle", "onTimeRate"]) assert.ok(key in report.recommendation, key);
  });

  it("says what is missing for a grid with no history, and names an unknown product", async () => {
    const grid = await runCli(
      ["plan", "--grid", "0.5", "--provider", "local", "--no-measure", "--products", recordedProducts],
      { cwd, env: env() },
    );
    assert.equal(grid.code, 1);
    assert.match(
      grid.stderr,
      /no job seconds for windvector, t2m_celsius at 0.5°: no recorded cycle on that grid ran them \(recorded grids: 1°\)/,
    );
    assert.match(grid.stderr, /what to do: measure them on this machine with --measure/);
    const unknown = await runCli(["plan", "--products", "snow_depth"], { cwd, env: env() });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown product snow_depth/);
    const deadline = await runCli(["plan", "--deadline", "soon"], { cwd, env: env() });
    assert.equal(deadline.code, 2);
    assert.match(deadline.stderr, /--deadline: "soon" is not a duration/);
  });

  describe("over HTTP and in the web UI", () => {
    let server: ReturnType<typeof spawnCli>;
    let url: string;
    let token: string;
    let browser: Browser;
    const serverDir = tempDir();
    const get = (path: string) => fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });

    before(async () => {
      token = await createToken(db.pool, "plan-test");
      server = spawnCli(["server", "--port", "0"], { cwd: serverDir, env: env() });
      url = JSON.parse(`{${await waitForOutput(server, /"url":"http:\/\/127\.0\.0\.1:\d+"/)}}`).url;
      browser = await chromium.launch({
        executablePath: chromiumPath,
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
        ],
      });
    });
    after(async () => {
      await browser?.close();
      if (server) await stopChild(server);
    });

    it("GET /api/plan answers with the plan, and 422 with what to do when it cannot", async () => {
      const ok = await get(
        `/api/plan?steps=0-24&timeFactor=10&provider=local&cycles=30&products=${recordedProducts}`,
      );
      assert.equal(ok.status, 200);
      const report = (await ok.json()) as {
        policies: Array<{ name: string }>;
        recommendation: { policy: string };
      };
      assert.equal(report.policies.length, 3);
      assert.ok(report.recommendation.policy);
      const bad = await get("/api/plan?grid=0.5&provider=local&products=windvector");
      assert.equal(bad.status, 422);
      const body = (await bad.json()) as { error: string; message: string; details: { hint: string } };
      assert.equal(body.error, "cannot_plan");
      assert.match(body.message, /no job seconds for windvector at 0.5°/);
      assert.match(body.details.hint, /--measure/);
      assert.equal((await get("/api/plan?cycles=5")).status, 400);
      assert.equal((await fetch(`${url}/api/plan`)).status, 401);
    });

    it("draws cost against on-time rate per policy in the Plan panel", async () => {
      const page = await browser.newPage();
      await page.goto(`${url}/ui/login.html`);
      await page.fill("#token", token);
      await page.click("button[type=submit]");
      await page.waitForURL(`${url}/ui/`);
      await page.goto(`${url}/ui/#/plan`);
      await page.fill("#plan-steps", "0-24");
      await page.fill("#plan-time-factor", "10");
      await page.fill("#plan-products", recordedProducts);
      await page.fill("#plan-cycles", "30");
      await page.selectOption("#plan-provider", "local");
      await page.click("#plan-run");
      await page.waitForSelector("svg.plan-chart");
      const chosen = await page.$$eval("svg.plan-chart circle[data-chosen='1']", (dots) =>
        dots.map((d) => d.getAttribute("data-policy")),
      );
      assert.deepEqual(chosen.sort(), ["autoscale", "learned-lead", "thesis"]);
      assert.ok(
        (await page.$$("svg.plan-chart circle[data-chosen='0']")).length >= 3,
        "the settings tried are drawn too",
      );
      assert.equal(await page.locator("svg.plan-chart line[data-series='floor']").count(), 1);
      assert.match((await page.textContent("#plan-recommendation")) ?? "", /on time in/);
      assert.equal(await page.locator("table.plan-policies tbody tr").count(), 3);
      await page.screenshot({ path: join(screenshots, "plan.png"), fullPage: true });
      await page.close();
    });
  });
});
