// The web UI in a real browser (Debian's chromium through playwright-core) against a real server.
/// <reference lib="dom" />
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { createToken } from "../../src/auth/tokens.ts";
import { projectRoot, spawnCli, stopChild, tempDir, waitForOutput } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

const chromiumPath = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
/** Screenshots of every view, for people to look at (test-output/ is not committed). */
const screenshots = join(projectRoot, "test-output", "ui");
mkdirSync(screenshots, { recursive: true });
const suiteDef = `suite ui
  limit lim 2
  family f
    edit FOO bar
    task a
      inlimit /ui:lim
    task b
      trigger a == complete
  endfamily
endsuite
`;

describe("web UI", () => {
  let db: TestDatabase;
  let server: ReturnType<typeof spawnCli>;
  let url: string;
  let token: string;
  let browser: Browser;
  let page: Page;
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers },
    });

  before(async () => {
    db = await createTestDatabase();
    token = await createToken(db.pool, "ui-test");
    server = spawnCli(["server", "--port", "0"], { cwd: tempDir(), env: { DATABASE_URL: db.url } });
    url = JSON.parse(`{${await waitForOutput(server, /"url":"http:\/\/127\.0\.0\.1:\d+"/)}}`).url;
    browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.close();
    if (server) await stopChild(server);
    await db.drop();
  });

  it("sends a signed-out browser to the sign-in page and refuses a wrong token", async () => {
    await page.goto(`${url}/ui/`);
    assert.match(page.url(), /\/ui\/login\.html$/);
    await page.fill("#token", "cb_wrong");
    await page.click("button[type=submit]");
    await page.waitForSelector("#error:not(:empty)");
    assert.match((await page.textContent("#error")) ?? "", /unknown or revoked/);
  });

  it("signs in with a token kept in an HttpOnly cookie", async () => {
    await page.fill("#token", token);
    await page.click("button[type=submit]");
    await page.waitForURL(`${url}/ui/`);
    await page.waitForSelector("text=No suite is loaded");
    const [cookie] = await page.context().cookies();
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, "Strict");
    assert.equal(await page.evaluate(() => document.cookie), "", "scripts cannot read the session");
  });

  it("shows the suite tree in ecFlow's colours and follows state changes live", async () => {
    assert.equal(
      (await call("/api/suites", { method: "POST", body: JSON.stringify({ definition: suiteDef }) })).status,
      201,
    );
    await page.reload();
    const taskB = page.locator('li[data-path="/ui/f/b"] .state');
    await taskB.waitFor();
    assert.equal(await taskB.textContent(), "unknown");
    assert.equal(await taskB.evaluate((e) => getComputedStyle(e).backgroundColor), "rgb(190, 190, 190)");
    await page.waitForSelector("#live.on");
    // Changes made elsewhere (here: the API) reach the open page without a reload.
    assert.equal(
      (await call("/api/suites/begin", { method: "POST", body: JSON.stringify({ suite: "ui" }) })).status,
      200,
    );
    await page.waitForFunction(
      () => document.querySelector('li[data-path="/ui/f/b"] .state')?.textContent === "queued",
    );
    assert.equal(await taskB.evaluate((e) => getComputedStyle(e).backgroundColor), "rgb(173, 217, 231)");
  });

  it("explains why a task waits and lets the operator suspend it", async () => {
    await page.click('li[data-path="/ui/f/b"] .name');
    await page.waitForSelector("h2:text('/ui/f/b')");
    assert.match((await page.textContent("pre.definition")) ?? "", /trigger a == complete/);
    await page.screenshot({ path: join(screenshots, "suites.png"), fullPage: true });
    assert.match((await page.textContent("ul.why")) ?? "", /trigger|a == complete/i);
    await page.click("button:text('Suspend')");
    await page.waitForFunction(
      () => document.querySelector('li[data-path="/ui/f/b"] .state')?.textContent === "suspended",
    );
    const node = (await (
      await call(`/api/suites/node?path=${encodeURIComponent("/ui/f/b")}`)
    ).json()) as Array<{ suspended: boolean }>;
    assert.equal(node[0]?.suspended, true);
  });

  it("refuses a state change that carries the cookie but not the UI header", async () => {
    const [cookie] = await page.context().cookies();
    const response = await fetch(`${url}/api/suites/resume`, {
      method: "POST",
      headers: { cookie: `${cookie!.name}=${cookie!.value}`, "content-type": "application/json" },
      body: JSON.stringify({ path: "/ui/f/b" }),
    });
    assert.equal(response.status, 403);
  });

  it("shows a suite's limits in use and no stray text on a node without output", async () => {
    await page.click('li[data-path="/ui"] .name');
    await page.waitForSelector("h2:text('/ui')");
    // Task a was submitted at begin and holds one of the limit's two tokens.
    await page.waitForSelector("tr[data-limit='/ui:lim'] >> text=1 / 2 in use");
    assert.match((await page.textContent("tr[data-limit='/ui:lim']")) ?? "", /\/ui\/f\/a/);
    const text = (await page.textContent("section[aria-label=node]")) ?? "";
    assert.doesNotMatch(text, /null|undefined|\[object Object\]/);
    await page.screenshot({ path: join(screenshots, "suite-limits.png"), fullPage: true });
  });

  it("shows a node's variables, inherited and set by the operator", async () => {
    await page.click('li[data-path="/ui/f/b"] .name');
    await page.waitForSelector("h2:text('/ui/f/b')");
    assert.match((await page.textContent("details.inherited")) ?? "", /FOO\s*bar\s*edit on \/ui\/f/);
    page.once("dialog", (dialog) => dialog.accept("BAR=baz qux"));
    await page.click("button:text('Set variable')");
    await page.waitForSelector("tr[data-variable=BAR] >> text=set by an operator");
    assert.equal(await page.textContent("tr[data-variable=BAR] td.value"), "baz qux");
    await page.click("details.inherited summary");
    await page.screenshot({ path: join(screenshots, "suite-variables.png"), fullPage: true });
  });

  it("shows a task's output lines with their time and stream", async () => {
    const [suite] = (await (await call("/api/suites")).json()) as Array<{ id: string }>;
    const posted = await call("/api/suites/worker/output", {
      method: "POST",
      body: JSON.stringify({
        suiteId: suite!.id,
        path: "/ui/f/a",
        tryNo: 1,
        lines: [
          { stream: "stdout", line: "hello from a" },
          { stream: "stderr", line: "a warning" },
        ],
      }),
    });
    assert.equal(posted.status, 200);
    await page.click('li[data-path="/ui/f/a"] .name');
    await page.waitForSelector("pre.output >> text=hello from a");
    const output = (await page.textContent("pre.output")) ?? "";
    assert.doesNotMatch(output, /object Object/);
    assert.match(output, /\d\d:\d\d:\d\d\.\d{3} stdout hello from a/);
    assert.match(output, /stderr a warning/);
    await page.screenshot({ path: join(screenshots, "task-output.png"), fullPage: true });
  });

  it("frees a task's trigger", async () => {
    await page.click('li[data-path="/ui/f/b"] .name');
    await page.waitForSelector("h2:text('/ui/f/b')");
    await page.click("button:text('Resume')");
    await page.waitForSelector("button:text('Suspend')");
    assert.equal(await page.textContent('li[data-path="/ui/f/b"] .state'), "queued", "a is not complete");
    await page.click("button:text('Free dependencies')");
    await page.waitForFunction(
      () => document.querySelector('li[data-path="/ui/f/b"] .state')?.textContent === "submitted",
    );
    await page.waitForSelector("section[aria-label=node] >> text=freed: trigger");
  });

  it("browses the catalogue and previews a field on a map", async () => {
    const grib = readFileSync("../shared/data/himan-dev/transformer/gfs_source.grib2");
    const put = await fetch(`${url}/api/ingest/gfs_source.grib2`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
      body: grib,
    });
    assert.ok(put.status === 201 || put.status === 200, `ingest answered ${put.status}`);
    await page.goto(`${url}/ui/#/catalogue`);
    await page.waitForSelector("tr[data-cycle]", { timeout: 5000 }).catch(async (error) => {
      throw new Error(`${error.message}\n${await page.textContent("main")}`);
    });
    await page.click("button:text('Map')");
    const canvas = page.locator("canvas.map");
    await canvas.waitFor({ timeout: 10_000 }).catch(async (error) => {
      throw new Error(`${error.message}\n${await page.textContent("#toast")}`);
    });
    const painted = await canvas.evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      const colours = new Set<number>();
      for (let i = 0; i < data.length; i += 4)
        colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      return { width: c.width, height: c.height, colours: colours.size };
    });
    assert.ok(painted.width > 10 && painted.height > 10);
    assert.ok(painted.colours > 10, "the field's values vary across the map");
    await page.screenshot({ path: join(screenshots, "catalogue.png"), fullPage: true });
  });

  it("shows alerts as they are raised", async () => {
    await page.goto(`${url}/ui/#/alerts`);
    await page.waitForSelector("text=No alerts.");
    await db.pool.query(
      `insert into alert (key, channel, severity, title, body) values
       ('cloudsigma:402', 'email', 'critical', 'CloudSigma refused to start nodes', $1)`,
      [
        JSON.stringify({
          text: "the account cannot fund the burst",
          httpCode: 402,
          meaning: "Payment required",
          runbook: "https://wiki.example/402",
        }),
      ],
    );
    await page.waitForSelector("text=CloudSigma refused to start nodes");
    const columns = await page
      .locator("section[aria-label=alerts] tr")
      .evaluateAll((rows) => rows.map((r) => r.querySelectorAll("th, td").length));
    assert.ok(
      columns.length >= 2 && columns.every((n) => n === columns[0]),
      `one header per column: ${columns}`,
    );
    assert.match((await page.textContent("main")) ?? "", /402 Payment required/);
    assert.equal(await page.getAttribute("a[href='https://wiki.example/402']", "rel"), "noreferrer");
    await page.screenshot({ path: join(screenshots, "alerts.png"), fullPage: true });
  });

  it("shows the fleet and lets the operator set N", async () => {
    await page.goto(`${url}/ui/#/fleet`);
    await page.waitForSelector("#set-n");
    assert.match((await page.textContent("main")) ?? "", /No node is running/);
    assert.equal(
      (
        await call("/api/fleet/cycles/ui-test", {
          method: "PUT",
          body: JSON.stringify({ dataAt: "2030-01-01T00:00:00Z", computeNodes: 1 }),
        })
      ).status,
      200,
    );
    await page.reload();
    await page.waitForSelector("table.cycles >> text=ui-test");
    await page.fill("#desired", "0");
    await page.click("#set-n");
    await page.waitForSelector("#toast.show >> text=N = 0");
    const cycles = (await (await call("/api/fleet/cycles")).json()) as Array<{
      cycle: string;
      computeNodes: number;
    }>;
    assert.equal(cycles.find((c) => c.cycle === "ui-test")?.computeNodes, 0);
    await page.screenshot({ path: join(screenshots, "fleet.png"), fullPage: true });
  });

  it("draws the cycle timeline", async () => {
    await page.goto(`${url}/ui/#/timeline`);
    await page.waitForSelector("svg.timeline", { timeout: 5000 }).catch(async (error) => {
      throw new Error(
        `${error.message}\n${await page.textContent("main")}\n${await page.textContent("#toast")}`,
      );
    });
    assert.ok(
      (await page.locator("rect[data-lane='data arrival']").count()) >= 1,
      "the ingested file is on the chart",
    );
    assert.ok((await page.locator("rect[data-lane='jobs']").count()) >= 0);
    await page.screenshot({ path: join(screenshots, "timeline.png"), fullPage: true });
  });

  it("signs out", async () => {
    await page.click("#logout");
    await page.waitForURL(/login\.html$/);
    await page.goto(`${url}/ui/`);
    assert.match(page.url(), /login\.html$/);
  });
});
