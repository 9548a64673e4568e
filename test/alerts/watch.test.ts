// The alert watch on a real PostgreSQL, sending through a real SMTP server and a webhook on loopback:
// a task aborted on its last try (run by the real flow engine), deliveries failed after their retries,
// quarantined files (the real ingest pipeline), late steps of a cycle suite, and the control server
// raising them by itself. Each problem is alerted once — across passes, restarts and reruns that
// change nothing — with what, where and what to do, and never with a secret.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Alerter } from "../../src/alerts/alerts.ts";
import { configuredChannels } from "../../src/alerts/channels.ts";
import { alertsConfigSchema } from "../../src/alerts/config.ts";
import { abortedTasks, failedDeliveryProblems, quarantineProblems } from "../../src/alerts/problems.ts";
import { AlertWatch, type ProblemSource } from "../../src/alerts/watch.ts";
import { lateStepProblems } from "../../src/cycle/late-steps.ts";
import { deliverTaskOf } from "../../src/cycle/names.ts";
import { cycleSuiteDefinition } from "../../src/cycle/suite.ts";
import { deliverCycle, queueDeliveries } from "../../src/delivery/ledger.ts";
import { beginSuite, forceState, killNode, loadSuites, rerunTask } from "../../src/flow/engine/commands.ts";
import { describeMessage } from "../../src/ingest/describe.ts";
import { IngestPipeline } from "../../src/ingest/pipeline.ts";
import { encodeStep } from "../../src/sim/ecmwf/encode.ts";
import { globalGrid, newAccumulation } from "../../src/sim/ecmwf/fields.ts";
import { legacyDisseminationName } from "../../src/sim/ecmwf/names.ts";
import { LocalStore } from "../../src/store/store.ts";
import { waitUntil } from "../flow/engine-helpers.ts";
import { runCli, spawnCli, stopChild, tempDir, waitForOutput } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { startTestEngine, type TestEngine } from "../helpers/flow.ts";
import { type AlertReceivers, startAlertReceivers } from "../helpers/mail.ts";

const secret = "S3cret-Passw0rd";
let db: TestDatabase;
let rx: AlertReceivers;

before(async () => {
  db = await createTestDatabase();
  rx = await startAlertReceivers();
});

after(async () => {
  await rx.close();
  await db.drop();
});

function alerter(): Alerter {
  const config = alertsConfigSchema.parse({
    smtp: { host: "127.0.0.1", port: rx.smtpPort, from: "cloudburst@example.org", to: ["ops@example.org"] },
    webhook: { url: rx.hookUrl },
  });
  // The watch's process has the delivery password in its environment: it must never reach an alert.
  return new Alerter(config, configuredChannels(config, {}), db.pool, { DELIVERY_PASSWORD: secret });
}

/** A watch as a (re)started control server has it: a fresh process's memory, the same database. */
function watch(sources: ProblemSource[], now?: () => Date): AlertWatch {
  return new AlertWatch({
    pool: db.pool,
    alerter: alerter(),
    sources,
    config: { watchIntervalSeconds: 15, watchLookbackHours: 24 },
    ...(now ? { now } : {}),
  });
}

async function recordsOf(key: string): Promise<Array<{ channel: string; held: string | null }>> {
  const r = await db.pool.query<{ channel: string; held: string | null }>(
    "select channel, held from alert where key = $1 order by channel",
    [key],
  );
  return r.rows;
}

async function taskRow(path: string): Promise<{ state: string; try_no: number }> {
  const r = await db.pool.query<{ state: string; try_no: number }>(
    "select state, try_no from flow_node where path = $1",
    [path],
  );
  return r.rows[0]!;
}

describe("the alerts configuration", () => {
  test("the watch's keys have defaults fit for real time, and an unknown key is an error", () => {
    const config = alertsConfigSchema.parse({});
    assert.equal(config.watch, true);
    assert.equal(config.lateStepSeconds, 600);
    assert.equal(config.watchIntervalSeconds, 15);
    assert.equal(config.watchLookbackHours, 24);
    assert.equal(config.retryFailedSeconds, 300);
    assert.equal(alertsConfigSchema.parse({ lateStepSeconds: 30 }).lateStepSeconds, 30);
    assert.throws(() => alertsConfigSchema.parse({ lateStepSecs: 30 }), /lateStepSecs/);
    assert.throws(() => alertsConfigSchema.parse({ lateStepSeconds: 0 }));
  });
});

