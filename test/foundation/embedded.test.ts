// The embedded PostgreSQL outlives no one: whoever holds it keeps it, the last one out stops it, and
// when the last holder is killed (kill -9) with nobody to follow, its watchdog stops it.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readlinkSync, renameSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { openDatabase } from "../../src/db/database.ts";
import { startEmbeddedCluster, stopEmbeddedCluster } from "../../src/db/embedded.ts";
import { isAlive } from "../../src/system/processes.ts";
import { runCli, spawnCli, stopChild, tempDir, waitForOutput } from "../helpers/cli.ts";

const env = { DATABASE_URL: "" };

function pidIn(file: string): number {
  return existsSync(file) ? Number(readFileSync(file, "utf8").trim().split(/\s/)[0]) : 0;
}

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  return !isAlive(pid);
}

async function initialisedWithServer(): Promise<{
  dir: string;
  server: ReturnType<typeof spawnCli>;
  postmaster: number;
}> {
  const dir = tempDir();
  assert.equal((await runCli(["init"], { cwd: dir, env })).code, 0);
  const server = spawnCli(["server", "--port", "0"], { cwd: dir, env });
  await waitForOutput(server, /server ready/);
  const postmaster = pidIn(join(dir, ".cloudburst/postgres/postmaster.pid"));
  assert.ok(isAlive(postmaster));
  return { dir, server, postmaster };
}

describe("an embedded PostgreSQL whose owner died", () => {
  it("is stopped by its watchdog when no other process comes (kill -9 of the server)", async () => {
    const { dir, server, postmaster } = await initialisedWithServer();
    const watchdog = pidIn(join(dir, ".cloudburst/postgres.watchdog.pid"));
    try {
      assert.equal(await stopChild(server, "SIGKILL"), null);
      assert.ok(await gone(postmaster, 30_000), "the postmaster was stopped within 30 s");
      assert.ok(await gone(watchdog, 5_000), "and its watchdog ended");
    } finally {
      if (isAlive(postmaster)) process.kill(postmaster, "SIGQUIT");
    }
  });

  it("is reused by the next process, which stops it as the last one out", async () => {
    const { dir, server, postmaster } = await initialisedWithServer();
    try {
      await stopChild(server, "SIGKILL");
      const listed = await runCli(["cycles", "ls", "--json"], { cwd: dir, env });
      assert.equal(listed.code, 0, listed.stderr);
      assert.ok(await gone(postmaster, 10_000));
      const again = spawnCli(["server", "--port", "0"], { cwd: dir, env });
      await waitForOutput(again, /server ready/);
      const second = pidIn(join(dir, ".cloudburst/postgres/postmaster.pid"));
      assert.equal(await stopChild(again), 0);
      assert.ok(await gone(second, 10_000));
    } finally {
      if (isAlive(postmaster)) process.kill(postmaster, "SIGQUIT");
    }
  });
});

describe("the watchdog", () => {
  it("leaves a cluster alone while a process holds it, even with no connection open", async () => {
    const dataDir = tempDir();
    const cluster = await startEmbeddedCluster(dataDir, 0);
    const watchdog = pidIn(join(dataDir, "postgres.watchdog.pid"));
    try {
      assert.ok(isAlive(watchdog));
      await sleep(5000); // more than the watchdog's three checks a second apart
      assert.ok(isAlive(cluster.pid));
    } finally {
      await stopEmbeddedCluster(cluster);
    }
    assert.equal(isAlive(cluster.pid), false);
    assert.equal(isAlive(watchdog), false, "who stops the cluster stops its watchdog");
  });
});

describe("the last holder out", () => {
  it("waits for a client that is leaving (a role stopped on another node), then stops the cluster", async () => {
    const dataDir = tempDir();
    const db = await openDatabase(
      { dataDir, databaseUrl: null, database: { poolSize: 2, embedded: { port: 0 } } },
      { migrate: false },
    );
    const postmaster = pidIn(join(dataDir, "postgres/postmaster.pid"));
    // Not a holder: a process elsewhere that reaches the cluster by its URL, and leaves a second later.
    const remote = new pg.Client({ connectionString: db.url });
    await remote.connect();
    const leaving = sleep(1000).then(() => remote.end());
    try {
      await db.close();
      await leaving;
      assert.equal(isAlive(postmaster), false, "stopped by the last holder, not left to the watchdog");
      assert.equal(existsSync(join(dataDir, "postgres/postmaster.pid")), false);
    } finally {
      if (isAlive(postmaster)) process.kill(postmaster, "SIGQUIT");
    }
  });
});

// As root, a cluster under a directory the postgres user cannot reach lives in /var/tmp, linked from
// its data directory; once that directory is gone for a day, the next cluster started removes it.
describe("a cluster outside its data directory (as root)", {
  skip: process.getuid?.() !== 0 && "root only",
}, () => {
  it("follows its data directory when it moves, and is removed a day after the directory is gone", async () => {
    const first = join(mkdtempSync(join(tmpdir(), "cb-outside-")), "data"); // mkdtemp: 0700
    const cluster = await startEmbeddedCluster(first, 0);
    const outside = readlinkSync(join(first, "postgres"));
    assert.match(outside, /^\/var\/tmp\/cloudburst-postgres-[0-9a-f]{12}$/);
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    await client.query("create table kept (x int)");
    await client.end();
    await stopEmbeddedCluster(cluster);

    const moved = join(dirname(first), "moved");
    renameSync(first, moved);
    const again = await startEmbeddedCluster(moved, 0);
    assert.equal(readlinkSync(join(moved, "postgres")), outside, "the same cluster");
    const reader = new pg.Client({ connectionString: again.url });
    await reader.connect();
    const tables = await reader.query("select count(*)::int as n from pg_tables where tablename = 'kept'");
    await reader.end();
    assert.equal(tables.rows[0].n, 1);
    await stopEmbeddedCluster(again);

    rmSync(dirname(moved), { recursive: true, force: true });
    const other = join(mkdtempSync(join(tmpdir(), "cb-outside-")), "data");
    const third = await startEmbeddedCluster(other, 0);
    assert.ok(existsSync(outside), "an orphan is kept for a day");
    await stopEmbeddedCluster(third);
    const dayAgo = new Date(Date.now() - 25 * 3600 * 1000);
    utimesSync(outside, dayAgo, dayAgo);
    const fourth = await startEmbeddedCluster(other, 0);
    assert.equal(existsSync(outside), false, "then removed");
    assert.equal(existsSync(`${outside}.owner`), false);
    assert.ok(existsSync(readlinkSync(join(other, "postgres"))), "the running one is kept");
    await stopEmbeddedCluster(fourth);
    rmSync(dirname(other), { recursive: true, force: true });
  });
});
