// The web UI in a real browser (Debian's chromium through playwright-core) against a real server.
/// <reference lib="dom" />
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { createToken } from "../../src/auth/tokens.ts";
import { Dimensions } from "../../src/catalogue/lookups.ts";
import { registerProduct } from "../../src/catalogue/products.ts";
import { decodeFields } from "../../src/grib/index.ts";
import { fieldRecord } from "../../src/ingest/records.ts";
import { LocalStore } from "../../src/store/store.ts";
import { projectRoot, spawnCli, stopChild, tempDir, waitForOutput } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import {
  legacyName,
  stepFile,
  temperatureFile,
  windDirectionFile,
  windSpeedProduct,
} from "./grib-fixtures.ts";

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
  /** The server's working directory: its data directory (and store) is .cloudburst in it. */
  const serverDir = tempDir();
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers },
    });

  before(async () => {
    db = await createTestDatabase();
    token = await createToken(db.pool, "ui-test");
    server = spawnCli(["server", "--port", "0"], { cwd: serverDir, env: { DATABASE_URL: db.url } });
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
    assert.match((await page.textContent("#error")) ?? "", /unknown, revoked/);
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
    const posted = await call("/api/worker/output", {
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

  const ingest = async (name: string, bytes: Uint8Array) => {
    const put = await fetch(`${url}/api/ingest/${name}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
      body: Buffer.from(bytes),
    });
    assert.ok(put.status === 201 || put.status === 200, `ingest of ${name} answered ${put.status}`);
  };
  /** The map's canvas: its size in cells and how many colours it shows. */
  const paintedMap = () =>
    page.locator("section[aria-label=preview] canvas.map").evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      const colours = new Set<number>();
      for (let i = 0; i < data.length; i += 4)
        colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      return { width: c.width, height: c.height, colours: colours.size };
    });
  const openMap = async (row: string) => {
    await page.click(`${row} button:text('Map')`);
    const id = await page.getAttribute(row, "data-id");
    await page
      .waitForSelector(`figure.field-map[data-id="${id}"]`, { timeout: 15_000 })
      .catch(async (error) => {
        throw new Error(`${error.message}\n${await page.textContent("#toast")}`);
      });
  };
  const listedRows = () => page.locator("section[aria-label=fields] tr[data-id]");
  // Today's 00 UTC run: four hourly steps of 29 fields at 5°, and step 6 with one 2 m temperature at 0.25°.
  const base = new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);

  it("draws a whole field on a map with coastlines, graticule labels and a colour legend", async () => {
    await ingest("gfs_source.grib2", readFileSync("../shared/data/himan-dev/transformer/gfs_source.grib2"));
    const cycles = (await (await call("/api/cycles")).json()) as Array<{ id: number; producer: string }>;
    const gfs = cycles.find((c) => c.producer === "kwbc");
    assert.ok(gfs, `the GFS cycle is catalogued: ${JSON.stringify(cycles)}`);
    await page.goto(`${url}/ui/#/catalogue`);
    await page.click(`tr[data-cycle="${gfs.id}"]`);
    await page.waitForSelector(`section[aria-label=fields] h2[data-cycle="${gfs.id}"]`);
    await openMap("section[aria-label=fields] tr[data-id]");
    // A 0.5° global field is 720 × 361 points: every one of them is drawn, none cut off.
    const painted = await paintedMap();
    assert.deepEqual([painted.width, painted.height], [720, 361]);
    assert.ok(painted.colours > 10, "the field's values vary across the map");
    const legend = (await page.textContent(".legend")) ?? "";
    assert.match(legend, /^\d+(\.\d+)? K.*\d+(\.\d+)? K$/, `legend with min and max in K: ${legend}`);
    const latitudes = await page.locator(".lat-label").allTextContents();
    const longitudes = await page.locator(".lon-label").allTextContents();
    assert.ok(
      latitudes.includes("60°N") && latitudes.includes("0°") && latitudes.includes("60°S"),
      `${latitudes}`,
    );
    assert.ok(
      longitudes.includes("0°") && longitudes.includes("90°E") && longitudes.includes("90°W"),
      `${longitudes}`,
    );
    const coast = (await page.getAttribute("svg.overlay path.coastline", "d")) ?? "";
    assert.ok(coast.split("M").length > 100, "Natural Earth's coastlines are drawn over the field");
    await page.screenshot({ path: join(screenshots, "catalogue-map.png"), fullPage: true });
  });

  it("pages and filters a cycle's fields and previews a 0.25° field whole", async () => {
    for (const step of [0, 1, 2, 3]) await ingest(legacyName(base, step), stepFile(base, step, 5));
    await ingest(legacyName(base, 6), temperatureFile(base, 6, 0.25));
    await page.goto(`${url}/ui/#/catalogue`);
    const cycles = (await (await call("/api/cycles")).json()) as Array<{ id: number; producer: string }>;
    const ecmf = cycles.find((c) => c.producer === "ecmf")!;
    await page.click(`tr[data-cycle="${ecmf.id}"]`);
    await page.waitForSelector(`section[aria-label=fields] h2[data-cycle="${ecmf.id}"]`);
    await page.waitForFunction(
      () => document.querySelectorAll("section[aria-label=fields] tr[data-id]").length === 100,
    );
    assert.match((await page.textContent(".pager")) ?? "", /1–100/);
    await page.click(".pager button:text('Next')");
    await page.waitForSelector(".pager >> text=101–117");
    assert.equal(await listedRows().count(), 17);
    assert.equal(await page.isDisabled(".pager button:text('Next')"), true);
    await page.click(".pager button:text('Previous')");
    await page.waitForSelector(".pager >> text=1–100");

    // A row far down the list: its map comes into view.
    await listedRows().last().scrollIntoViewIfNeeded();
    await openMap("section[aria-label=fields] tr[data-id]:last-of-type");
    const inView = await page.locator("section[aria-label=preview] canvas.map").evaluate((c) => {
      const box = c.getBoundingClientRect();
      return box.top >= 0 && box.bottom <= window.innerHeight && box.height > 50;
    });
    assert.ok(inView, "the map is in the window after clicking a row at the bottom of the list");
    await page.screenshot({ path: join(screenshots, "catalogue-scrolled.png") });

    await page.fill("input[name=levelType]", "isobaricInhPa");
    await page.fill("input[name=step]", "1..2");
    await page.click("form.filters button[type=submit]");
    await page.waitForFunction(
      () => document.querySelectorAll("section[aria-label=fields] tr[data-id]").length === 48,
    );
    for (const level of await page
      .locator("section[aria-label=fields] tr[data-id] td:nth-child(2)")
      .allTextContents())
      assert.match(level, /^isobaricInhPa /);

    await page.fill("input[name=levelType]", "");
    await page.fill("input[name=step]", "6");
    await page.fill("input[name=param]", "2t");
    await page.click("form.filters button[type=submit]");
    await page.waitForFunction(
      () => document.querySelectorAll("section[aria-label=fields] tr[data-id]").length === 1,
    );
    await openMap("section[aria-label=fields] tr[data-id]");
    // 0.25°: 1440 × 721 points, the whole globe (the old JSON preview showed 200,000 of them, 19%).
    const painted = await paintedMap();
    assert.deepEqual([painted.width, painted.height], [1440, 721]);
    await page.screenshot({ path: join(screenshots, "catalogue-quarter-degree.png"), fullPage: true });

    await page.fill("input[name=step]", "six");
    await page.click("form.filters button[type=submit]");
    await page.waitForSelector("section[aria-label=fields] .error >> text=not a number");
  });

  it("lists a cycle's products and maps one", async () => {
    // A product as a cycle job makes one: written to the store, catalogued with its job and inputs.
    const store = new LocalStore(join(serverDir, ".cloudburst", "store"));
    const bytes = windSpeedProduct(base, 3, 1);
    const uri = "store:products/ecmf/test/wind/10si.grib2";
    await store.write(uri, bytes);
    const [decoded] = decodeFields(bytes);
    const where = {
      producer: "ecmf",
      storageUri: uri,
      offset: 0,
      length: bytes.length,
      checksum: "00".repeat(32),
    };
    await registerProduct(db.pool, new Dimensions(), {
      ...fieldRecord(decoded!.metadata, where),
      jobId: "/ui-test/products/step_003/wind",
      inputs: [],
    });
    await page.click("button[data-kind=products]");
    // The tab redraws the list and its form when its first page comes: filling the form before that
    // would be lost, and the previous test's filters (param, step) would hide the product.
    await page.waitForSelector("button[data-kind=products][aria-selected=true]");
    await page.fill("input[name=param]", "");
    await page.fill("input[name=step]", "");
    await page.click("form.filters button[type=submit]");
    await page.waitForSelector("table.products >> text=10si");
    assert.match(
      (await page.textContent("table.products")) ?? "",
      /heightAboveGround 10.*\/ui-test\/products\/step_003\/wind/s,
    );
    await openMap("table.products tr[data-id]");
    const painted = await paintedMap();
    assert.deepEqual([painted.width, painted.height], [360, 181]);
    assert.match((await page.textContent(".legend")) ?? "", /m s\*\*-1/);
    await page.screenshot({ path: join(screenshots, "catalogue-product.png"), fullPage: true });
  });

  it("names a cycle by producer and base time, lists steps in order, fits the panel, maps directions cyclically", async () => {
    // The 12 UTC run of the day before: step 1 arrives before step 0, and a wind direction at step 0.
    const base12 = new Date(base.getTime() - 12 * 3_600_000);
    await ingest(legacyName(base12, 1), stepFile(base12, 1, 5));
    await ingest(legacyName(base12, 0), stepFile(base12, 0, 5));
    await ingest("wind-direction.grib2", windDirectionFile(base12, 0));
    const cycles = (await (await call("/api/cycles")).json()) as Array<{ id: number; baseTime: string }>;
    const cycle = cycles.find((c) => c.baseTime === base12.toISOString())!;
    // A product whose job path is far longer than its column.
    const store = new LocalStore(join(serverDir, ".cloudburst", "store"));
    const bytes = windSpeedProduct(base12, 1, 1);
    const uri = "store:products/ecmf/test/wind-12/10si.grib2";
    await store.write(uri, bytes);
    const longJob = `/ecmwf_${"very_long_family_name_".repeat(6)}/products/step_001/wind_speed_at_10_metres`;
    await registerProduct(db.pool, new Dimensions(), {
      ...fieldRecord(decodeFields(bytes)[0]!.metadata, {
        producer: "ecmf",
        storageUri: uri,
        offset: 0,
        length: bytes.length,
        checksum: "00".repeat(32),
      }),
      jobId: longJob,
      inputs: [],
    });

    // The API lists the fields in step order whatever order they arrived in, across pages too.
    const steps: number[] = [];
    for (let after: number | null = 0; after !== null; ) {
      const page = (await (
        await call(`/api/fields?cycle=${cycle.id}&limit=25${after ? `&after=${after}` : ""}`)
      ).json()) as { fields: Array<{ step: number }>; next: number | null };
      steps.push(...page.fields.map((f) => f.step));
      after = page.next;
    }
    assert.equal(steps.length, 59);
    assert.deepEqual(
      steps,
      [...steps].sort((a, b) => a - b),
      `steps in order: ${steps}`,
    );

    await page.goto(`${url}/ui/#/catalogue`);
    await page.reload(); // a fresh view: no filter or tab left from the tests before
    await page.click(`tr[data-cycle="${cycle.id}"]`);
    const heading = page.locator(`section[aria-label=fields] h2[data-cycle="${cycle.id}"]`);
    await heading.waitFor();
    const day = base12.toISOString().slice(0, 10);
    assert.equal(await heading.textContent(), `ecmf ${day} 12 UTC`);
    assert.match((await page.textContent(`tr[data-cycle="${cycle.id}"]`)) ?? "", new RegExp(`${day} 12 UTC`));
    const listed = await page
      .locator("section[aria-label=fields] tr[data-id] td:nth-child(3)")
      .allTextContents();
    assert.equal(listed[0], "0");
    assert.equal(listed.at(-1), "1");
    assert.deepEqual(
      listed,
      [...listed].sort((a, b) => Number(a) - Number(b)),
    );

    // North is one colour on both sides of 360°: 0°, 360° and 359.9° alike, 180° far from them.
    await page.fill("input[name=param]", "10wdir,wdir");
    await page.click("form.filters button[type=submit]");
    await page.waitForFunction(
      () => document.querySelectorAll("section[aria-label=fields] tr[data-id]").length === 1,
    );
    await openMap("section[aria-label=fields] tr[data-id]");
    const colours = await page
      .locator("section[aria-label=preview] canvas.map")
      .evaluate((c: HTMLCanvasElement) =>
        [0, 1, 2, 3].map((row) => [...c.getContext("2d")!.getImageData(0, row, 1, 1).data.slice(0, 3)]),
      );
    const distance = (a: number[], b: number[]) => Math.hypot(...a.map((v, k) => v - b[k]!));
    assert.deepEqual(colours[1], colours[0], `360° as 0°: ${JSON.stringify(colours)}`);
    assert.ok(distance(colours[2]!, colours[0]!) < 3, `359.9° next to 0°: ${JSON.stringify(colours)}`);
    assert.ok(distance(colours[3]!, colours[0]!) > 100, `180° unlike 0°: ${JSON.stringify(colours)}`);
    assert.match((await page.textContent(".legend")) ?? "", /^0\b.*360\b/);

    // The products' table fits its panel: every Map button inside it, the long job path cut with a tooltip.
    await page.click("button[data-kind=products]");
    await page.waitForSelector("button[data-kind=products][aria-selected=true]");
    await page.fill("input[name=param]", "");
    await page.click("form.filters button[type=submit]");
    await page.waitForSelector("table.products >> text=10si");
    const panel = (await page.locator("section[aria-label=fields]").boundingBox())!;
    for (const button of await page.locator("table.products button:text('Map')").all()) {
      const box = (await button.boundingBox())!;
      assert.ok(
        box.x >= panel.x && box.x + box.width <= panel.x + panel.width,
        `Map button ${JSON.stringify(box)} inside the panel ${JSON.stringify(panel)}`,
      );
    }
    assert.equal(await page.getAttribute("table.products td.job", "title"), longJob);
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

  it("filters alerts, acknowledges a problem and silences a kind of alert for a time", async () => {
    await page.goto(`${url}/ui/#/alerts`);
    await page.waitForSelector("text=CloudSigma refused to start nodes");
    await db.pool.query(
      `insert into alert (key, channel, severity, title, body) values
       ('delivery:ecmwf/2026120600:ftp', 'email', 'warning', 'Delivery to ftp failing', '{}')`,
    );
    await page.waitForSelector("text=Delivery to ftp failing");
    const rows = page.locator("section[aria-label=alerts] tr[data-alert]");
    const cloudsigma = rows.filter({ hasText: "CloudSigma refused" });
    await cloudsigma.getByRole("button", { name: "Acknowledge" }).click();
    await page.waitForSelector("section[aria-label=alerts] tr[data-state=acknowledged]");
    assert.match((await cloudsigma.textContent()) ?? "", /acknowledged by \S+/);

    await page.selectOption("select[name=state]", "open");
    await page.waitForFunction(
      () => document.querySelectorAll("section[aria-label=alerts] tr[data-alert]").length === 1,
    );
    assert.match((await rows.first().textContent()) ?? "", /Delivery to ftp failing/);
    await page.selectOption("select[name=kind]", "cloudsigma");
    await page.waitForSelector("section[aria-label=alerts] >> text=No alerts.");
    await page.selectOption("select[name=kind]", "");
    await page.waitForSelector("text=Delivery to ftp failing");
    await page.selectOption("select[name=state]", "");
    await page.waitForFunction(
      () => document.querySelectorAll("section[aria-label=alerts] tr[data-alert]").length === 2,
    );

    const deliveryRow = rows.filter({ hasText: "Delivery to ftp failing" });
    await deliveryRow.locator("select").first().selectOption("delivery:*");
    await deliveryRow.getByRole("button", { name: "Silence" }).click();
    await page.waitForSelector("section[aria-label=silences] tr[data-silence]");
    assert.match((await page.textContent("section[aria-label=silences]")) ?? "", /delivery:\*/);
    await page.screenshot({ path: join(screenshots, "alerts-answered.png"), fullPage: true });
    await page.locator("section[aria-label=silences]").getByRole("button", { name: "End" }).click();
    await page.waitForSelector("text=No silence is running.");
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
    // Each LEGACY file the catalogue tests ingested is labelled with its step; the axis has ticks in seconds.
    const steps = await page.locator("text.step-label").allTextContents();
    for (const step of ["+0h", "+1h", "+2h", "+3h", "+6h"])
      assert.ok(steps.includes(step), `${step} in ${steps}`);
    const ticks = await page.locator("text.tick-label").allTextContents();
    assert.ok(ticks.length >= 3, `ticks: ${ticks}`);
    assert.match(ticks[0]!, /^0(\.0)? s$/);
    for (const tick of ticks) assert.match(tick, /^\d+(\.\d)? (s|min|h)$/);
    await page.screenshot({ path: join(screenshots, "timeline.png"), fullPage: true });
  });

  it("offers every action of every view to the keyboard: whatever takes a click takes the focus", async () => {
    const cdp = await page.context().newCDPSession(page);
    /** Visible elements with a click listener that Tab cannot reach or Enter cannot work. */
    const unreachable = async (): Promise<string[]> => {
      const { result } = await cdp.send("Runtime.evaluate", {
        expression: "Array.from(document.querySelectorAll('body *'))",
      });
      const { result: items } = await cdp.send("Runtime.getProperties", {
        objectId: result.objectId!,
        ownProperties: true,
      });
      const bad: string[] = [];
      for (const item of items) {
        if (!/^\d+$/.test(item.name) || !item.value?.objectId) continue;
        const objectId = item.value.objectId;
        const { listeners } = await cdp.send("DOMDebugger.getEventListeners", { objectId });
        const types = new Set(listeners.map((l) => l.type));
        if (!types.has("click")) continue;
        const { result: verdict } = await cdp.send("Runtime.callFunctionOn", {
          objectId,
          returnByValue: true,
          arguments: [{ value: types.has("keydown") }],
          functionDeclaration: `function (keyed) {
            if (this.getClientRects().length === 0) return null;
            const native = this.matches("button, a[href], input, select, textarea, summary");
            if (this.disabled) return null;
            // A list that takes its rows' clicks (one tab stop, arrows between rows) and their keys.
            const delegates = keyed && this.querySelector('[tabindex="0"], button, a[href], input, select');
            if (this.tabIndex < 0 && !delegates) return "not focusable: " + this.outerHTML.slice(0, 120);
            if (!native && !keyed) return "no key handler: " + this.outerHTML.slice(0, 120);
            return null;
          }`,
        });
        if (verdict.value) bad.push(String(verdict.value));
      }
      return bad;
    };
    for (const view of ["suites", "catalogue", "alerts", "fleet", "timeline", "plan"]) {
      await page.goto(`${url}/ui/#/${view}`);
      await page.waitForLoadState("networkidle");
      assert.deepEqual(await unreachable(), [], `the ${view} view`);
    }
    await cdp.detach();
  });

  it("signs out", async () => {
    await page.click("#logout");
    await page.waitForURL(/login\.html$/);
    await page.goto(`${url}/ui/`);
    assert.match(page.url(), /login\.html$/);
  });
});