describe("raising a problem", () => {
  test("is sent once per channel for good; a failed channel is retried after retryFailedSeconds, not on every pass", async () => {
    const config = alertsConfigSchema.parse({
      smtp: { host: "127.0.0.1", port: rx.smtpPort, from: "cloudburst@example.org", to: ["ops@example.org"] },
      webhook: { url: "http://127.0.0.1:9/nothing-listens", timeoutMs: 2000 },
      retryFailedSeconds: 1,
      dedupSeconds: 0,
    });
    const raiser = new Alerter(config, configuredChannels(config, {}), db.pool, {});
    const alert = { key: "raise:1", severity: "warning" as const, title: "raised once", text: "x" };
    const before = rx.mails.length;
    const first = await raiser.raise(alert);
    assert.deepEqual(first.sent, ["email"]);
    assert.match(first.held[0]!.reason, /^failed: /);
    assert.equal(first.settled, false);
    const second = await raiser.raise(alert);
    assert.deepEqual([second.sent, second.held, second.skipped], [[], [], ["email", "webhook"]]);
    assert.equal((await recordsOf("raise:1")).length, 2, "a skipped channel records nothing");
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const third = await raiser.raise(alert);
    assert.deepEqual(third.sent, []);
    assert.deepEqual(third.skipped, ["email"]);
    assert.match(third.held[0]!.reason, /^failed: /);
    assert.equal(rx.mails.length, before + 1, "the email went once, though dedupSeconds is 0");
  });
});

describe("tasks aborted for good", () => {
  let engine: TestEngine | null = null;
  after(async () => {
    await engine?.stop();
  });

  test("the last try's abort is alerted once, with the path, try, reason and commands; retried, killed and forced tasks are not", async () => {
    await loadSuites(
      db.pool,
      [
        "suite ops",
        "  edit ECF_TRIES 2",
        "  edit CB_QUEUE control",
        "  task broken",
        '    edit CB_ACTION "fail disk full on /data/scratch"',
        "  task flaky",
        '    edit CB_ACTION "fail first try fails"',
        "    edit FAIL_UNTIL_TRY 2",
        "  task misrouted",
        '    edit CB_QUEUE "gpu"',
        '    edit CB_ACTION "noop"',
        "  task sleeper",
        '    edit CB_ACTION "sleep 120"',
        "  task waiting",
        "    trigger broken == complete",
        "endsuite",
        "",
      ].join("\n"),
      "ops.def",
      { actor: "test" },
    );
    await beginSuite(db.pool, "ops", "test");
    engine = await startTestEngine(db, { tickMs: 500 });
    await waitUntil("broken to abort on its second try", async () => {
      const row = await taskRow("/ops/broken");
      return row.state === "aborted" && row.try_no === 2;
    });
    await waitUntil("flaky to complete", async () => (await taskRow("/ops/flaky")).state === "complete");
    await waitUntil("sleeper to run", async () => (await taskRow("/ops/sleeper")).state === "active");
    assert.deepEqual(await killNode(db.pool, "/ops/sleeper", "operator-anna"), ["/ops/sleeper"]);
    assert.equal(await forceState(db.pool, "/ops/waiting", "aborted", "operator-anna"), 1);
    await engine.settled();
    assert.equal((await taskRow("/ops/misrouted")).state, "aborted");

    const mailsBefore = rx.mails.length;
    const report = await watch([abortedTasks(db.pool)]).scan();
    assert.deepEqual(report.errors, []);
    const subjects = rx.mails.slice(mailsBefore).map((m) => m.subject);
    assert.deepEqual(subjects.sort(), [
      "[cloudburst critical] Task /ops/broken aborted for good (try 2 of 2)",
      "[cloudburst critical] Task /ops/misrouted aborted for good: it could not be submitted",
    ]);
    const mail = rx.mails.slice(mailsBefore).find((m) => m.subject.includes("/ops/broken"))!;
    assert.deepEqual(mail.to, ["ops@example.org"]);
    assert.match(mail.data, /aborted on its last try \(2 of 2, ECF_TRIES\)/);
    assert.match(mail.data, /disk full on \/data\/scratch/);
    assert.match(mail.data, /suite ops/);
    assert.match(mail.data, /`cloudburst suite rerun \/ops\/broken`/);
    assert.match(mail.data, /`cloudburst suite why \/ops\/broken`/);
    const misrouted = rx.mails.slice(mailsBefore).find((m) => m.subject.includes("/ops/misrouted"))!;
    assert.match(misrouted.data, /CB_QUEUE is "gpu"/);
    const hook = rx.hooks.find((h) => String(h["key"]).includes("/ops/broken"))!;
    assert.equal(hook["severity"], "critical");
    assert.match(String(hook["text"]), /cloudburst suite rerun \/ops\/broken/);

    // The next pass, and a restarted server's first pass, raise nothing again.
    await watch([abortedTasks(db.pool)]).scan();
    const again = watch([abortedTasks(db.pool)]);
    await again.scan();
    await again.scan();
    assert.equal(rx.mails.length, mailsBefore + 2);
    const key = String(hook["key"]);
    assert.deepEqual(await recordsOf(key), [
      { channel: "email", held: null },
      { channel: "webhook", held: null },
    ]);

    // Run again by an operator and aborted again: a new problem, alerted once more.
    await rerunTask(db.pool, "/ops/broken", "operator-anna");
    await waitUntil("the rerun to abort", async () => {
      const row = await taskRow("/ops/broken");
      return row.state === "aborted" && row.try_no === 3;
    });
    await again.scan();
    assert.equal(rx.mails.length, mailsBefore + 3);
    assert.equal(
      rx.mails.at(-1)!.subject,
      "[cloudburst critical] Task /ops/broken aborted for good (try 3, ECF_TRIES 2)",
    );
  });

  test("an abort with tries left is not alerted; the same task on its last try is", async () => {
    await loadSuites(
      db.pool,
      ["suite tries", "  edit ECF_TRIES 3", "  task early", "  task last", "endsuite", ""].join("\n"),
      "tries.def",
      { actor: "test" },
    );
    await beginSuite(db.pool, "tries", "test");
    // As the engine records an abort (no engine runs here, so nothing retries them).
    const abort = (path: string, tryNo: number) =>
      db.pool.query(
        `with s as (select id from flow_suite where name = 'tries'),
              n as (update flow_node set state = 'aborted', try_no = $2, submissions = $2,
                      aborted_reason = 'exit code 3', state_since = now()
                     where suite_id = (select id from s) and path = $1 returning suite_id)
         insert into flow_history (suite_id, path, kind, from_state, to_state, try_no, detail, actor)
         select suite_id, $1, 'state', 'active', 'aborted', $2, 'exit code 3', 'child' from n`,
        [path, tryNo],
      );
    await abort("/tries/early", 2);
    await abort("/tries/last", 3);
    const before = rx.mails.length;
    await watch([abortedTasks(db.pool)]).scan();
    assert.deepEqual(
      rx.mails.slice(before).map((m) => m.subject),
      ["[cloudburst critical] Task /tries/last aborted for good (try 3 of 3)"],
    );
    await abort("/tries/early", 3);
    await watch([abortedTasks(db.pool)]).scan();
    assert.deepEqual(
      rx.mails.slice(before + 1).map((m) => m.subject),
      ["[cloudburst critical] Task /tries/early aborted for good (try 3 of 3)"],
    );
  });
});

