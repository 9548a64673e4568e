// The README's first command, end to end: a whole (short) cycle on this machine.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { runCli, spawnCli, stopChild, tempDir } from "../helpers/cli.ts";

/** Processes whose environment names `text` (the demo's configuration file), i.e. what it started. */
function processesWithEnvironment(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").includes(text)) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe("cloudburst demo", () => {
  for (const provider of ["local", "sim-cloudsigma"]) {
    it(`runs a cycle from the FTP stream to delivered products on ${provider} nodes and leaves nothing running`, () =>
      demoLeavesNothingRunning(provider));
  }

  for (const signal of ["SIGINT", "SIGHUP"] as const)
    it(`stops everything it started on ${signal === "SIGINT" ? "Ctrl-C" : "a closed terminal (SIGHUP)"} while a compute node is up`, () =>
      interruptedDemoLeavesNothing(signal));
});

async function interruptedDemoLeavesNothing(signal: "SIGINT" | "SIGHUP"): Promise<void> {
  const cwd = tempDir();
  const child = spawnCli(["demo", "--steps", "0-24", "--grid", "2", "--time-factor", "10"], { cwd });
  const demoConfig = join(cwd, ".cloudburst/demo/demo.yaml");
  const started = Date.now();
  const workers = () =>
    processesWithEnvironment(`CLOUDBURST_CONFIG=${demoConfig}`).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "latin1").includes("\0worker\0");
      } catch {
        return false;
      }
    });
  while (workers().length === 0) {
    assert.ok(Date.now() - started < 120_000, "a compute node started within two minutes");
    await sleep(100);
  }
  assert.equal(await stopChild(child, signal), 1);
  assert.deepEqual(processesWithEnvironment(`CLOUDBURST_CONFIG=${demoConfig}`), [], "no worker is left");
  // The clusters are stopped by the demo, or else within seconds by their watchdogs.
  for (const cluster of ["postgres", "destination/postgres"]) {
    const pidFile = join(cwd, ".cloudburst/demo", cluster, "postmaster.pid");
    for (let i = 0; i < 100 && existsSync(pidFile); i++) await sleep(100);
    assert.equal(existsSync(pidFile), false, `${cluster} is left running`);
  }
}

async function demoLeavesNothingRunning(provider: string): Promise<void> {
  const cwd = tempDir();
  const cycle = ["--steps", "0-2", "--base-time", "2026-11-24T00:00Z"];
  // On local nodes the stream is prepared ahead and played with --stream; otherwise the demo makes it.
  const spool = join(cwd, "stream");
  if (provider === "local") {
    const prepared = await runCli(["sim", "ecmwf", "--prepare", spool, "--grid", "2", ...cycle], { cwd });
    assert.equal(prepared.code, 0, prepared.stderr);
  }
  const result = await runCli(
    ["demo", "--json", "--provider", provider, ...(provider === "local" ? ["--stream", spool] : cycle)],
    { cwd },
  );
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout);
  assert.equal(summary.suiteState, "complete");
  assert.equal(summary.cycle, "ecmf/2026112400");
  // The summary says where each role ran: on the simulated cloud, the data role on its data server,
  // started by the fleet and told only the control role's URL and a token of the cycle.
  if (provider === "local") assert.match(summary.roles.control, /roles control,data/);
  else {
    assert.match(summary.roles.control, /roles control\)/);
    assert.match(summary.roles.data, /^the simulated CloudSigma data server cloudburst-data at http:\/\//);
  }
  assert.match(
    summary.roles.compute,
    provider === "local" ? /^local worker processes/ : /^simulated CloudSigma/,
  );
  // As root (CI), each simulated guest ran in a network namespace of its own on the simulated VLAN.
  if (provider === "sim-cloudsigma" && process.getuid?.() === 0)
    for (const role of [summary.roles.compute, summary.roles.data])
      assert.match(role, /network namespace of its own on the simulated VLAN 198\.1[89]\.\d+\.0\/24/);
  assert.equal(summary.filesIn, 3);
  assert.ok(summary.fieldsIn >= 3 * 30, `fields in: ${summary.fieldsIn}`);
  assert.ok(summary.productsOut > 0);
  assert.ok(
    summary.productsCatalogued >= summary.productsOut,
    "every product is in the catalogue with its inputs",
  );
  assert.equal(summary.productsDelivered, summary.productsOut);
  // The autoscaler starts nodes as the steps' data comes in, never more than --nodes (2) at once.
  assert.ok(summary.nodes >= 1, `nodes started: ${summary.nodes}`);
  assert.ok(summary.peakNodes >= 1 && summary.peakNodes <= 2, `at most 2 at once: ${summary.peakNodes}`);
  assert.ok(summary.nodeMinutes > 0);
  // The jobs ran on the nodes the fleet billed (each worker is named after its node), and the nodes'
  // billed time splits into booting, running jobs and the rest.
  const { bootSeconds, busySeconds, idleSeconds } = summary.nodeTime;
  assert.ok(bootSeconds > 0 && busySeconds > 0, JSON.stringify(summary.nodeTime));
  assert.ok(
    Math.abs(bootSeconds + busySeconds + idleSeconds - summary.nodeMinutes * 60) < 1,
    `${JSON.stringify(summary.nodeTime)} adds up to ${summary.nodeMinutes} node-minutes`,
  );
  assert.ok(summary.stepLatencySeconds.max >= summary.stepLatencySeconds.p50);
  assert.match(summary.ui, /^http:\/\/127\.0\.0\.1:\d+\/ui\/$/);

  const delivered = files(summary.deliveredTo);
  assert.equal(delivered.length, summary.productsDelivered);
  const listing = execFileSync("grib_ls", ["-p", "shortName,stepRange", ...delivered], {
    encoding: "utf8",
  });
  assert.match(listing, /(\d+) of \1 messages? in/);
  assert.ok(
    delivered.some((f) => f.includes("RR-1-MM")),
    "hourly precipitation is among the products",
  );

  // The demo's own spool goes once played; a prepared one stays, to be played again.
  assert.equal(existsSync(join(cwd, ".cloudburst/demo/ecmwf")), false);
  if (provider === "local") assert.equal(readdirSync(spool).length, 3 + 1);
  const demoConfig = join(cwd, ".cloudburst/demo/demo.yaml");
  assert.deepEqual(processesWithEnvironment(`CLOUDBURST_CONFIG=${demoConfig}`), [], "no worker is left");
  // PostgreSQL removes its pid file when it has shut down cleanly.
  const pidFile = join(cwd, ".cloudburst/demo/postgres/postmaster.pid");
  assert.equal(existsSync(pidFile), false, "the embedded PostgreSQL has stopped");
  const destinationPidFile = join(cwd, ".cloudburst/demo/destination/postgres/postmaster.pid");
  assert.equal(existsSync(destinationPidFile), false, "the destination's PostgreSQL has stopped");
}
