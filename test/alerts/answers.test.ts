// Operators answer alerts through the API (issue 21): acknowledging an alert acknowledges its problem,
// whose next alerts are recorded and not sent; a silence holds back every alert its matcher names (a
// key, or a prefix ending in '*') until it ends, and a lasting problem raised under a silence is
// raised again once it ends; alerts are listed by kind, severity and state. Real PostgreSQL, real
// HTTP, a real webhook receiver on loopback.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { type Alert, Alerter } from "../../src/alerts/alerts.ts";
import { configuredChannels } from "../../src/alerts/channels.ts";
import { alertsConfigSchema } from "../../src/alerts/config.ts";
import { createToken } from "../../src/auth/tokens.ts";
import { buildApp } from "../../src/server/app.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { type AlertReceivers, startAlertReceivers } from "../helpers/mail.ts";

let db: TestDatabase;
let receivers: AlertReceivers;
let app: FastifyInstance;
let token: string;
let alerter: Alerter;

before(async () => {
  db = await createTestDatabase();
  receivers = await startAlertReceivers();
  // No deduplication window: every send of a key would go out but for the operators' answers.
  const config = alertsConfigSchema.parse({ webhook: { url: receivers.hookUrl }, dedupSeconds: 0 });
  alerter = new Alerter(config, configuredChannels(config, {}), db.pool);
  app = await buildApp({ pool: db.pool });
  token = await createToken(db.pool, "operator-anna");
});

after(async () => {
  await app?.close();
  await receivers?.close();
  await db?.drop();
});

async function call(method: string, url: string, payload?: object) {
  const response = await app.inject({
    method: method as "GET",
    url: `/api${url}`,
    headers: { authorization: `Bearer ${token}` },
    ...(payload ? { payload } : {}),
  });
  return { status: response.statusCode, body: response.body ? response.json() : null };
}

const leak: Alert = {
  key: "fleet:prod:leak:vlan:2c5e",
  severity: "critical",
  title: "VLAN 2c5e billed with no node on it",
  text: "Remove the subscription or attach it.",
};
const delivery: Alert = {
  key: "delivery:ecmwf/2026120600:ftp",
  severity: "warning",
  title: "Delivery to ftp failing",
  text: "The destination refuses logins.",
};

describe("operators' answers to alerts", () => {
  test("an acknowledged problem is not sent again; the list says who acknowledged it", async () => {
    const first = await alerter.send(leak);
    assert.deepEqual(first.sent, ["webhook"]);
    const open = await call("GET", "/alerts?state=open&kind=fleet");
    assert.equal(open.status, 200);
    assert.deepEqual(
      open.body.map((a: { key: string; kind: string }) => [a.key, a.kind]),
      [[leak.key, "fleet"]],
    );

    const acknowledged = await call("POST", `/alerts/${open.body[0].id}/acknowledge`);
    assert.deepEqual(acknowledged, { status: 200, body: { key: leak.key, acknowledged: 1 } });
    const hooksBefore = receivers.hooks.length;
    const again = await alerter.send(leak);
    assert.deepEqual(again.held, [{ channel: "webhook", reason: "acknowledged" }]);
    assert.equal(receivers.hooks.length, hooksBefore, "nothing sent");

    const list = await call("GET", "/alerts?state=acknowledged");
    assert.ok(list.body.length >= 1);
    for (const a of list.body) {
      assert.equal(a.key, leak.key);
      assert.equal(a.acknowledgedBy, "operator-anna");
    }
    assert.deepEqual((await call("GET", "/alerts?state=open")).body, []);
    assert.equal((await call("POST", "/alerts/999999/acknowledge")).status, 404);
  });

  test("a silence holds back the alerts it matches until it ends; a lasting problem is raised again after", async () => {
    const made = await call("POST", "/alerts/silences", {
      matcher: "delivery:*",
      minutes: 60,
      reason: "the destination is down for maintenance",
    });
    assert.equal(made.status, 201);
    assert.equal(made.body.createdBy, "operator-anna");
    assert.deepEqual(
      (await call("GET", "/alerts/silences")).body.map((s: { matcher: string }) => s.matcher),
      ["delivery:*"],
    );

    const hooksBefore = receivers.hooks.length;
    const silenced = await alerter.raise(delivery);
    assert.deepEqual(silenced.held, [{ channel: "webhook", reason: "silenced" }]);
    assert.equal(silenced.settled, false, "raised again once the silence ends");
    // Another kind is not matched.
    const other = await alerter.send({ ...leak, key: "abort:1:/s/t:1", title: "task aborted" });
    assert.deepEqual(other.sent, ["webhook"]);
    assert.equal(receivers.hooks.length, hooksBefore + 1);

    const held = await call("GET", "/alerts?state=held&kind=delivery&severity=warning");
    assert.deepEqual(
      held.body.map((a: { held: string }) => a.held),
      ["silenced"],
    );

    assert.equal((await call("DELETE", `/alerts/silences/${made.body.id}`)).status, 204);
    assert.equal((await call("DELETE", `/alerts/silences/${made.body.id}`)).status, 404);
    const raised = await alerter.raise(delivery);
    assert.deepEqual(raised.sent, ["webhook"], "sent once the silence ended");
    assert.equal(raised.settled, true);
    assert.deepEqual((await call("GET", "/alerts/kinds")).body, ["abort", "delivery", "fleet"]);
  });

  test("bad answers are refused with what is wrong", async () => {
    const long = await call("POST", "/alerts/silences", { matcher: "fleet:*", minutes: 20000, reason: "x" });
    assert.equal(long.status, 400);
    assert.match(long.body.message, /minutes/);
    const empty = await call("POST", "/alerts/silences", { matcher: "", minutes: 5, reason: "x" });
    assert.equal(empty.status, 400);
    assert.equal((await call("GET", "/alerts?state=closed")).status, 400);
  });
});
