// The Suites view as an operator uses it in ecflow_ui's stead, in a real browser (Debian's chromium
// through playwright-core) against a real server: folding, filters, search, inline attributes,
// multi-selection, the table, keyboard only.
/// <reference lib="dom" />
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { createToken } from "../../src/auth/tokens.ts";
import { projectRoot, spawnCli, stopChild, tempDir, waitForOutput } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

/** A control as "tag:name": its node path, action, name=value, or text (run in the page). */
function describeControl(e: Element | null): string {
  if (!e || e === document.body) return "body";
  const named = e.getAttribute("name");
  const value = e.getAttribute("value");
  const name =
    e.getAttribute("data-path") ??
    e.getAttribute("data-action") ??
    (named ? (value ? `${named}=${value}` : named) : (e.textContent ?? "").trim().slice(0, 40));
  return `${e.tagName.toLowerCase()}:${name}`;
}

/**
 * Runs `act`, waits until `done()` holds and the next frame is drawn; the time that took, the longest
 * main-thread block meanwhile (Long Tasks API) and the API paths fetched. Run in the page.
 */
async function measureInPage(act: () => Promise<void>, done: () => boolean) {
  const blocked: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) blocked.push(entry.duration);
  });
  observer.observe({ type: "longtask" });
  const start = performance.now();
  await act();
  await new Promise<void>((resolve) => {
    if (done()) return resolve();
    const watch = new MutationObserver(() => {
      if (!done()) return;
      watch.disconnect();
      resolve();
    });
    watch.observe(document.body, { childList: true, subtree: true, characterData: true });
  });
  // The frame after the change: its layout and paint are part of what the operator waits for.
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const ms = performance.now() - start;
  // A long task is reported after it ends: one more turn collects the last.
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  const fetched = performance
    .getEntriesByType("resource")
    .filter((entry) => entry.startTime >= start)
    .map((entry) => {
      const url = new URL(entry.name);
      return url.pathname + url.search;
    });
  return { ms, longestBlockMs: Math.max(0, ...blocked), fetched };
}

const chromiumPath = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
const screenshots = join(projectRoot, "test-output", "ui");
mkdirSync(screenshots, { recursive: true });

// Begun, prep/fetch and post/b are submitted (nobody takes the compute queue here); the rest wait.
// Task scripts are found under ECF_HOME as ecFlow finds them.
const home = tempDir("cb-suites-ui-");
const serverDir = tempDir("cb-suites-ui-server-");
mkdirSync(join(home, "ops", "later"), { recursive: true });
writeFileSync(join(home, "ops", "later", "c.ecf"), 'echo "c runs with %GREETING%"\n');
const suiteDef = `suite ops
  edit ECF_HOME '${home}'
  edit GREETING 'hello'
  limit hpc 2
  family prep
    task fetch
      inlimit /ops:hpc
      meter progress 0 100 100
      event ready
      label info "waiting"
    task check
      trigger fetch == complete
      time 23:59
  endfamily
  family post
    repeat integer STEP 0 24 6
    task a
      trigger ../prep/check == complete
    task b
  endfamily
  family later
    task c
      trigger ../prep/check == complete
  endfamily
endsuite
`;

