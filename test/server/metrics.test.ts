// The metrics of every subsystem on a running server (issue 21): a control+data server (src/app's
// startServer) on a real PostgreSQL, a cycle's step files ingested over HTTP, its suite begun (its
// product tasks wait in the compute queue, no node takes them), fleet and delivery records, and the
// fleet's provider the CloudSigma simulator refusing a wrong token. Every metric docs/monitoring lists
// is scraped with its type, labels and a value the records imply; every metric the Grafana dashboard
// and the alert rules use exists; promtool (Debian's prometheus) checks the rules, the dashboard's
// queries and the exposition's naming.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { parse as parseYaml } from "yaml";
import { type RunningServer, startServer } from "../../src/app/server.ts";
import { createToken } from "../../src/auth/tokens.ts";
import { loadConfig } from "../../src/config/load.ts";
import { cycleKey, cycleSuiteName } from "../../src/cycle/names.ts";
import { beginSuite, loadSuites } from "../../src/flow/engine/commands.ts";
import { registerFlowMetrics } from "../../src/flow/engine/metrics.ts";
import { buildApp } from "../../src/server/app.ts";
import { createServerMetrics } from "../../src/server/metrics.ts";
import { type RunningSimulator, startCloudSigmaSimulator } from "../../src/sim/cloudsigma/index.ts";
import { encodeStep } from "../../src/sim/ecmwf/encode.ts";
import { globalGrid, newAccumulation } from "../../src/sim/ecmwf/fields.ts";
import { legacyDisseminationName } from "../../src/sim/ecmwf/names.ts";
import { freePort } from "../../src/system/processes.ts";
import { projectRoot, tempDir } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

const monitoring = join(projectRoot, "docs/monitoring");
const baseTime = new Date("2026-11-24T00:00:00Z");
const suite = cycleSuiteName(baseTime);
const cycle = cycleKey("ecmf", baseTime);
const oldSuite = cycleSuiteName(new Date("2026-11-17T00:00:00Z"));
const environment = "metricstest";

interface Sample {
  labels: Record<string, string>;
  value: number;
}
interface Exposition {
  types: Map<string, string>;
  samples: Map<string, Sample[]>;
}