describe("failed deliveries", () => {
  const destination = "ftp://products@dest.example.org:21/incoming";
  const failing = (cycleKey: string, names: string[]) =>
    deliverCycle(
      db.pool,
      cycleKey,
      destination,
      async () => {
        // A server that echoes the login it refused (the password must not reach the operators).
        throw new Error(`530 login incorrect for products:${secret} after 4 attempts`);
      },
      { names },
    );
  const items = (names: string[]) =>
    names.map((name) => ({ name, localPath: `/store/${name}`, size: 10, sha256: name.padEnd(64, "0") }));

  test("one alert per cycle and destination, naming the files and the error, never the password", async () => {
    const key = "ecmf/2026112400";
    const names = ["ecmf_2026112400/t2/t2_006.grib2", "ecmf_2026112400/t2/t2_007.grib2"];
    await queueDeliveries(db.pool, key, destination, items(names), 6);
    await failing(key, names);
    const before = rx.mails.length;
    const source = failedDeliveryProblems(db.pool, deliverTaskOf);
    await watch([source]).scan();
    assert.equal(rx.mails.length, before + 1);
    const mail = rx.mails.at(-1)!;
    assert.equal(
      mail.subject,
      `[cloudburst critical] Delivery to ${destination} failed: 2 files of cycle ${key}`,
    );
    for (const name of names)
      assert.match(
        mail.data,
        new RegExp(`${name.replace(/\./g, "\\.")} \\(step 6\\), 1 attempt: 530 login incorrect`),
      );
    assert.match(mail.data, /`cloudburst suite rerun \/cycle_20261124_00\/teardown\/deliver`/);
    assert.ok(!mail.data.includes(secret), "the password is not in the mail");
    assert.match(mail.data, /products:\*\*\*\*/);
    assert.ok(!JSON.stringify(rx.hooks.at(-1)).includes(secret), "nor in the webhook");
    const stored = await db.pool.query<{ n: string }>(
      "select count(*) as n from alert where body::text like $1 or title like $1",
      [`%${secret}%`],
    );
    assert.equal(stored.rows[0]!.n, "0", "nor in the alert records the web UI shows");

    // More files of the same cycle failing to the same destination: the same problem.
    const more = ["ecmf_2026112400/t2/t2_008.grib2"];
    await queueDeliveries(db.pool, key, destination, items(more), 8);
    await failing(key, more);
    await watch([source]).scan();
    assert.equal(rx.mails.length, before + 1);

    // The next cycle's failure is a new problem.
    const next = ["ecmf_2026112406/t2/t2_000.grib2"];
    await queueDeliveries(db.pool, "ecmf/2026112406", destination, items(next), 0);
    await failing("ecmf/2026112406", next);
    await watch([source]).scan();
    assert.equal(rx.mails.length, before + 2);
    assert.match(rx.mails.at(-1)!.subject, /1 file of cycle ecmf\/2026112406$/);
  });
});

