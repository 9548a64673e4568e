// The operator's fleet and timeline views (issue 21) in a real browser (Debian's chromium through
// playwright-core) on a real demo cycle: `cloudburst demo --keep` on simulated CloudSigma nodes, whose
// server stays up with its fleet. The timeline: a cycle picker, zoom and pan, hover, and bars that lead
// to their task, node and file. The fleet: a node's user data (no token) and the log its worker sent, the provider's view
// beside our records, the cost of each cycle, and a destroy behind a confirmation, by keyboard too; an
// orphan made at the simulated provider behind the fleet's back, counted and highlighted there.
/// <reference lib="dom" />
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { parse } from "yaml";
import { projectRoot, spawnCli, stopChild, tempDir, waitForOutput } from "../helpers/cli.ts";

const chromiumPath = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
const screenshots = join(projectRoot, "test-output", "ui");
mkdirSync(screenshots, { recursive: true });

interface DemoSummary {
  cycle: string;
  suite: string;
  suiteState: string;
  ui: string;
  token: string;
  configFile: string;
}

/** The window the chart shows, from its label: [start, end] in ms. */
async function shownWindow(page: Page): Promise<[number, number]> {
  const label = (await page.getAttribute("svg.timeline", "aria-label")) ?? "";
  const [, from, to] = /from (\S+) to (\S+)/.exec(label) ?? [];
  return [Date.parse(from!), Date.parse(to!)];
}