/** Prometheus' text format: TYPE lines and samples (label values here have no escaped quotes). */
function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples = new Map<string, Sample[]>();
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) continue;
    const labels = Object.fromEntries(
      [...(sample[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    samples.set(sample[1]!, [...(samples.get(sample[1]!) ?? []), { labels, value: Number(sample[3]) }]);
  }
  return { types, samples };
}

/** The documented metrics: docs/monitoring/README.md's table rows (name, type, labels). */
function documentedMetrics(): Array<{ name: string; type: string; labels: string[] }> {
  const readme = readFileSync(join(monitoring, "README.md"), "utf8");
  return [...readme.matchAll(/^\| `(\w+)` \| (\w+) \| ([^|]*) \|/gm)].map((m) => ({
    name: m[1]!,
    type: m[2]!,
    labels: [...m[3]!.matchAll(/`(\w+)`/g)].map((l) => l[1]!),
  }));
}

/** The metric names a PromQL expression uses (ours, Node's and process ones; `up` is Prometheus' own). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b((?:cloudburst|process|nodejs)_\w+)/g)].map((m) => m[1]!);
}

function promtool(args: string[], input?: string) {
  const run = spawnSync("promtool", args, { encoding: "utf8", ...(input !== undefined ? { input } : {}) });
  if (run.error) {
    assert.fail(
      `promtool did not run (${run.error.message}): install Debian's prometheus package (.ci/run does)`,
    );
  }
  return run;
}

describe("/metrics on a running server", () => {
  let db: TestDatabase;
  let sim: RunningSimulator;
  let server: RunningServer;
  let token: string;
  const dir = tempDir("cb-metrics-");

  before(async () => {
    db = await createTestDatabase();
    sim = await startCloudSigmaSimulator({ timeScale: 0.01, launchGuests: false, stateFile: null });
    writeFileSync(
      join(dir, "cloudburst.yaml"),
      [
        "alerts:",
        "  lateStepSeconds: 1",
        "fleet:",
        "  provider: cloudsigma",
        `  environment: ${environment}`,
        "  nodePricePerHour: 0.6",
        "  reconcileIntervalSeconds: 3600",
        "  cloudsigma:",
        `    apiUrl: ${sim.url}`,
      ].join("\n"),
    );
    // A wrong token: the fleet's first pass is refused, and is counted as an API error.
    const config = loadConfig({ cwd: dir, env: { DATABASE_URL: db.url, CLOUDSIGMA_TOKEN: "wrong" } });
    await seedRecords(db);
    server = await startServer(config, {
      roles: new Set(["control", "data"]),
      host: "127.0.0.1",
      port: 0,
      logStream: { write: () => true },
    });
    token = await createToken(db.pool, "metrics-test");
  });
  after(async () => {
    await server?.stop();
    await sim?.stop();
    await db?.drop();
  });

  const scrape = async () => {
    const response = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status, 200, await response.clone().text());
    const text = await response.text();
    return { text, ...parseExposition(text) };
  };
  const value = (e: Exposition, name: string, labels: Record<string, string> = {}) =>
    e.samples
      .get(name)
      ?.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      .reduce((sum, s) => sum + s.value, 0);

  /** Scrapes until `ready` holds (the engine submits, ingest registers, the fleet's first pass ends). */
  const scrapeWhen = async (ready: (e: Exposition) => boolean) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const e = await scrape();
      if (ready(e) || Date.now() > deadline) return e;
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  it("reports every documented metric with its type, labels and the value its records imply", async () => {
    const grid = globalGrid(10);
    const accumulation = newAccumulation(grid);
    for (const step of [0, 1]) {
      const name = legacyDisseminationName("A1", "D", baseTime, step);
      const body = encodeStep({ pressureLevels: [], modelLevels: [] }, grid, baseTime, step, accumulation);
      const put = await fetch(`${server.url}/api/ingest/${name}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
        body: Buffer.from(body),
      });
      assert.equal(put.status, 201, await put.text());
    }
    await loadSuites(db.pool, suiteDef(), "metrics.def", { actor: "test" });
    await beginSuite(db.pool, suite, "test");
    // Last week's cycle suite, all complete: no longer in play, so not in the flow metrics.
    await loadSuites(db.pool, `suite ${oldSuite}\n  task done\nendsuite\n`, "old.def", { actor: "test" });
    await db.pool.query(
      `update flow_suite set loaded_at = now() - interval '7 days', begun_at = now() - interval '7 days' where name = $1`,
      [oldSuite],
    );
    await db.pool.query(
      "update flow_node set state = 'complete' from flow_suite s where s.id = suite_id and s.name = $1",
      [oldSuite],
    );
    await seedDeliveries(db);

    const e = await scrapeWhen(
      (m) =>
        value(m, "cloudburst_flow_tasks", { suite, state: "submitted" }) === 2 &&
        (value(m, "cloudburst_fleet_api_errors_total") ?? 0) > 0 &&
        // Both steps' data is more than alerts.lateStepSeconds (1 s) old.
        value(m, "cloudburst_cycle_late_steps", { cycle }) === 2,
    );
    for (const metric of documentedMetrics()) {
      assert.equal(e.types.get(metric.name), metric.type, `${metric.name} is a ${metric.type}`);
      const samples = e.samples.get(metric.type === "histogram" ? `${metric.name}_count` : metric.name) ?? [];
      for (const s of samples)
        assert.deepEqual(
          Object.keys(s.labels)
            .filter((l) => l !== "le")
            .sort(),
          [...metric.labels].sort(),
          metric.name,
        );
    }
    // Node's default metrics carry their standard names.
    assert.equal(e.types.get("process_cpu_seconds_total"), "counter");
    assert.equal(e.types.get("nodejs_eventloop_lag_p99_seconds"), "gauge");
    assert.ok(
      ![...e.types.keys()].some((n) => /^cloudburst_(process|nodejs)_/.test(n)),
      "no prefixed default metric",
    );

    // Flow: the two product tasks wait in the compute queue; two aborts recorded, one of a dead job.
    assert.equal(value(e, "cloudburst_flow_tasks", { suite, state: "submitted" }), 2);
    assert.equal(value(e, "cloudburst_flow_tasks", { suite, state: "complete" }), 0);
    assert.ok(value(e, "cloudburst_flow_submissions_total", { suite })! >= 2);
    assert.equal(value(e, "cloudburst_flow_aborts_total", { suite }), 2);
    assert.equal(value(e, "cloudburst_flow_dead_jobs_total", { suite }), 1);
    for (const name of ["cloudburst_flow_tasks", "cloudburst_flow_submissions_total"])
      assert.ok(
        !e.samples.get(name)?.some((s) => s.labels["suite"] === oldSuite),
        `${name} leaves ${oldSuite} out`,
      );

    // Fleet: the seeded nodes, compute ones ready 30 s and (last cycle's) 15 s after their request; the
    // refused token.
    assert.equal(value(e, "cloudburst_fleet_nodes", { role: "compute", state: "ready" }), 1);
    assert.equal(value(e, "cloudburst_fleet_nodes", { role: "compute", state: "creating" }), 1);
    assert.equal(value(e, "cloudburst_fleet_nodes", { role: "data", state: "ready" }), 1);
    assert.equal(value(e, "cloudburst_fleet_nodes", { role: "compute", state: "destroying" }), 0);
    assert.equal(value(e, "cloudburst_fleet_provisioning_seconds_count", { role: "compute" }), 2);
    assert.ok(
      Math.abs(value(e, "cloudburst_fleet_provisioning_seconds_sum", { role: "compute" })! - 45) < 0.01,
    );
    assert.equal(value(e, "cloudburst_fleet_provisioning_seconds_bucket", { role: "compute", le: "10" }), 0);
    assert.equal(value(e, "cloudburst_fleet_provisioning_seconds_bucket", { role: "compute", le: "15" }), 1);
    assert.equal(value(e, "cloudburst_fleet_provisioning_seconds_bucket", { role: "compute", le: "30" }), 2);
    // Billed from each request with a provider id: last cycle's node for 3615 s, this cycle's compute node
    // for 40 s and more, the data one for 100 s and more (and the node without a provider id not at all).
    const cost = value(e, "cloudburst_fleet_cost_total", { currency: "EUR" })!;
    const billed = (seconds: number) => (seconds / 3600) * 0.6;
    assert.ok(cost >= billed(3615 + 140) && cost < billed(3615 + 140 + 2 * 600), `cost ${cost}`);
    const refused = e.samples.get("cloudburst_fleet_api_errors_total") ?? [];
    assert.ok(
      refused.some((s) => s.labels["provider"] === "cloudsigma" && /^40[13]$/.test(s.labels["code"]!)),
      JSON.stringify(refused),
    );

    // Delivery: two delivered (1000 + 2000 bytes, one after two retries), one failed after one, one pending.
    assert.equal(value(e, "cloudburst_delivery_files", { state: "delivered" }), 2);
    assert.equal(value(e, "cloudburst_delivery_files", { state: "failed" }), 1);
    assert.equal(value(e, "cloudburst_delivery_files", { state: "pending" }), 1);
    assert.equal(value(e, "cloudburst_delivery_bytes_total"), 3000);
    assert.equal(value(e, "cloudburst_delivery_retries_total"), 3);

    // Cycle: steps 0 and 1 are all delivered, after their data arrived; ECMWF schedules them at
    // T+5:45 and T+5:45.3, weeks before this test delivered them; their tasks are not complete, so late.
    for (const step of ["0", "1"]) {
      const latency = value(e, "cloudburst_cycle_step_latency_seconds", { cycle, step })!;
      const lateness = value(e, "cloudburst_cycle_step_lateness_seconds", { cycle, step })!;
      assert.ok(latency >= 0 && latency < 600, `step ${step} latency ${latency}`);
      assert.ok(lateness - latency > 86_400, `step ${step} lateness ${lateness}, latency ${latency}`);
    }
    const steps = (e.samples.get("cloudburst_cycle_step_latency_seconds") ?? []).map((s) => s.labels["step"]);
    assert.deepEqual(steps.sort(), ["0", "1"], "only the steps all delivered");
    assert.equal(value(e, "cloudburst_cycle_late_steps", { cycle }), 2);

    // Ingest and HTTP, the existing ones.
    assert.equal(value(e, "cloudburst_ingest_files_total", { outcome: "registered" }), 2);
    assert.ok(
      value(e, "cloudburst_http_requests_total", { route: "/api/ingest/:name", status: "201" })! >= 2,
    );

    // Prometheus' naming rules, as its own linter reads them, for our metrics.
    const ours = e.text
      .split("\n")
      .filter((l) => /^(# (HELP|TYPE) )?cloudburst_/.test(l))
      .join("\n");
    const lint = promtool(["check", "metrics"], `${ours}\n`);
    assert.equal(lint.status, 0, `${lint.stdout}${lint.stderr}`);
  });

  it("has every metric the dashboard and the alert rules use", async () => {
    const { types } = await scrape();
    const exists = (name: string) =>
      types.has(name) || types.get(name.replace(/_(bucket|sum|count)$/, "")) === "histogram";
    const dashboard = JSON.parse(readFileSync(join(monitoring, "grafana-dashboard.json"), "utf8")) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
      templating: { list: Array<{ definition: string }> };
    };
    const dashboardExprs = [
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
      ...dashboard.templating.list.map((v) => v.definition),
    ];
    const rules = parseYaml(readFileSync(join(monitoring, "alerts.yml"), "utf8")) as {
      groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
    };
    const ruleExprs = rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
    assert.ok(dashboardExprs.length >= 15 && ruleExprs.length >= 8);
    for (const expr of [...dashboardExprs, ...ruleExprs]) {
      const names = metricNames(expr);
      assert.ok(names.length > 0 || /\bup\b/.test(expr), `"${expr}" uses a metric`);
      for (const name of names) assert.ok(exists(name), `${name} (in "${expr}") is not on /metrics`);
    }
    // Every documented metric is charted or alerted on.
    const used = new Set([...dashboardExprs, ...ruleExprs].flatMap(metricNames));
    for (const { name, type } of documentedMetrics()) {
      const forms = type === "histogram" ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
      assert.ok(
        forms.some((f) => used.has(f)),
        `${name} is on neither the dashboard nor in a rule`,
      );
    }
  });

  it("passes promtool check rules, and the dashboard's queries parse as PromQL", () => {
    const check = promtool(["check", "rules", join(monitoring, "alerts.yml")]);
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
    assert.match(check.stdout, /SUCCESS: \d+ rules found/);
    // The dashboard's queries as recording rules ($suite as Grafana's "All" makes it), for promtool to parse.
    const dashboard = JSON.parse(readFileSync(join(monitoring, "grafana-dashboard.json"), "utf8")) as {
      panels: Array<{ targets: Array<{ expr: string }> }>;
    };
    const recorded = dashboard.panels
      .flatMap((p) => p.targets)
      .map((t, i) => ({ record: `dashboard:query_${i}`, expr: t.expr.replaceAll("$suite", ".*") }));
    const file = join(dir, "dashboard-rules.yml");
    writeFileSync(file, JSON.stringify({ groups: [{ name: "dashboard", rules: recorded }] }));
    const parsed = promtool(["check", "rules", file]);
    assert.equal(parsed.status, 0, `${parsed.stdout}${parsed.stderr}`);
  });
});

describe("/metrics without its database", () => {
  it("answers 503 saying what failed and where to look, not a partial page", async () => {
    // Nothing listens on this port: every query is refused.
    const pool = new pg.Pool({ host: "127.0.0.1", port: await freePort(), connectionTimeoutMillis: 2000 });
    pool.on("error", () => undefined);
    const metrics = createServerMetrics();
    registerFlowMetrics(metrics.registry, pool);
    const app = await buildApp({ pool, metrics });
    try {
      const response = await app.inject({ method: "GET", url: "/metrics" });
      assert.equal(response.statusCode, 503);
      const body = response.json() as { error: string; message: string };
      assert.equal(body.error, "metrics_unavailable");
      assert.match(
        body.message,
        /^reading the metrics failed: .*ECONNREFUSED.*\/readyz says whether the database is reachable$/,
      );
    } finally {
      await app.close();
      await pool.end();
    }
  });
});

/** The cycle suite's product families for steps 0 and 1, one task each (they wait in the compute queue). */
function suiteDef(): string {
  return [
    `suite ${suite}`,
    "  family products",
    "    family step_000",
    "      task t2m_celsius",
    "    endfamily",
    "    family step_001",
    "      task t2m_celsius",
    "    endfamily",
    "  endfamily",
    "endsuite",
    "",
  ].join("\n");
}

/** Fleet records as the controller writes them (the refused provider leaves them alone). */
async function seedRecords(db: TestDatabase): Promise<void> {
  await db.pool.query(
    `insert into fleet_node (environment, cycle, role, provider, provider_id, name, state, requested_at, ready_at,
                             price_per_hour, currency)
     values ($1, $2, 'compute', 'cloudsigma', 'c-1', 'cb-compute-1', 'ready', now() - interval '40 s',
             now() - interval '10 s', 0.6, 'EUR'),
            ($1, $2, 'compute', 'cloudsigma', null, 'cb-compute-2', 'creating', now(), null, 0.6, 'EUR'),
            ($1, $2, 'data', 'cloudsigma', 'd-1', 'cb-data-1', 'ready', now() - interval '100 s',
             now() - interval '80 s', 0.6, 'EUR'),
            ($1, 'ecmf/2026112312', 'compute', 'cloudsigma', 'c-0', 'cb-compute-0', 'destroyed',
             now() - interval '1 day', now() - interval '1 day' + interval '15 s', 0.6, 'EUR')`,
    [environment, cycle],
  );
  await db.pool.query(
    "update fleet_node set gone_at = ready_at + interval '1 hour' where state = 'destroyed'",
  );
}

/** The suite's history the engine writes on aborts, and the delivery ledger of the cycle. */
async function seedDeliveries(db: TestDatabase): Promise<void> {
  await db.pool.query(
    `insert into flow_history (suite_id, path, kind, from_state, to_state, try_no, detail, actor)
     select id, $2, 'state', 'active', 'aborted', 1, 'no heartbeat: the worker is presumed dead', 'engine'
       from flow_suite where name = $1
     union all
     select id, $2, 'state', 'active', 'aborted', 2, 'exit code 1', 'child' from flow_suite where name = $1`,
    [suite, `/${suite}/products/step_000/t2m_celsius`],
  );
  await db.pool.query(
    `insert into delivery (cycle_key, step, destination, name, local_path, bytes, sha256, state, attempts, delivered_at)
     values ($1, 0, 'file:///products', 'p0', '/tmp/p0', 1000, 'a', 'delivered', 1, now()),
            ($1, 1, 'file:///products', 'p1', '/tmp/p1', 2000, 'b', 'delivered', 3, now()),
            ($1, 2, 'file:///products', 'p2', '/tmp/p2', 500, 'c', 'failed', 2, null),
            ($1, 3, 'file:///products', 'p3', '/tmp/p3', 500, 'd', 'pending', 0, null)`,
    [cycle],
  );
}
