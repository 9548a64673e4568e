// Alerts through a real SMTP server (npm smtp-server) and a webhook receiver on loopback:
// HTTP code, meaning, provider body and runbook in every alert; deduplicated; rate-limited.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Alerter } from "../../src/alerts/alerts.ts";
import { configuredChannels } from "../../src/alerts/channels.ts";
import { httpCodeMeaning, httpCodeMeanings } from "../../src/alerts/codes.ts";
import { alertsConfigSchema } from "../../src/alerts/config.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { type AlertReceivers, startAlertReceivers } from "../helpers/mail.ts";

let receivers: AlertReceivers;
let mails: AlertReceivers["mails"];
let hooks: AlertReceivers["hooks"];
let smtpPort = 0;
let hookUrl = "";
let db: TestDatabase;

before(async () => {
  db = await createTestDatabase();
  receivers = await startAlertReceivers();
  ({ mails, hooks, smtpPort, hookUrl } = receivers);
});

after(async () => {
  await receivers.close();
  await db.drop();
});

function alerter(overrides: Record<string, unknown> = {}) {
  const config = alertsConfigSchema.parse({
    smtp: { host: "127.0.0.1", port: smtpPort, from: "cloudburst@example.org", to: ["ops@example.org"] },
    webhook: { url: hookUrl },
    runbooks: { "402": "https://wiki.example.org/cloud/402" },
    defaultRunbook: "https://wiki.example.org/cloud/other",
    ...overrides,
  });
  return new Alerter(config, configuredChannels(config, {}), db.pool);
}

describe("the HTTP code table", () => {
  test("has the thesis's codes with their meanings", () => {
    assert.deepEqual(
      Object.keys(httpCodeMeanings).map(Number),
      [400, 401, 402, 403, 404, 405, 406, 500, 503],
    );
    assert.match(httpCodeMeaning(402), /not enough funds.*5 days/);
    assert.match(httpCodeMeaning(503), /concurrent update.*out of capacity/);
    assert.match(httpCodeMeaning(0), /could not be reached/);
  });
});

describe("sending", () => {
  test("an email and a webhook carry the code, meaning, provider body and runbook", async () => {
    const result = await alerter().send({
      key: "t1:402",
      severity: "critical",
      title: "CloudSigma refused to start a node",
      text: "POST /servers/…/action/?do=start failed",
      httpCode: 402,
      providerBody: '[{"error_point": null, "error_type": "billing", "error_message": "Not enough funds"}]',
    });
    assert.deepEqual(result.sent.sort(), ["email", "webhook"]);
    assert.equal(mails.length, 1);
    const mail = mails[0]!;
    assert.deepEqual(mail.to, ["ops@example.org"]);
    assert.match(mail.data, /Subject: \[cloudburst critical\] CloudSigma refused to start a node/);
    assert.match(mail.data, /HTTP 402: Payment Required/);
    assert.match(mail.data, /Not enough funds/);
    assert.match(mail.data, /Runbook: https:\/\/wiki\.example\.org\/cloud\/402/);
    const hook = hooks.at(-1)!;
    assert.equal(hook["httpCode"], 402);
    assert.equal(hook["runbook"], "https://wiki.example.org/cloud/402");
    assert.match(String(hook["meaning"]), /Payment Required/);
  });

  test("a code without its own runbook gets the default one", async () => {
    await alerter().send({ key: "t1:503", severity: "warning", title: "outage", text: "x", httpCode: 503 });
    assert.equal(hooks.at(-1)!["runbook"], "https://wiki.example.org/cloud/other");
  });

  test("the same key within the dedup window is held back, in a new process too", async () => {
    const before = mails.length;
    const alert = { key: "t2:dup", severity: "warning" as const, title: "dup", text: "x" };
    assert.deepEqual((await alerter().send(alert)).sent.sort(), ["email", "webhook"]);
    const second = await alerter().send(alert); // a new Alerter: the record is in PostgreSQL
    assert.deepEqual(second.sent, []);
    assert.deepEqual(
      second.held.map((h) => h.reason),
      ["duplicate", "duplicate"],
    );
    assert.equal(mails.length, before + 1);
  });

  test("past maxPerWindow a channel is rate-limited, per severity: a critical is never held behind warnings", async () => {
    const limited = alerter({ maxPerWindow: 1, windowSeconds: 3600, smtp: undefined });
    const warning = (key: string) => limited.send({ key, severity: "warning", title: "w", text: "x" });
    await warning("t3:warning-1");
    const hooksBefore = hooks.length;
    const second = await warning("t3:warning-2");
    assert.deepEqual(second.held, [{ channel: "webhook", reason: "rate_limited" }]);
    assert.equal(hooks.length, hooksBefore);
    // The tests above sent criticals in this window: a budget per severity counts criticals only.
    const perSeverity = alerter({ maxPerWindow: { critical: 50, warning: 1 }, smtp: undefined });
    const critical = await perSeverity.send({
      key: "t3:leak",
      severity: "critical",
      title: "VLAN leak",
      text: "x",
    });
    assert.deepEqual([critical.sent, critical.held], [["webhook"], []]);
    assert.equal(hooks.length, hooksBefore + 1);
    const alsoHeld = await perSeverity.send({
      key: "t3:warning-3",
      severity: "warning",
      title: "w",
      text: "x",
    });
    assert.deepEqual(alsoHeld.held, [{ channel: "webhook", reason: "rate_limited" }]);

    // A fresh record (no database): warnings use up their budget, the critical after them goes out.
    const config = alertsConfigSchema.parse({ webhook: { url: hookUrl }, maxPerWindow: 1 });
    const fresh = new Alerter(config, configuredChannels(config, {}), null);
    const outcomes = [];
    for (const [key, severity] of [
      ["w1", "warning"],
      ["w2", "warning"],
      ["c1", "critical"],
    ] as const)
      outcomes.push((await fresh.send({ key, severity, title: key, text: "x" })).sent.length === 1);
    assert.deepEqual(outcomes, [true, false, true]);
  });

  test("a failing channel does not stop the others and is recorded", async () => {
    const config = alertsConfigSchema.parse({
      smtp: { host: "127.0.0.1", port: smtpPort, from: "cloudburst@example.org", to: ["ops@example.org"] },
      webhook: { url: "http://127.0.0.1:9/nothing-listens", timeoutMs: 2000 },
    });
    const result = await new Alerter(config, configuredChannels(config, {}), db.pool).send({
      key: "t4:fail",
      severity: "warning",
      title: "f",
      text: "x",
    });
    assert.deepEqual(result.sent, ["email"]);
    assert.match(result.held[0]!.reason, /^failed: /);
    const rows = await db.pool.query(
      "select channel, held from alert where key = 't4:fail' order by channel",
    );
    assert.equal(rows.rows.length, 2);
  });
});

describe("without channels", () => {
  test("alerts are recorded for the web UI, deduplicated all the same", async () => {
    const bare = new Alerter(alertsConfigSchema.parse({}), [], db.pool);
    const alert = {
      key: "t5:bare",
      severity: "critical" as const,
      title: "no funds",
      text: "x",
      httpCode: 402,
    };
    assert.deepEqual((await bare.send(alert)).sent, ["record"]);
    assert.deepEqual((await bare.send(alert)).held, [{ channel: "record", reason: "duplicate" }]);
    const rows = await db.pool.query<{ body: { meaning: string } }>(
      "select body from alert where key = 't5:bare' and held is null",
    );
    assert.equal(rows.rows.length, 1);
    assert.match(rows.rows[0]!.body.meaning, /Payment Required/);
  });
});
