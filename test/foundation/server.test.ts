import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli, spawnCli, stopChild, tempDir, waitForOutput } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

async function startServer(cwd: string, env: NodeJS.ProcessEnv = {}) {
  const child = spawnCli(["server", "--port", "0"], { cwd, env });
  const line = await waitForOutput(child, /"url":"http:\/\/127\.0\.0\.1:\d+"/);
  return { child, url: JSON.parse(`{${line}}`).url as string };
}

/** Processes whose command line mentions `text` (other than ps itself). */
function processesMentioning(text: string): string[] {
  const out = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" });
  return out.split("\n").filter((l) => l.includes(text) && !l.includes("ps -eo"));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("control server with the embedded PostgreSQL", () => {
  const dir = tempDir();
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    server = await startServer(dir);
  });
  after(async () => {
    if (server.child.exitCode === null) await stopChild(server.child);
  });

  it("answers /healthz, /readyz and /metrics without a token", async () => {
    assert.deepEqual(await (await fetch(`${server.url}/healthz`)).json(), { status: "ok" });
    const ready = await fetch(`${server.url}/readyz`);
    assert.equal(ready.status, 200);
    const metrics = await fetch(`${server.url}/metrics`);
    assert.match(metrics.headers.get("content-type") ?? "", /text\/plain/);
    assert.match(await metrics.text(), /^# TYPE cloudburst_\w+ /m);
  });

  it("requires a bearer token under /api with a JSON error, and accepts a created one", async () => {
    const denied = await fetch(`${server.url}/api/whoami`);
    assert.equal(denied.status, 401);
    const body = (await denied.json()) as { error: string; message: string };
    assert.equal(body.error, "unauthorized");
    assert.ok(body.message.length > 0);
    const wrong = await fetch(`${server.url}/api/whoami`, { headers: { authorization: "Bearer cb_nope" } });
    assert.equal(wrong.status, 401);

    const created = await runCli(["token", "create", "ops", "--json"], { cwd: dir });
    assert.equal(created.code, 0, created.stderr);
    const { token } = JSON.parse(created.stdout) as { token: string };
    const allowed = await fetch(`${server.url}/api/whoami`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(allowed.status, 200);
    assert.deepEqual(await allowed.json(), { token: "ops" });
    const listed = await runCli(["token", "ls", "--json"], { cwd: dir });
    assert.doesNotMatch(listed.stdout, new RegExp(token));

    const revoked = await runCli(["token", "revoke", "ops"], { cwd: dir });
    assert.equal(revoked.code, 0);
    const after = await fetch(`${server.url}/api/whoami`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(after.status, 401);
  });

  it("answers unknown routes with a JSON 404 carrying a request id", async () => {
    const response = await fetch(`${server.url}/nowhere`);
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { error: string }).error, "not_found");
    assert.ok(response.headers.get("x-request-id"));
  });

  it("shuts down on SIGTERM with exit 0 and leaves no PostgreSQL behind", async () => {
    const postmasterPid = Number(
      readFileSync(join(dir, ".cloudburst/postgres/postmaster.pid"), "utf8").split("\n")[0],
    );
    assert.ok(isAlive(postmasterPid), "the embedded PostgreSQL runs while the server does");
    assert.equal(await stopChild(server.child, "SIGTERM"), 0);
    assert.equal(isAlive(postmasterPid), false);
    assert.deepEqual(processesMentioning(realpathSync(dir)), []);
    assert.match(readFileSync(join(dir, ".cloudburst/postgres.password"), "utf8"), /\S/);
  });
});

describe("control server with an external PostgreSQL (DATABASE_URL)", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  after(() => db.drop());

  it("migrates the external database and is ready; SIGINT exits 0", async () => {
    const dir = tempDir();
    const server = await startServer(dir, { DATABASE_URL: db.url });
    const ready = await fetch(`${server.url}/readyz`);
    assert.equal(ready.status, 200);
    const versions = await db.pool.query("select count(*)::int as n from schema_version");
    assert.ok(versions.rows[0].n > 0);
    assert.equal(await stopChild(server.child, "SIGINT"), 0);
    assert.equal(existsSync(join(dir, ".cloudburst/postgres")), false, "no embedded cluster is started");
  });

  it("does not log the database password", async () => {
    const dir = tempDir();
    const child = spawnCli(["server", "--port", "0"], { cwd: dir, env: { DATABASE_URL: db.url } });
    let output = "";
    child.stdout!.on("data", (d: Buffer) => {
      output += d;
    });
    await waitForOutput(child, /"server ready"/);
    await stopChild(child);
    const password = new URL(db.url).password;
    assert.ok(password.length > 0);
    assert.ok(!output.includes(password));
  });

  it("an unreachable database is a clear error with exit 1", async () => {
    const result = await runCli(["server", "--port", "0"], {
      env: { DATABASE_URL: "postgres://x:y@127.0.0.1:1/none" },
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /127\.0\.0\.1:1|ECONNREFUSED|database/i);
    assert.doesNotMatch(result.stderr, /:y@/);
  });
});
