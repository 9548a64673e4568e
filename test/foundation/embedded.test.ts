// The embedded PostgreSQL outlives no one: whoever holds it keeps it, the last one out stops it, and
// when the last holder is killed (kill -9) with nobody to follow, its watchdog stops it.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
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