describe("quarantined files", () => {
  test("a rejected and a partly quarantined file: file, reason, where it is kept, the command to list", async () => {
    const store = new LocalStore(tempDir("cb-watch-store-"));
    const pipeline = new IngestPipeline({ pool: db.pool, store, describe: describeMessage });
    const dir = tempDir("cb-watch-in-");
    const baseTime = new Date("2026-11-24T00:00:00Z");
    const bad = join(dir, legacyDisseminationName("A1", "D", baseTime, 6));
    writeFileSync(bad, "this is no GRIB at all, just text that arrived under a GRIB name\n");
    const grid = globalGrid(10);
    const good = encodeStep(
      { pressureLevels: [], modelLevels: [] },
      grid,
      baseTime,
      7,
      newAccumulation(grid),
    );
    const partial = join(dir, legacyDisseminationName("A1", "D", baseTime, 7));
    writeFileSync(partial, Buffer.concat([Buffer.from(good), Buffer.from("trailing garbage")]));
    assert.equal((await pipeline.submit({ path: bad, source: "test", mode: "copy" })).outcome, "rejected");
    assert.equal((await pipeline.submit({ path: partial, source: "test", mode: "copy" })).outcome, "partial");

    const before = rx.mails.length;
    const source = quarantineProblems(db.pool, (uri) => store.path(uri));
    await watch([source]).scan();
    const mails = rx.mails.slice(before);
    assert.deepEqual(
      mails.map((m) => m.subject),
      [
        "[cloudburst critical] Ingest rejected A1D11240000112406001: nothing in it could be registered",
        "[cloudburst warning] Ingest quarantined 1 part of A1D11240000112407001",
      ],
    );
    const rejected = mails[0]!.data;
    assert.match(rejected, /not-grib/);
    assert.match(rejected, /`cloudburst quarantine ls --file A1D11240000112406001`/);
    const kept = /Where it is kept: (\S+) \(store:/.exec(rejected)?.[1];
    assert.ok(kept && existsSync(kept), `the alert names where the file is kept: ${kept}`);
    assert.match(mails[1]!.data, /registered in part: 1 region \(16 bytes\) quarantined/);

    await watch([source]).scan();
    assert.equal(rx.mails.length, before + 2);
  });
});

describe("late steps", () => {
  test("a step not delivered lateStepSeconds after its data arrived is alerted once; a step done in time is not", async () => {
    const baseTime = new Date("2026-11-25T00:00:00Z");
    await loadSuites(
      db.pool,
      cycleSuiteDefinition({ baseTime, products: [{ name: "t2", steps: [0, 1, 2] }], computeNodes: 1 }),
      "cycle.def",
      { actor: "test" },
    );
    await beginSuite(db.pool, "cycle_20261125_00", "test");
    const store = new LocalStore(tempDir("cb-late-store-"));
    const pipeline = new IngestPipeline({ pool: db.pool, store, describe: describeMessage });
    const dir = tempDir("cb-late-in-");
    const grid = globalGrid(10);
    const accumulation = newAccumulation(grid);
    const start = Date.now();
    const arrive = async (step: number, secondsAgo: number) => {
      const path = join(dir, legacyDisseminationName("A1", "D", baseTime, step));
      writeFileSync(
        path,
        encodeStep({ pressureLevels: [], modelLevels: [] }, grid, baseTime, step, accumulation),
      );
      const report = await pipeline.submit({
        path,
        source: "test",
        mode: "copy",
        producer: "ecmf",
        receivedAt: new Date(start - secondsAgo * 1000),
      });
      assert.ok(report.fieldsNew > 0);
    };
    await arrive(0, 700);
    await arrive(1, 700);
    await arrive(2, 100);
    // Step 1 made and delivered in time.
    await db.pool.query(
      "update flow_node set state = 'complete' where path = '/cycle_20261125_00/products/step_001/t2'",
    );
    const item = { name: "t2_001.grib2", localPath: "/store/t2_001.grib2", size: 1, sha256: "1".repeat(64) };
    await queueDeliveries(db.pool, "ecmf/2026112500", "file:///products", [item], 1);
    await deliverCycle(db.pool, "ecmf/2026112500", "file:///products", async () => ({
      name: item.name,
      bytes: 1,
      sha256: item.sha256,
      attempts: 1,
      resumedFrom: 0,
      alreadyPresent: false,
    }));

    let now = new Date(start);
    const source = lateStepProblems(db.pool, "ecmf", 600);
    const before = rx.mails.length;
    await watch([source], () => now).scan();
    assert.deepEqual(
      rx.mails.slice(before).map((m) => m.subject),
      [
        "[cloudburst warning] Step 0 of cycle ecmf/2026112500 is late: not delivered 700 s after its data arrived",
      ],
    );
    const mail = rx.mails.at(-1)!.data;
    assert.match(
      mail,
      /0 of 1 product tasks complete \(not yet: \/cycle_20261125_00\/products\/step_000\/t2 \(queued\)\)/,
    );
    assert.match(mail, /alerts\.lateStepSeconds/);
    assert.match(mail, /`cloudburst suite why \/cycle_20261125_00\/products\/step_000\/t2`/);

    // A pass on a woken watch leaves the clock's sources out; the clock finds step 2 once it is late.
    now = new Date(start + 550_000);
    await watch([source], () => now).scan({ clock: false });
    assert.equal(rx.mails.length, before + 1);
    await watch([source], () => now).scan();
    assert.equal(rx.mails.length, before + 2);
    assert.match(rx.mails.at(-1)!.subject, /Step 2 of cycle ecmf\/2026112500 is late: not delivered 650 s/);
    await watch([source], () => now).scan();
    assert.equal(rx.mails.length, before + 2);
  });
});

describe("the control server", () => {
  let server: ChildProcess | null = null;
  after(async () => {
    if (server) await stopChild(server);
  });

  test("raises a task's final abort by itself, once", async () => {
    const cwd = tempDir("cb-watch-server-");
    writeFileSync(
      join(cwd, "cloudburst.yaml"),
      [
        "alerts:",
        "  smtp:",
        "    host: 127.0.0.1",
        `    port: ${rx.smtpPort}`,
        "    from: cloudburst@example.org",
        "    to: [oncall@example.org]",
        "  watchIntervalSeconds: 1",
        "",
      ].join("\n"),
    );
    const env = { DATABASE_URL: db.url };
    server = spawnCli(["server", "--port", "0"], { cwd, env });
    await waitForOutput(server, /"server ready"/, 60_000);
    writeFileSync(
      join(cwd, "served.def"),
      [
        "suite served",
        "  edit ECF_TRIES 1",
        "  task fails",
        "    edit CB_QUEUE control",
        '    edit CB_ACTION "fail the input file is missing"',
        "endsuite",
        "",
      ].join("\n"),
    );
    for (const args of [
      ["suite", "load", "served.def"],
      ["suite", "begin", "served"],
    ]) {
      const result = await runCli(args, { cwd, env });
      assert.equal(result.code, 0, result.stderr);
    }
    const mail = await waitUntil("the server's alert", async () =>
      rx.mails.find((m) => m.to.includes("oncall@example.org") && m.subject.includes("/served/fails")),
    );
    assert.equal(mail.subject, "[cloudburst critical] Task /served/fails aborted for good (try 1 of 1)");
    assert.match(mail.data, /the input file is missing/);
    // Several more passes of its clock: still one alert.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.equal(rx.mails.filter((m) => m.subject.includes("/served/fails")).length, 1);
  });
});