describe("Suites view", () => {
  let db: TestDatabase;
  let server: ReturnType<typeof spawnCli>;
  let url: string;
  let token: string;
  let browser: Browser;
  let page: Page;
  const call = (path: string, body?: unknown) =>
    fetch(`${url}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  /** The paths the tree shows, in order. */
  const treePaths = () =>
    page.locator("ul.tree li[data-path]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-path")));
  const row = (path: string) => page.locator(`li[data-path="${path}"]`);

  before(async () => {
    db = await createTestDatabase();
    token = await createToken(db.pool, "suites-ui-test");
    server = spawnCli(["server", "--port", "0"], { cwd: serverDir, env: { DATABASE_URL: db.url } });
    url = JSON.parse(`{${await waitForOutput(server, /"url":"http:\/\/127\.0\.0\.1:\d+"/)}}`).url;
    assert.equal((await call("/api/suites", { definition: suiteDef })).status, 201);
    assert.equal((await call("/api/suites/begin", { suite: "ops" })).status, 200);
    browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(10_000);
    await page.goto(`${url}/ui/login.html`);
    await page.fill("#token", token);
    await page.click("button[type=submit]");
    await page.waitForURL(`${url}/ui/`);
    await page.waitForSelector('li[data-path="/ops/prep/fetch"] .state:text("submitted")');
  });
  after(async () => {
    await browser?.close();
    if (server) await stopChild(server);
    await db?.drop();
    for (const dir of [home, serverDir]) rmSync(dir, { recursive: true, force: true });
  });

  it("folds a family, remembers it across a reload, and collapses all but the active", async () => {
    assert.equal(await row("/ops/prep").getAttribute("aria-expanded"), "true");
    // Only the rows in view are in the page: each says its place among its siblings.
    const place = async (path: string) =>
      `${await row(path).getAttribute("aria-posinset")} of ${await row(path).getAttribute("aria-setsize")}`;
    assert.equal(await place("/ops/prep/fetch"), "1 of 2");
    assert.equal(await place("/ops/prep/check"), "2 of 2");
    assert.equal(await place("/ops/prep"), "1 of 3");
    await row("/ops/prep").locator(".toggle").click();
    await row("/ops/prep/fetch").waitFor({ state: "detached" });
    assert.equal(await row("/ops/prep").getAttribute("aria-expanded"), "false");
    await page.reload();
    await row("/ops/prep").waitFor();
    assert.equal(await row("/ops/prep").getAttribute("aria-expanded"), "false", "still folded after reload");
    assert.equal(await row("/ops/prep/fetch").count(), 0);
    await row("/ops/prep").locator(".toggle").click();
    await row("/ops/prep/fetch").waitFor();

    await page.click("button:text('Collapse all but active')");
    await row("/ops/later/c").waitFor({ state: "detached" });
    // The families with a submitted task stay open; the one with nothing running is folded.
    assert.deepEqual(await treePaths(), [
      "/ops",
      "/ops/prep",
      "/ops/prep/fetch",
      "/ops/prep/check",
      "/ops/post",
      "/ops/post/a",
      "/ops/post/b",
      "/ops/later",
    ]);
    await page.reload();
    await row("/ops/later").waitFor();
    assert.equal(await row("/ops/later").getAttribute("aria-expanded"), "false");
    assert.equal(await row("/ops/later/c").count(), 0);
    await page.screenshot({ path: join(screenshots, "suites-collapsed.png"), fullPage: true });
    await page.click("button:text('Expand all')");
    await row("/ops/later/c").waitFor();
  });

  it("follows a change while the flow's events keep coming faster than it redraws", async () => {
    await row("/ops/later/c").waitFor();
    // Another task suspended and resumed as fast as the server answers: a flow event each time, more
    // often than the view's 150 ms between redraws, as a busy cycle's engine and workers send them.
    let flowing = true;
    const events = (async () => {
      for (let i = 0; flowing || i % 2 === 1; i++) {
        const answer = await call(`/api/suites/${i % 2 ? "resume" : "suspend"}`, { path: "/ops/post/b" });
        assert.equal(answer.status, 200, await answer.text());
      }
    })();
    try {
      assert.equal((await call("/api/suites/suspend", { path: "/ops/later/c" })).status, 200);
      await page.waitForSelector('li[data-path="/ops/later/c"] .state:text("suspended")');
    } finally {
      flowing = false;
      await events;
      assert.equal((await call("/api/suites/resume", { path: "/ops/later/c" })).status, 200);
    }
    await page.waitForSelector('li[data-path="/ops/later/c"] .state:text("queued")');
  });

  it("filters by state and searches by name or path", async () => {
    await page.click("input[name=state][value=submitted]");
    await page.waitForFunction(() => document.querySelectorAll("ul.tree li[data-path]").length === 5);
    assert.deepEqual(await treePaths(), ["/ops", "/ops/prep", "/ops/prep/fetch", "/ops/post", "/ops/post/b"]);
    assert.match((await page.textContent(".count")) ?? "", /^5 of 9 nodes shown$/);
    // A filter shows what matches even inside a folded family.
    await row("/ops/post").locator(".toggle").click();
    assert.deepEqual(await treePaths(), ["/ops", "/ops/prep", "/ops/prep/fetch", "/ops/post", "/ops/post/b"]);
    await page.screenshot({ path: join(screenshots, "suites-filtered.png"), fullPage: true });
    // State and name together: the submitted node named b.
    await page.fill("input[name=search]", "b");
    await page.waitForFunction(() => document.querySelectorAll("ul.tree li[data-path]").length === 3);
    assert.deepEqual(await treePaths(), ["/ops", "/ops/post", "/ops/post/b"]);
    await page.click("input[name=state][value=submitted]");
    // By name alone: a and later, not the nodes under later (their names have no "a").
    await page.fill("input[name=search]", "a");
    await page.waitForFunction(() => document.querySelectorAll("ul.tree li[data-path]").length === 4);
    assert.deepEqual(await treePaths(), ["/ops", "/ops/post", "/ops/post/a", "/ops/later"]);
    await page.fill("input[name=search]", "/post/");
    await page.waitForFunction(
      () =>
        document.querySelectorAll("ul.tree li[data-path]")[2]?.getAttribute("data-path") === "/ops/post/a",
    );
    assert.deepEqual(await treePaths(), ["/ops", "/ops/post", "/ops/post/a", "/ops/post/b"]);
    await page.fill("input[name=search]", "");
    // Without a filter the fold made above is back.
    await page.waitForFunction(() => document.querySelectorAll("ul.tree li[data-path]").length === 7);
    await row("/ops/post").locator(".toggle").click();
  });

  it("shows meters as bars, events, labels, the repeat, limits and time dependencies on their node", async () => {
    const fetchRow = row("/ops/prep/fetch");
    assert.equal(await fetchRow.locator("[data-attr='meter progress'] meter").getAttribute("value"), "0");
    assert.equal(await fetchRow.locator("[data-attr='meter progress'] meter").getAttribute("max"), "100");
    assert.match(
      (await fetchRow.locator("[data-attr='event ready']").getAttribute("class")) ?? "",
      /\bclear\b/,
    );
    assert.equal(await fetchRow.locator("[data-attr='label info'] q").textContent(), "waiting");
    assert.match((await fetchRow.locator("[data-attr='inlimit /ops:hpc']").textContent()) ?? "", /\/ops:hpc/);
    // The suite's limit: fetch holds one of its two tokens.
    assert.match((await row("/ops").locator("[data-attr='limit hpc']").textContent()) ?? "", /1\/2/);
    assert.equal(await row("/ops/post").locator("[data-attr='repeat STEP']").textContent(), "STEP=0");
    assert.match(
      (await row("/ops/prep/check").locator("[data-attr='time time']").textContent()) ?? "",
      /23:59/,
    );

    // What the running task reports reaches its line live.
    const { rows } = await db.pool.query<{ suite_id: string; try_no: number; password: string }>(
      "select suite_id::text, try_no, password from flow_node where path = '/ops/prep/fetch'",
    );
    const job = {
      suiteId: rows[0]!.suite_id,
      path: "/ops/prep/fetch",
      tryNo: rows[0]!.try_no,
      password: rows[0]!.password,
      actor: "test",
    };
    for (const event of [
      { type: "meter", name: "progress", value: 40 },
      { type: "event", name: "ready" },
      { type: "label", name: "info", value: "step 40 of 100" },
    ])
      assert.equal((await call("/api/worker/child", { ...job, event })).status, 200, JSON.stringify(event));
    await page.waitForFunction(
      () =>
        document.querySelector("li[data-path='/ops/prep/fetch'] [data-attr='label info'] q")?.textContent ===
        "step 40 of 100",
    );
    assert.equal(await fetchRow.locator("[data-attr='meter progress'] meter").getAttribute("value"), "40");
    assert.match(
      (await fetchRow.locator("[data-attr='event ready']").getAttribute("class")) ?? "",
      /\bset\b/,
    );
    await page.screenshot({ path: join(screenshots, "suites-attributes.png"), fullPage: true });
  });

  it("applies an action to each node of a ctrl- or shift-click selection", async () => {
    const stateOf = async (path: string) =>
      (
        (await (await call(`/api/suites/node?path=${encodeURIComponent(path)}`)).json()) as Array<{
          state: string;
          suspended: boolean;
        }>
      )[0]!;
    await row("/ops/post/a").locator(".name").click();
    await page.waitForSelector("h2:text('/ops/post/a')");
    await row("/ops/later/c")
      .locator(".name")
      .click({ modifiers: ["Control"] });
    await page.waitForSelector("h2:text('2 nodes selected')");
    assert.deepEqual(
      await page
        .locator("ul.selection li")
        .evaluateAll((items) => items.map((i) => i.getAttribute("data-path"))),
      ["/ops/post/a", "/ops/later/c"],
    );
    // The same actions as for one node (kill and rerun too: both are tasks).
    assert.deepEqual(await page.locator("section[aria-label=node] .actions button").allTextContents(), [
      "Requeue",
      "Rerun",
      "Suspend",
      "Force complete",
      "Force aborted",
      "Kill",
    ]);
    await page.screenshot({ path: join(screenshots, "suites-multiselect.png"), fullPage: true });
    await page.click("section[aria-label=node] button[data-action=Suspend]");
    await page.waitForFunction(
      () =>
        document.querySelector("li[data-path='/ops/later/c'] .state")?.textContent === "suspended" &&
        document.querySelector("li[data-path='/ops/post/a'] .state")?.textContent === "suspended",
    );
    assert.equal((await stateOf("/ops/post/a")).suspended, true);
    assert.equal((await stateOf("/ops/later/c")).suspended, true);

    // Shift takes every row between the last one clicked and this one; Resume applies to the suspended.
    await row("/ops/post").locator(".name").click();
    await row("/ops/later/c")
      .locator(".name")
      .click({ modifiers: ["Shift"] });
    await page.waitForSelector("h2:text('5 nodes selected')");
    assert.equal(await page.locator("ul.tree li[aria-selected=true]").count(), 5);
    await page.click("section[aria-label=node] button[data-action=Resume]");
    await page.waitForFunction(
      () => document.querySelectorAll("ul.tree li[data-path] .state-suspended").length === 0,
    );
    assert.equal((await stateOf("/ops/post/a")).suspended, false);
    assert.equal((await stateOf("/ops/later/c")).suspended, false);
    assert.match((await page.textContent("#toast")) ?? "", /Resume: 2 of 2 nodes/);
    // Ctrl on a selected node takes it out.
    await row("/ops/post")
      .locator(".name")
      .click({ modifiers: ["Control"] });
    await page.waitForSelector("h2:text('4 nodes selected')");
  });

  it("shows the nodes as a table, filtered alike, and remembers the choice", async () => {
    await page.click("button.layout");
    await page.waitForSelector("table.nodes");
    assert.deepEqual(await page.locator("table.nodes th").allTextContents(), [
      "Path",
      "Kind",
      "State",
      "Since",
      "Try",
      "Worker",
      "Attributes",
    ]);
    assert.equal(await page.locator("table.nodes tbody tr[data-path]").count(), 9);
    const fetchRow = page.locator("table.nodes tr[data-path='/ops/prep/fetch'] td");
    assert.deepEqual((await fetchRow.allTextContents()).slice(0, 3), [
      "/ops/prep/fetch",
      "task",
      "submitted",
    ]);
    assert.match((await fetchRow.nth(3).textContent()) ?? "", /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.equal(await fetchRow.nth(4).textContent(), "1");
    assert.match((await fetchRow.nth(6).textContent()) ?? "", /progress.*40.*ready.*step 40 of 100/);
    await page.click("input[name=state][value=submitted]");
    await page.waitForFunction(
      () => document.querySelectorAll("table.nodes tbody tr[data-path]").length === 5,
    );
    await page.click("input[name=state][value=submitted]");
    await page.reload();
    await page.waitForSelector("table.nodes tr[data-path='/ops/post/b']");
    await page.click("table.nodes tr[data-path='/ops/post/b'] td.name");
    await page.waitForSelector("h2:text('/ops/post/b')");
    assert.equal(await page.getAttribute("table.nodes tr[data-path='/ops/post/b']", "aria-selected"), "true");
    await page.screenshot({ path: join(screenshots, "suites-table.png"), fullPage: true });
    await page.click("button.layout");
    await page.waitForSelector("ul.tree");
  });

  it("shows a task's script, its job and its output live, and submits an edited job once", async () => {
    const [suite] = (await (await call("/api/suites")).json()) as Array<{ id: string }>;
    await row("/ops/post/b").locator(".name").click();
    await page.waitForSelector("h2:text('/ops/post/b')");
    // b is submitted: its output is fetched again while it runs, without a flow event.
    const posted = await call("/api/worker/output", {
      suiteId: suite!.id,
      path: "/ops/post/b",
      tryNo: 1,
      lines: [{ stream: "stdout", line: "b is half way" }],
    });
    assert.equal(posted.status, 200);
    await page.waitForSelector("pre.output >> text=b is half way");

    await row("/ops/later/c").locator(".name").click();
    await page.waitForSelector("h2:text('/ops/later/c')");
    assert.match((await page.textContent(".script-section")) ?? "", /from \/.*\/ops\/later\/c\.ecf/);
    await page.click("details.script summary");
    assert.equal(await page.textContent("details.script pre"), 'echo "c runs with %GREETING%"\n');
    await page.click("details.job summary");
    assert.equal(await page.textContent("details.job pre"), 'echo "c runs with hello"\n');
    await page.click("details.edit-submit summary");
    await page.fill("textarea[name=job]", 'echo "c runs as edited"\n');
    await page.screenshot({ path: join(screenshots, "suites-edit-submit.png"), fullPage: true });
    await page.click("button.submit-job");
    await page.waitForFunction(
      () => document.querySelector("li[data-path='/ops/later/c'] .state")?.textContent === "submitted",
    );
    // The try's job carries the edited text for the worker to run as it is.
    const jobs = await db.pool.query<{ data: { jobText?: string } }>(
      "select data from pgboss.job where data->>'path' = '/ops/later/c'",
    );
    assert.deepEqual(
      jobs.rows.map((r) => r.data.jobText),
      ['echo "c runs as edited"\n'],
    );
    const edits = await db.pool.query("select 1 from flow_job_edit");
    assert.equal(edits.rowCount, 0, "taken by the submission: used once");
  });

  it("is worked by keyboard alone: every control and action is reached, the tree moves with the arrows", async () => {
    await page.goto(`${url}/ui/#/suites`);
    await page.reload();
    await row("/ops/later/c").waitFor();
    const focused = async () =>
      (await page.evaluate(`(${describeControl})(document.activeElement)`)) as string;
    /** Presses Tab up to `limit` times; what had the focus after each, up to the first that is `wanted`. */
    const tabWalk = async (wanted: RegExp | null, limit = 80) => {
      const seen: string[] = [];
      for (let i = 0; i < limit; i++) {
        await page.keyboard.press("Tab");
        seen.push(await focused());
        if (wanted?.test(seen.at(-1)!)) return seen;
      }
      if (wanted) throw new Error(`Tab never reached ${wanted}: ${seen.join(", ")}`);
      return seen;
    };
    const tabUntil = (wanted: RegExp) => tabWalk(wanted);
    // The toolbar first, then one stop for the whole tree (its first row).
    const toTree = await tabUntil(/^li:/);
    for (const control of [
      "input:state=unknown",
      "input:state=suspended",
      "input:search",
      "button:Collapse all but active",
      "button:Table",
    ])
      assert.ok(toTree.includes(control), `${control} in ${toTree}`);
    assert.equal(toTree.at(-1), "li:/ops");
    const key = async (name: string, expected: string) => {
      await page.keyboard.press(name);
      await page.waitForFunction((e) => document.activeElement?.getAttribute("data-path") === e, expected);
    };
    await key("ArrowDown", "/ops/prep");
    await page.keyboard.press("ArrowLeft");
    await row("/ops/prep/fetch").waitFor({ state: "detached" });
    assert.equal(await focused(), "li:/ops/prep", "the focus stays on the folded row");
    await page.keyboard.press("ArrowRight");
    await row("/ops/prep/fetch").waitFor();
    await key("ArrowRight", "/ops/prep/fetch");
    await key("ArrowLeft", "/ops/prep");
    await key("End", "/ops/later/c");
    await page.keyboard.press("Enter");
    await page.waitForSelector("h2:text('/ops/later/c')");
    await key("ArrowUp", "/ops/later");
    await page.keyboard.press(" ");
    await page.waitForSelector("h2:text('2 nodes selected')");
    await tabUntil(/^button:Suspend$/);
    await page.keyboard.press("Enter");
    await page.waitForFunction(
      () => document.querySelector("li[data-path='/ops/later/c'] .state")?.textContent === "suspended",
    );
    await tabUntil(/^button:Resume$/);
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.querySelectorAll("ul.tree .state-suspended").length === 0);

    // One task open: a walk through the page with Tab reaches every control shown.
    await tabUntil(/^li:/);
    await key("End", "/ops/later/c");
    await page.keyboard.press("Enter");
    await page.waitForSelector(
      "h2:text('/ops/later/c') >> xpath=..//details[contains(@class,'edit-submit')]",
    );
    await tabUntil(/^summary:Edit & submit$/);
    await page.keyboard.press("Enter");
    await page.waitForSelector("textarea[name=job]");
    const walk = new Set(await tabWalk(null, 120));
    const controls = (await page.evaluate(
      `Array.from(document.querySelectorAll("main button, main input, main textarea, main summary, main [data-path][tabindex='0']"))
        .filter((e) => e.checkVisibility({ visibilityProperty: true })).map(${describeControl})`,
    )) as string[];
    for (const control of [
      "button:Suspend",
      "button:Kill",
      "button:Set variable",
      "summary:Job",
      "button:Submit",
    ])
      assert.ok(controls.includes(control), `${control} among ${controls}`);
    const missed = [...new Set(controls)].filter((c) => !walk.has(c));
    assert.deepEqual(missed, [], `reached by Tab: ${[...walk].join(", ")}`);
    await page.screenshot({ path: join(screenshots, "suites-keyboard.png"), fullPage: true });
  });

  it("renders a 10,000-task suite, expands it all and follows an update over SSE (times in the log)", async (t) => {
    const families = Array.from({ length: 100 }, (_, f) => {
      const tasks = Array.from({ length: 100 }, (_, k) => `    task t${k}\n      meter m 0 10 10\n`);
      return `  family f${f}\n${tasks.join("")}  endfamily\n`;
    });
    const big = `suite big\n${families.join("")}endsuite\n`;
    assert.equal((await call("/api/suites", { definition: big })).status, 201);
    const fetchStart = performance.now();
    const nodes = (await (
      await call(`/api/suites/node?path=${encodeURIComponent("/big")}`)
    ).json()) as unknown[];
    const fetchMs = performance.now() - fetchStart;
    assert.equal(nodes.length, 1 + 100 + 10_000);
    const total = nodes.length + 9;
    const counted = (shown: number) =>
      page.waitForFunction(
        (text) => document.querySelector(".count")?.textContent === text,
        `${shown} of ${total} nodes shown`,
        { timeout: 60_000 },
      );

    // First render: from navigation to the tree drawn with the big suite in it. A suite this large opens
    // with its families folded, the first time; the operator unfolds what they look at.
    await page.goto(`${url}/ui/#/suites`);
    await page.reload();
    await row("/big").waitFor({ state: "attached", timeout: 60_000 });
    const firstRenderMs = await page.evaluate(() => performance.now());
    await counted(101 + 9);
    assert.equal(await row("/big/f0").getAttribute("aria-expanded"), "false");

    /** Runs `act` in the page; the time until `done` holds, and the longest main-thread block meanwhile. */
    const timed = (act: string, done: string) =>
      page.evaluate(`(${measureInPage})(async () => { ${act} }, () => ${done})`) as Promise<{
        ms: number;
        longestBlockMs: number;
        fetched: string[];
      }>;

    // Expand all: every one of the 10,110 nodes is in the list.
    const expand = await timed(
      `[...document.querySelectorAll("button")].find((b) => b.textContent === "Expand all").click()`,
      `document.querySelector(".count")?.textContent === "${total} of ${total} nodes shown"`,
    );
    // The keyboard reaches the far end of the list and comes back (a row is drawn when it comes into
    // view): the last row is the small suite's (suites go by name), the big suite's last is 9 rows up.
    await row("/big").click();
    await page.keyboard.press("End");
    for (let i = 0; i < 9; i++) await page.keyboard.press("ArrowUp");
    await page.waitForFunction(
      () => document.activeElement?.getAttribute("data-path") === "/big/f99/t99",
      undefined,
      { timeout: 60_000 },
    );
    await page.keyboard.press("Enter");
    await page.waitForSelector("h2:text('/big/f99/t99')", { timeout: 60_000 });

    // One update: an operator's suspend (a flow_changed event) until the row shows it.
    const update = await timed(
      `const response = await fetch("/api/suites/suspend", {
         method: "POST",
         headers: { "x-cloudburst-ui": "1", "content-type": "application/json" },
         body: JSON.stringify({ path: "/big/f99/t99" }),
       });
       if (!response.ok) throw new Error("suspend answered " + response.status);`,
      `document.querySelector("li[data-path='/big/f99/t99'] .state")?.textContent === "suspended"`,
    );
    // The event named the task: only what it redrew was fetched, not the suite's 10,101 nodes.
    const fetched = update.fetched.join(" ");
    assert.ok(
      update.fetched.some((path) => path.startsWith("/api/suites/changed?path=%2Fbig&")),
      fetched,
    );
    assert.ok(!update.fetched.includes("/api/suites/node?path=%2Fbig"), fetched);
    assert.ok(!update.fetched.includes("/api/suites"), fetched);
    const figures = {
      tasks: 10_000,
      apiTreeMs: Math.round(fetchMs),
      firstRenderMs: Math.round(firstRenderMs),
      expandAllMs: Math.round(expand.ms),
      expandAllLongestBlockMs: Math.round(expand.longestBlockMs),
      sseUpdateMs: Math.round(update.ms),
      sseUpdateLongestBlockMs: Math.round(update.longestBlockMs),
      rowsInDocument: await page.locator("ul.tree li[data-path]").count(),
    };
    t.diagnostic(`10k-task suite: ${JSON.stringify(figures)}`);
    console.log(`10k-task suite: ${JSON.stringify(figures)}`);
    await page.screenshot({ path: join(screenshots, "suites-10k.png") });
  });
});