describe("fleet and timeline views on a demo cycle", () => {
  let demo: ReturnType<typeof spawnCli>;
  let summary: DemoSummary;
  let url: string;
  let browser: Browser;
  let page: Page;
  let cwd: string;
  // The simulated account's credentials, as an operator exports them to reach it from another terminal.
  const cloudsigma = {
    user: "leak-test@cloudburst.invalid",
    password: randomBytes(12).toString("base64url"),
  };
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${summary.token}`, "content-type": "application/json" },
    });

  before(async () => {
    cwd = tempDir("cb-ui-fleet-");
    demo = spawnCli(
      [
        ...["demo", "--provider", "sim-cloudsigma", "--steps", "0", "--grid", "2", "--nodes", "1"],
        ...["--keep", "--json"],
      ],
      {
        cwd,
        env: {
          DATABASE_URL: "",
          CLOUDBURST_CONFIG: "",
          CLOUDSIGMA_USERNAME: cloudsigma.user,
          CLOUDSIGMA_PASSWORD: cloudsigma.password,
        },
      },
    );
    let stdout = "";
    demo.stdout!.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    await waitForOutput(demo, /"token": "cb_[^"]+"\s*\}/, 240_000);
    summary = JSON.parse(stdout) as DemoSummary;
    assert.equal(summary.suiteState, "complete");
    url = new URL(summary.ui).origin;
    browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
    page = await browser.newPage();
    await page.goto(`${url}/ui/`);
    await page.fill("#token", summary.token);
    await page.click("button[type=submit]");
    await page.waitForURL(`${url}/ui/`);
  });
  after(async () => {
    await browser?.close();
    // Ctrl-C: the demo stops its server, its nodes and its clusters.
    if (demo) await stopChild(demo, "SIGINT");
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it("timeline: picks the cycle, zooms and pans, describes a bar, and leads to its file, task and node", async () => {
    await page.goto(`${url}/ui/#/timeline`);
    await page.waitForSelector("svg.timeline rect.bar");
    assert.equal(await page.inputValue("select[name=cycle]"), summary.cycle);
    await page.screenshot({ path: join(screenshots, "timeline-cycle.png"), fullPage: true });

    const task = page.locator("rect.bar[data-target-kind=task]").first();
    await task.hover();
    assert.match((await page.textContent(".hover-info")) ?? "", new RegExp(`^task /${summary.suite}/`));

    const [v0, v1] = await shownWindow(page);
    // The label's times are whole milliseconds: each end of a window read from it is up to 1 ms early,
    // so a span compared with one computed from other read spans may be up to 2 ms off.
    const slack = 2;
    await page.click("button:text('Zoom in')");
    const [z0, z1] = await shownWindow(page);
    assert.ok(Math.abs(z1 - z0 - (v1 - v0) / 2) <= slack, `half the span: ${z1 - z0} of ${v1 - v0}`);
    await page.click("button:text('Earlier')");
    const [e0, e1] = await shownWindow(page);
    assert.ok(Math.abs(e0 - (z0 - (z1 - z0) / 2)) <= slack && Math.abs(e1 - e0 - (z1 - z0)) <= slack);
    // The wheel zooms in about the pointer; a drag to the right shows earlier times.
    const box = (await page.locator("svg.timeline").boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.6, box.y + 5);
    await page.mouse.wheel(0, -100);
    await page.waitForFunction((span) => {
      const label = document.querySelector("svg.timeline")?.getAttribute("aria-label") ?? "";
      const [, a, b] = /from (\S+) to (\S+)/.exec(label) ?? [];
      return Date.parse(b!) - Date.parse(a!) < span;
    }, e1 - e0);
    const [w0, w1] = await shownWindow(page);
    assert.ok(Math.abs(w1 - w0 - (e1 - e0) * 0.8) <= slack, `wheel: ${w1 - w0} of ${e1 - e0}`);
    await page.mouse.move(box.x + box.width * 0.5, box.y + 5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, box.y + 5, { steps: 4 });
    await page.mouse.up();
    const [d0, d1] = await shownWindow(page);
    assert.ok(d0 < w0 && Math.abs(d1 - d0 - (w1 - w0)) <= slack, `dragged from ${w0} to ${d0}`);
    await page.click("button:text('Whole cycle')");
    assert.deepEqual(await shownWindow(page), [v0, v1]);

    // A file: its ingest record under the chart.
    const file = page.locator("rect.bar[data-target-kind=file]").first();
    const fileName = (await file.getAttribute("data-target"))!;
    await file.click();
    await page.waitForSelector(`section.target-detail >> text=File ${fileName}`);
    assert.match((await page.textContent("table.file")) ?? "", /state\s*registered/);
    // A task, by keyboard: focus its bar and press Enter.
    const taskPath = (await task.getAttribute("data-target"))!;
    await task.focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(`${url}/ui/#/suites/${encodeURIComponent(taskPath)}`);
    await page.waitForSelector(`li[data-path="${taskPath}"].selected`);
    // A node: its record in the fleet view, gone with the cycle.
    await page.goBack();
    const node = page.locator("rect.bar[data-target-kind=node]").first();
    const nodeName = (await node.getAttribute("data-target"))!;
    await node.click();
    await page.waitForURL(`${url}/ui/#/fleet/${nodeName}`);
    await page.waitForSelector(`section.chosen-node >> text=Node ${nodeName}`);
    assert.match((await page.textContent("table.chosen")) ?? "", /Statedestroyed/);
    await page.screenshot({ path: join(screenshots, "timeline-node.png"), fullPage: true });
  });

  it("fleet: a node's user data and log, the provider's view beside ours, costs, and a confirmed destroy", async () => {
    const planned = await call("/api/fleet/cycles/extra", {
      method: "PUT",
      body: JSON.stringify({ dataAt: new Date().toISOString(), computeNodes: 1 }),
    });
    assert.equal(planned.status, 200, await planned.text());
    await page.goto(`${url}/ui/#/fleet`);
    const firstRow = page.locator("table.nodes tr[data-node^='cb-dev-extra-']");
    await firstRow.waitFor({ timeout: 60_000 });
    const name = (await firstRow.getAttribute("data-node"))!;
    // Ours beside the provider's: the node in our records, and the provider's servers, drives, VLAN and
    // subscription with the leak check's verdicts.
    await page.waitForSelector(`table.records tr[data-record='${name}']`);
    for (const kind of ["server", "drive", "vlan", "subscription"])
      assert.ok(await page.locator(`table.billed tr[data-kind=${kind}]`).count(), `a ${kind} listed`);
    assert.match((await page.textContent('section[aria-label="provider\'s view"] h3')) ?? "", /0 leak\(s\)/);
    // The account's balance, in cents, and the cost of the demo's cycle.
    assert.match((await page.textContent("span.balance")) ?? "", /^balance \d+\.\d\d EUR$/);
    assert.match(
      (await page.textContent(`table.cycles tr[data-fleet-cycle='${summary.cycle}'] td.cost`)) ?? "",
      /^\d+\.\d{4} EUR$/,
    );

    await firstRow.getByRole("button", { name: "User data" }).click();
    const userData = (await page.textContent("pre.user-data")) ?? "";
    assert.match(userData, /^#cloud-config/);
    assert.ok(userData.includes(`hostname: ${name}`), userData);
    assert.match(userData, /CLOUDBURST_WORKER_TOKEN='<redacted/);
    assert.doesNotMatch(userData, /cb_[A-Za-z0-9_-]{20,}/, "no token");
    // The log its worker sends the data role (a cloud VM's journal is out of reach), shown once it came.
    const started = `worker ${name} started: queues compute`;
    for (let tries = 0; !((await page.textContent("main")) ?? "").includes(started); tries++) {
      assert.ok(tries < 60, `the node's log shows "${started}"`);
      await page.locator(`table.nodes tr[data-node='${name}']`).getByRole("button", { name: "Log" }).click();
      await page.waitForSelector("section.node-detail");
      await page.waitForTimeout(500);
    }
    // Each line with its time (the worker's retried hellos to the data role may come first).
    assert.match((await page.textContent("pre.node-log")) ?? "", /^\d{4}-\d\d-\d\dT\S+Z worker /m);

    // Destroy, by keyboard: Enter opens the confirmation, whose default (Cancel) keeps the node.
    await firstRow.getByRole("button", { name: "Destroy" }).focus();
    await page.keyboard.press("Enter");
    await page.waitForSelector("dialog.confirm[open]");
    assert.match((await page.textContent("dialog.confirm")) ?? "", new RegExp(`Destroy ${name}`));
    await page.screenshot({ path: join(screenshots, "fleet-destroy.png"), fullPage: true });
    await page.keyboard.press("Enter");
    await page.waitForSelector("dialog.confirm[open]", { state: "detached" });
    assert.notEqual(
      await page.locator(`table.records tr[data-record='${name}'] td:nth-child(3)`).textContent(),
      "destroying",
    );
    // Confirmed: the node goes, and the fleet replaces it while the cycle wants one.
    await page
      .locator(`table.nodes tr[data-node='${name}']`)
      .getByRole("button", { name: "Destroy" })
      .click();
    await page.click("dialog.confirm button:text('Destroy')");
    await page.waitForSelector(`#toast.show >> text=${name}: destroying`);
    await page.waitForSelector(`table.nodes tr[data-node='${name}']`, { state: "detached", timeout: 60_000 });
    await page.waitForSelector(`table.nodes tr[data-node^='cb-dev-extra-']:not([data-node='${name}'])`, {
      timeout: 60_000,
    });
    await page.screenshot({ path: join(screenshots, "fleet.png"), fullPage: true });
    const cancelled = await call("/api/fleet/cycles/extra/state", {
      method: "POST",
      body: JSON.stringify({ state: "cancelled" }),
    });
    assert.equal(cancelled.status, 200);
  });

  it("fleet: an orphan made at the provider behind our back is counted and highlighted, and goes", async () => {
    // The demo's simulated CloudSigma, where its configuration says the fleet reaches it.
    const config = parse(readFileSync(resolve(cwd, summary.configFile), "utf8")) as {
      fleet: { cloudsigma: { apiUrl: string } };
    };
    const api = config.fleet.cloudsigma.apiUrl;
    const cloud = (path: string, init: RequestInit = {}) =>
      fetch(new URL(path, api), {
        ...init,
        headers: {
          authorization: `Basic ${Buffer.from(`${cloudsigma.user}:${cloudsigma.password}`).toString("base64")}`,
          "content-type": "application/json",
        },
      });
    // The extra cycle's nodes, cancelled above, are gone first, the replacement that may still have been
    // in the making included (its server appears at the provider after the cancel): nothing else is an
    // orphan. Twice in a row, a second apart, so that a creation still under way cannot slip between.
    for (let tries = 0, quiet = 0; quiet < 2; tries++) {
      const leaks = (await (await call("/api/fleet/leaks")).json()) as { orphans: number };
      const records = (await (await call("/api/fleet/records")).json()) as Array<{ cycle: string }>;
      const extra = records.filter((r) => r.cycle === "extra").length;
      quiet = leaks.orphans === 0 && extra === 0 ? quiet + 1 : 0;
      assert.ok(
        tries < 120,
        `the extra cycle's nodes are destroyed (${extra} left, ${leaks.orphans} orphan(s))`,
      );
      await new Promise((r) => setTimeout(r, 1000));
    }
    // A node's drive a crashed run left behind (its server deleted without its drives): tagged with our
    // environment and a cycle that is over, made through the provider's own API, never through ours.
    const made = await cloud("drives/", {
      method: "POST",
      body: JSON.stringify({
        objects: [
          {
            name: `cb-dev-lost-${randomBytes(3).toString("hex")}`,
            size: 2 ** 30,
            media: "disk",
            meta: { "cb:cloudburst-env": "dev", "cb:cloudburst-cycle": summary.cycle },
          },
        ],
      }),
    });
    assert.equal(made.status, 201, await made.clone().text());
    const drive = ((await made.json()) as { objects: Array<{ uuid: string }> }).objects[0]!.uuid;
    try {
      await page.goto(`${url}/ui/#/fleet`);
      const provider = page.locator('section[aria-label="provider\'s view"]');
      await provider.locator("h3").waitFor();
      // Nothing in the fleet changed: the view shows it once the operator asks the provider again.
      await provider.getByRole("button", { name: "Check the provider again" }).click();
      const row = provider.locator(`table.billed tr[data-resource='${drive}']`);
      await row.waitFor();
      assert.equal(await row.getAttribute("data-verdict"), "orphan");
      assert.equal(await row.locator("td.verdict").textContent(), "orphan");
      assert.match((await row.textContent()) ?? "", new RegExp(`cycle ${summary.cycle} is not open`));
      assert.match((await provider.locator("h3").textContent()) ?? "", /1 orphan\(s\), 0 leak\(s\)/);
      // Highlighted: its cells stand out from the provider's other rows.
      const style = (cell: ReturnType<Page["locator"]>) =>
        cell.evaluate((td) => {
          const s = getComputedStyle(td);
          return { background: s.backgroundColor, weight: s.fontWeight };
        });
      const orphan = await style(row.locator("td.verdict"));
      const other = await style(
        provider.locator("table.billed tr:not([data-verdict=orphan]) td.verdict").first(),
      );
      assert.notEqual(orphan.background, other.background);
      assert.notEqual(orphan.weight, other.weight);
      await row.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(screenshots, "fleet-orphan.png"), fullPage: true });
    } finally {
      // Gone through the provider's API (asynchronous: until GET says 404), so that nothing is left billed.
      const deleted = await cloud(`drives/${drive}/`, { method: "DELETE" });
      assert.ok([204, 404].includes(deleted.status), await deleted.text());
      for (let tries = 0; (await cloud(`drives/${drive}/`)).status !== 404; tries++) {
        assert.ok(tries < 300, `drive ${drive} deleted`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await page
      .locator('section[aria-label="provider\'s view"]')
      .getByRole("button", { name: "Check the provider again" })
      .click();
    await page.waitForSelector(`table.billed tr[data-resource='${drive}']`, { state: "detached" });
    assert.match(
      (await page.textContent('section[aria-label="provider\'s view"] h3')) ?? "",
      /0 orphan\(s\), 0 leak\(s\)/,
    );
  });

  it("fleet: stays current while the flow's events keep coming faster than it redraws", async () => {
    await page.goto(`${url}/ui/#/fleet`);
    await page.locator("table.cycles").waitFor();
    // An operator suspending and resuming the suite every 100 ms: a flow event each time, more often
    // than the view's 300 ms between redraws (a busy cycle's engine and workers do the same).
    let flowing = true;
    const events = (async () => {
      for (let i = 0; flowing; i++) {
        const action = i % 2 ? "resume" : "suspend";
        const answer = await call(`/api/suites/${action}`, {
          method: "POST",
          body: JSON.stringify({ path: `/${summary.suite}` }),
        });
        assert.equal(answer.status, 200, await answer.text());
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const cycle = `steady-${randomBytes(3).toString("hex")}`;
    try {
      const planned = await call(`/api/fleet/cycles/${cycle}`, {
        method: "PUT",
        body: JSON.stringify({ dataAt: new Date(Date.now() + 3_600_000).toISOString(), computeNodes: 0 }),
      });
      assert.equal(planned.status, 200, await planned.text());
      await page.locator(`table.cycles tr[data-fleet-cycle='${cycle}']`).waitFor({ timeout: 15_000 });
    } finally {
      flowing = false;
      await events;
      await call(`/api/fleet/cycles/${cycle}/state`, {
        method: "POST",
        body: JSON.stringify({ state: "cancelled" }),
      });
    }
  });
});
